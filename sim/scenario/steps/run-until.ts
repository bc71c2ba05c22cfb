// `run-until`: let simulated time pass until every named field of the node matches; a liveness
// failure if they do not within timeoutUs.

import { describeMatcher, fieldValue, matches } from './fields.js';
import type { StepHandler } from './context.js';

export const runUntil: StepHandler<'run-until'> = (ctx, step) => {
  const { w } = ctx;
  const conds = step.checks;
  const ok = w.runUntil(() => conds.every(([f, m]) => matches(fieldValue(w, step.node, f), m, ctx.earlier(step.node, f, m))), step.timeoutUs);
  if (!ok) {
    const now = conds.map(([f]) => `${f}=${JSON.stringify(fieldValue(w, step.node, f))}`).join(', ');
    ctx.liveness(`run-until on ${step.node}: ${conds.map(([f, m]) => `${f} ${describeMatcher(m)}`).join(', ')} did not hold within ${step.timeoutUs / 1000} ms (now ${now})`);
  }
};
