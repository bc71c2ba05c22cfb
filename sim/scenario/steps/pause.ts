// `pause`: SIGSTOP a running node for durationUs (its timers and incoming bytes wait).

import type { StepHandler } from './context.js';

export const pause: StepHandler<'pause'> = (ctx, step) => {
  if (ctx.w.isRunning(step.node)) ctx.w.pause(step.node, step.durationUs);
};
