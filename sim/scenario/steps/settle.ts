// `settle`: heal everything and give the run timeoutUs to converge (sim/faults/settle.ts).

import type { StepHandler } from './context.js';

export const settle: StepHandler<'settle'> = (ctx, step) => ctx.settle(step.timeoutUs);
