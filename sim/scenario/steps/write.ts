// `write`: `count` SETs of key prefix+i with values of exactly valueSize bytes, intervalUs apart,
// through the node's local scenario client or an application client (`client`). Refused writes are
// not a failure (a write step is a workload), but the run's report lists them.

import { isError } from '../../redis/reply.js';
import type { OpOptions } from '../../clients/client.js';
import { PENDING } from '../../redis/dispatch.js';
import type { StepContext, StepHandler } from './context.js';
import { viaClient } from './client-ops.js';

export const write: StepHandler<'write'> = (ctx, step) => {
  const { w } = ctx;
  const { count, intervalUs } = step;
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
    if (intervalUs > 0 && i < count) w.runFor(intervalUs);
  }
  if (refused > 0) ctx.noteRefusedWrites(node, refused, count, via !== undefined ? `${firstError} (client ${via})` : firstError);
};

function writeArgs(ctx: StepContext, step: { prefix: string; valueSize: number }, i: number): string[] {
  const size = step.valueSize;
  return ['SET', `${step.prefix}${i}`, `${ctx.stepIndex}:${i}`.padEnd(size, 'x').slice(0, Math.max(size, 0))];
}
