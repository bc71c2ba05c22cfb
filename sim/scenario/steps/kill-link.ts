// `kill-link`: CLIENT KILL TYPE master on a replica (drops its link to its master).

import type { StepHandler } from './context.js';

export const killLink: StepHandler<'kill-link'> = (ctx, step) => void ctx.call(step.node, ['CLIENT', 'KILL', 'TYPE', 'master']);
