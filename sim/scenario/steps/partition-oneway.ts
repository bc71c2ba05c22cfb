// `partition-oneway`: cut one direction, from `from` to `to` (TCP then stalls both ways once ACKs stop).

import type { StepHandler } from './context.js';

export const partitionOneway: StepHandler<'partition-oneway'> = (ctx, step) => ctx.w.net.partitionOneway(step.from, step.to);
