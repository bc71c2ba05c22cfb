// `network`: change latency, jitter, loss and bandwidth (resolved to µs and bytes per second by the
// loader) everywhere, between two nodes, or in one direction.

import type { StepHandler } from './context.js';

export const network: StepHandler<'network'> = (ctx, step) => ctx.w.net.setLink(step.change, step.between, step.oneway);
