// `crash`: kill -9 of a node's process (its disk keeps what was fsynced).

import type { StepHandler } from './context.js';

export const crash: StepHandler<'crash'> = (ctx, step) => ctx.w.crash(step.node);
