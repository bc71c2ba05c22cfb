// `kill-replicas`: CLIENT KILL TYPE replica on a master (drops every replica's link).

import type { StepHandler } from './context.js';

export const killReplicas: StepHandler<'kill-replicas'> = (ctx, step) => void ctx.call(step.node, ['CLIENT', 'KILL', 'TYPE', 'replica']);
