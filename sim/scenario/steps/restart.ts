// `restart`: a fresh process of a node (or Sentinel) that is down, over the same disk (or an empty one with `wipe`).

import type { StepHandler } from './context.js';

export const restart: StepHandler<'restart'> = (ctx, step) => {
  const sentinel = ctx.w.isSentinel(step.node);
  if (sentinel ? ctx.w.sentinelOrNull(step.node) !== null : ctx.w.isRunning(step.node)) {
    ctx.fail({ kind: 'expectation', node: [step.node], message: `restart: ${sentinel ? 'sentinel' : 'node'} ${step.node} is still running; crash or shut it down first` });
    return;
  }
  if (sentinel) {
    ctx.w.restartSentinel(step.node, step.wipe ? { wipe: true } : {});
    return;
  }
  ctx.w.restart(step.node, { ...(step.replicaof !== undefined ? { replicaof: step.replicaof } : {}), ...(step.wipe ? { wipe: true } : {}) });
  ctx.orch.noteRestart(step.node);
};
