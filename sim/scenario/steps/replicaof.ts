// `replicaof`: REPLICAOF host (or REPLICAOF NO ONE with "primary": null), checked against expectError / mayFail.

import type { StepHandler } from './context.js';

export const replicaof: StepHandler<'replicaof'> = (ctx, step) => {
  const args = step.primary === null ? ['REPLICAOF', 'NO', 'ONE'] : ['REPLICAOF', step.primary];
  ctx.checkReply(step, args, ctx.call(step.node, args));
};
