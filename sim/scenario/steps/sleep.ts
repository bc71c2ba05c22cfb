// `sleep`: let simulated time pass.

import type { StepHandler } from './context.js';

export const sleep: StepHandler<'sleep'> = (ctx, step) => ctx.w.runFor(step.durationUs);
