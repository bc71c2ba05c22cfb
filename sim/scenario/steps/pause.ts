// `pause`: SIGSTOP a running node (or Sentinel) for durationUs (its timers and incoming bytes wait).

import type { StepHandler } from './context.js';

export const pause: StepHandler<'pause'> = (ctx, step) => {
  const running = ctx.w.isSentinel(step.node) ? ctx.w.sentinelOrNull(step.node) !== null : ctx.w.isRunning(step.node);
  if (running) ctx.w.pause(step.node, step.durationUs);
};
