// `command`: any supported command through the node's local scenario client or an application client,
// checked against expectError / mayFail; writes are recorded for the acknowledged-writes property,
// a transaction's at its EXEC.

import { isError, type Reply } from '../../redis/reply.js';
import { PENDING } from '../../redis/dispatch.js';
import type { StepContext, StepHandler } from './context.js';
import { asReply, isTracked, recordedAs, viaClient } from './client-ops.js';

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
function recordTransaction(ctx: StepContext, node: string, queued: string[][], dbBefore: number, replies: Reply[] | null): void {
  let db = dbBefore;
  queued.forEach((args, i) => {
    const name = args[0]!.toUpperCase();
    const ok = replies !== null && !isError(replies[i]!);
    if (name === 'SELECT') {
      if (ok) db = Number(args[1]);
    } else if (isTracked(name)) ctx.recordWrite(node, args, ok, recordedAs(args), db);
  });
}
