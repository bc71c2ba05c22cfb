// `shutdown`: SHUTDOWN [SAVE|NOSAVE], and the time a master takes waiting for its replicas as Redis does.

import type { StepHandler } from './context.js';

export const shutdown: StepHandler<'shutdown'> = (ctx, step) => {
  const { w } = ctx;
  if (!w.isRunning(step.node)) return;
  w.call(step.node, step.save === undefined ? ['SHUTDOWN'] : ['SHUTDOWN', step.save ? 'SAVE' : 'NOSAVE'], () => {});
  // a master may wait for its replicas (up to shutdown-timeout): let that happen
  w.runUntil(() => !w.isRunning(step.node), (w.configFor(step.node)['shutdown-timeout'] + 1) * 1_000_000);
};
