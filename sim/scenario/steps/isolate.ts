// `isolate`: cut one node (and the clients near it) off from every other host.

import type { StepHandler } from './context.js';

export const isolate: StepHandler<'isolate'> = (ctx, step) => ctx.w.isolate(step.node);
