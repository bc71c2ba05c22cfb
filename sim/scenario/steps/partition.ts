// `partition`: cut the network into groups, both ways between every pair (clients go with the node they are near).

import type { StepHandler } from './context.js';

export const partition: StepHandler<'partition'> = (ctx, step) => ctx.w.partition(step.groups);
