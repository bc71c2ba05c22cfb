// `workload`: start or stop the scenario's workload in the background.

import type { StepHandler } from './context.js';

export const workload: StepHandler<'workload'> = (ctx, step) => ctx.workload(step.action);
