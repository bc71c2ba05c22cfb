// Steps that write through a node's scenario client: `write` (SET key:i, values of an exact size)
// and `command` (any supported command, checked against expectError / mayFail).

import { isError } from '../../redis/reply.js';
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
  for (let i = 1; i <= count; i++) {
    const args = ['SET', `${prefix}${i}`, `${ctx.stepIndex}:${i}`.padEnd(size, 'x').slice(0, Math.max(size, 0))];
    const node = step.node;
    const r = w.isRunning(node) ? w.call(node, args) : null;
    ctx.recordWrite(node, args, r !== null && r !== PENDING && !isError(r));
    if (gapUs > 0 && i < count) w.runFor(gapUs);
  }
};

export const command: StepHandler<'command'> = (ctx, step) => {
  const r = ctx.call(step.node, step.args);
  ctx.checkReply(step, step.args, r);
  const name = String(step.args[0]).toUpperCase();
  // a plain SET is tracked like a write step's; one with options only marks its key as touched
  const plainSet = name === 'SET' && step.args.length === 3;
  if (isWriteCommand(name) || name === 'FLUSHALL') ctx.recordWrite(step.node, step.args.map(String), r !== null && r !== PENDING && !isError(r), name === 'SET' && !plainSet ? 'SET-OPTIONS' : undefined);
};
