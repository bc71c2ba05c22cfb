// What `write` and `command` share: running one operation on an application client (a step through
// a client completes when the operation does: a reply, a timeout or a reset), and which writes the
// acknowledged-writes property tracks.

import { err, isError, type Reply } from '../../redis/reply.js';
import type { OpOptions, OpResult } from '../../clients/client.js';
import { isWriteCommand } from '../../redis/commands.js';
import type { StepContext } from './context.js';

/** Run one operation on an application client and the simulation until it completes. */
export function viaClient(ctx: StepContext, name: string, cmds: string[][], opts: OpOptions): OpResult {
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
export function asReply(r: OpResult): Reply {
  return r.outcome === 'ok' || (r.reply !== null && isError(r.reply)) ? r.reply : err(`${r.outcome === 'info' ? 'INDETERMINATE ' : 'NOTSENT '}${r.error ?? ''}`);
}

/** A plain SET is tracked like a write step's; one with options only marks its key as touched. */
export function recordedAs(args: readonly string[]): string | undefined {
  return args[0]!.toUpperCase() === 'SET' && args.length !== 3 ? 'SET-OPTIONS' : undefined;
}

export function isTracked(name: string): boolean {
  return isWriteCommand(name) || name === 'FLUSHALL';
}
