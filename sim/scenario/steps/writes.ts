// Steps that write through a node's scenario client: `write` (SET key:i, values of an exact size)
// and `command` (any supported command, checked against expectError / mayFail).

import { isError, type Reply } from '../../redis/reply.js';
import { isWriteCommand } from '../../redis/commands.js';
import { PENDING } from '../../redis/dispatch.js';
import { DEFAULTS } from '../schema.js';
import type { StepHandler } from './context.js';

export const write: StepHandler<'write'> = (ctx, step) => {
  const { w } = ctx;
  const count = step.count ?? DEFAULTS.write.count;
  const prefix = step.prefix ?? DEFAULTS.write.prefix;
  const size = step.valueSize ?? DEFAULTS.write.valueSize;
  const gapUs = (step.intervalMs ?? DEFAULTS.write.intervalMs) * 1000;
  if (step.db !== undefined) ctx.call(step.node, ['SELECT', step.db]);
  let refused = 0;
  let firstError = '';
  for (let i = 1; i <= count; i++) {
    const args = ['SET', `${prefix}${i}`, `${ctx.stepIndex}:${i}`.padEnd(size, 'x').slice(0, Math.max(size, 0))];
    const node = step.node;
    const r = w.isRunning(node) ? w.call(node, args) : null;
    if (r !== null && isError(r) && refused++ === 0) firstError = r.message;
    // a write queued by MULTI is recorded when EXEC (a command step) runs it
    if (r !== 'QUEUED') ctx.recordWrite(node, args, r !== null && r !== PENDING && !isError(r));
    if (gapUs > 0 && i < count) w.runFor(gapUs);
  }
  // not a failure (a write step is a workload), but never silent: the run's report lists it
  if (refused > 0) ctx.noteRefusedWrites(step.node, refused, count, firstError);
};

/** A plain SET is tracked like a write step's; one with options only marks its key as touched. */
function recordedAs(args: readonly string[]): string | undefined {
  return args[0]!.toUpperCase() === 'SET' && args.length !== 3 ? 'SET-OPTIONS' : undefined;
}

function isTracked(name: string): boolean {
  return isWriteCommand(name) || name === 'FLUSHALL';
}

export const command: StepHandler<'command'> = (ctx, step) => {
  const name = String(step.args[0]).toUpperCase();
  // what EXEC or DISCARD ends: the queued commands and the database they start in
  const client = (name === 'EXEC' || name === 'DISCARD') && ctx.w.isRunning(step.node) ? ctx.w.client(step.node) : null;
  const queued = client && client.multi ? client.multi.slice() : null;
  const dbBefore = client ? client.db : 0;
  const r = ctx.call(step.node, step.args);
  ctx.checkReply(step, step.args, r);
  if (queued) {
    recordTransaction(ctx, step.node, queued, dbBefore, name === 'EXEC' && Array.isArray(r) ? r : null);
    return;
  }
  if (r === 'QUEUED') return; // recorded when EXEC runs it
  const args = step.args.map(String);
  if (isTracked(name)) ctx.recordWrite(step.node, args, r !== null && r !== PENDING && !isError(r), recordedAs(args));
};

/**
 * The writes of a transaction, in the database the queued SELECTs chose as EXEC ran them, each
 * acknowledged when EXEC ran it without an error; none when EXEC was refused or DISCARD dropped them.
 */
function recordTransaction(ctx: Parameters<StepHandler<'command'>>[0], node: string, queued: string[][], dbBefore: number, replies: Reply[] | null): void {
  let db = dbBefore;
  queued.forEach((args, i) => {
    const name = args[0]!.toUpperCase();
    const ok = replies !== null && !isError(replies[i]!);
    if (name === 'SELECT') {
      if (ok) db = Number(args[1]);
    } else if (isTracked(name)) ctx.recordWrite(node, args, ok, recordedAs(args), db);
  });
}
