// `run-until`: let simulated time pass until every named field of the node matches; a liveness
// failure if they do not within timeoutUs.

import { fieldValue, matches } from './fields.js';
import { runUntilMessage } from './verdicts.js';
import type { StepHandler } from './context.js';

export const runUntil: StepHandler<'run-until'> = (ctx, step) => {
  const { w } = ctx;
  const conds = step.checks;
  const ok = w.runUntil(() => conds.every(([f, m]) => matches(fieldValue(w, step.node, f), m, ctx.earlier(step.node, f, m))), step.timeoutUs);
  if (!ok) ctx.liveness(runUntilMessage(step.node, conds, step.timeoutUs, conds.map(([f]) => fieldValue(w, step.node, f))));
};
