// Steps that write through a node's local scenario client, or through an application client on the
// network (`client`): `write` (SET key:i, values of an exact size) and `command` (any supported
// command, checked against expectError / mayFail). A step through a client completes when the
// operation does (a reply, a timeout or a reset).

import { err, isError, type Reply } from '../../redis/reply.js';
import type { OpOptions, OpResult } from '../../clients/client.js';
import { isWriteCommand } from '../../redis/commands.js';
import { PENDING } from '../../redis/dispatch.js';
import { DEFAULTS } from '../schema.js';
import type { StepContext, StepHandler } from './context.js';
import type { Step } from '../types.js';

/** Run one operation on an application client and the simulation until it completes. */
function viaClient(ctx: StepContext, name: string, cmds: string[][], opts: OpOptions): OpResult {
  const c = ctx.w.netClient(name);
  let res: OpResult | null = null;
  c.op(cmds, opts, (r) => {
    res = r;
  });
  // an operation ends by its reply or its timeouts (connect, then reply; WAIT adds its own)
  const boundUs = 4 * c.timeoutUs + (opts.wait?.timeoutMs ?? 0) * 1000 + 1_000_000;
  if (!ctx.w.runUntil(() => res !== null, boundUs)) ctx.liveness(`client ${name}: ${cmds.map((a) => a.join(' ')).join('; ')} did not complete within ${boundUs / 1000} ms`);
  return res!;
}

/** An operation's result as the reply a step checks: the reply, or the error that ended it. */
function asReply(r: OpResult): Reply {
  return r.outcome === 'ok' || (r.reply !== null && isError(r.reply)) ? r.reply : err(`${r.outcome === 'info' ? 'INDETERMINATE ' : 'NOTSENT '}${r.error ?? ''}`);
}

export const write: StepHandler<'write'> = (ctx, step) => {
  const { w } = ctx;
  const count = step.count ?? DEFAULTS.write.count;
  const gapUs = (step.intervalMs ?? DEFAULTS.write.intervalMs) * 1000;
  const via = step.client;
  let node = step.node ?? w.netClient(via!).target() ?? via!;
  /** One SET: the error that refused it, or null. */
  let one: (args: string[]) => string | null;
  if (via !== undefined) {
    // each SET is one operation of the client, in its history
    const opts: OpOptions = { ...(step.db !== undefined ? { db: step.db } : {}), ...(step.node !== undefined ? { node: step.node } : {}) };
    one = (args) => {
      const r = viaClient(ctx, via, [args], opts);
      node = r.node ?? node;
      return r.outcome === 'ok' ? null : r.error ?? 'refused';
    };
  } else {
    if (step.db !== undefined) ctx.call(node, ['SELECT', step.db]);
    one = (args) => {
      const r = w.isRunning(node) ? w.call(node, args) : null;
      // a write queued by MULTI is recorded when EXEC (a command step) runs it
      if (r !== 'QUEUED') ctx.recordWrite(node, args, r !== null && r !== PENDING && !isError(r));
      return r !== null && isError(r) ? r.message : null;
    };
  }
  let refused = 0;
  let firstError = '';
  for (let i = 1; i <= count; i++) {
    const error = one(writeArgs(ctx, step, i));
    if (error !== null && refused++ === 0) firstError = error;
    if (gapUs > 0 && i < count) w.runFor(gapUs);
  }
  // not a failure (a write step is a workload), but never silent: the run's report lists it
  if (refused > 0) ctx.noteRefusedWrites(node, refused, count, via !== undefined ? `${firstError} (client ${via})` : firstError);
};

function writeArgs(ctx: StepContext, step: Extract<Step, { op: 'write' }>, i: number): string[] {
  const prefix = step.prefix ?? DEFAULTS.write.prefix;
  const size = step.valueSize ?? DEFAULTS.write.valueSize;
  return ['SET', `${prefix}${i}`, `${ctx.stepIndex}:${i}`.padEnd(size, 'x').slice(0, Math.max(size, 0))];
}

/** A plain SET is tracked like a write step's; one with options only marks its key as touched. */
function recordedAs(args: readonly string[]): string | undefined {
  return args[0]!.toUpperCase() === 'SET' && args.length !== 3 ? 'SET-OPTIONS' : undefined;
}

function isTracked(name: string): boolean {
  return isWriteCommand(name) || name === 'FLUSHALL';
}

export const command: StepHandler<'command'> = (ctx, step) => {
  if (step.client !== undefined) {
    const args = step.args.map(String);
    const r = viaClient(ctx, step.client, [args], step.node !== undefined ? { node: step.node } : {});
    ctx.checkReply({ ...step, node: r.node ?? step.client }, args, asReply(r));
    return;
  }
  const node = step.node!;
  const name = String(step.args[0]).toUpperCase();
  // what EXEC or DISCARD ends: the queued commands and the database they start in
  const client = (name === 'EXEC' || name === 'DISCARD') && ctx.w.isRunning(node) ? ctx.w.client(node) : null;
  const queued = client && client.multi ? client.multi.slice() : null;
  const dbBefore = client ? client.db : 0;
  const r = ctx.call(node, step.args);
  ctx.checkReply({ ...step, node }, step.args, r);
  if (queued) {
    recordTransaction(ctx, node, queued, dbBefore, name === 'EXEC' && Array.isArray(r) ? r : null);
    return;
  }
  if (r === 'QUEUED') return; // recorded when EXEC runs it
  const args = step.args.map(String);
  if (isTracked(name)) ctx.recordWrite(node, args, r !== undefined && r !== PENDING && !isError(r), recordedAs(args));
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
