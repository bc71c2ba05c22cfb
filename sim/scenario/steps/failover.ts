// `failover`: the FAILOVER command ([TO node] [TIMEOUT ms] [FORCE]), checked against expectError / mayFail.

import type { StepHandler } from './context.js';

export const failover: StepHandler<'failover'> = (ctx, step) => {
  const args: (string | number)[] = ['FAILOVER'];
  if (step.to) args.push('TO', step.to);
  if (step.timeoutMs !== undefined) args.push('TIMEOUT', step.timeoutMs);
  if (step.force) args.push('FORCE');
  ctx.checkReply(step, args, ctx.call(step.node, args));
};
