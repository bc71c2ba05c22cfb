// Steps on Redis processes: `pause` (SIGSTOP for a while), `crash` (kill -9), `shutdown` (SHUTDOWN
// [SAVE|NOSAVE], waiting for a master's replicas as Redis does) and `restart` (a fresh process over
// the same disk, or an empty one).

import type { StepHandler } from './context.js';

export const pause: StepHandler<'pause'> = (ctx, step) => {
  if (ctx.w.isRunning(step.node)) ctx.w.pause(step.node, Math.round(step.ms * 1000));
};

export const crash: StepHandler<'crash'> = (ctx, step) => ctx.w.crash(step.node);

export const shutdown: StepHandler<'shutdown'> = (ctx, step) => {
  const { w } = ctx;
  if (!w.isRunning(step.node)) return;
  w.call(step.node, step.save === undefined ? ['SHUTDOWN'] : ['SHUTDOWN', step.save ? 'SAVE' : 'NOSAVE'], () => {});
  // a master may wait for its replicas (up to shutdown-timeout): let that happen
  w.runUntil(() => !w.isRunning(step.node), (w.configFor(step.node)['shutdown-timeout'] + 1) * 1_000_000);
};

export const restart: StepHandler<'restart'> = (ctx, step) => {
  if (ctx.w.isRunning(step.node)) {
    ctx.fail({ kind: 'expectation', node: [step.node], message: `restart: node ${step.node} is still running; crash or shut it down first` });
    return;
  }
  ctx.w.restart(step.node, { ...(step.replicaof !== undefined ? { replicaof: step.replicaof } : {}), ...(step.wipe ? { wipe: true } : {}) });
  ctx.orch.noteRestart(step.node);
};
