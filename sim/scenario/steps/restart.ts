// `restart`: a fresh process of a node that is down, over the same disk (or an empty one with `wipe`).

import type { StepHandler } from './context.js';

export const restart: StepHandler<'restart'> = (ctx, step) => {
  if (ctx.w.isRunning(step.node)) {
    ctx.fail({ kind: 'expectation', node: [step.node], message: `restart: node ${step.node} is still running; crash or shut it down first` });
    return;
  }
  ctx.w.restart(step.node, { ...(step.replicaof !== undefined ? { replicaof: step.replicaof } : {}), ...(step.wipe ? { wipe: true } : {}) });
  ctx.orch.noteRestart(step.node);
};
