// `expect`: each named field of the node must match now; every mismatch is an expectation failure.

import { describeMatcher, fieldValue, matches } from './fields.js';
import type { StepHandler } from './context.js';

export const expect: StepHandler<'expect'> = (ctx, step) => {
  const { w } = ctx;
  for (const [field, m] of step.checks) {
    const actual = fieldValue(w, step.node, field);
    const earlier = ctx.earlier(step.node, field, m);
    if (!matches(actual, m, earlier)) {
      const why = actual === null && !w.isRunning(step.node) ? ` (node ${step.node} is not running)` : '';
      ctx.fail({ kind: 'expectation', node: [step.node], field, expected: m, actual, message: `step ${ctx.stepIndex} (expect): ${step.node}.${field} expected ${describeMatcher(m)}${typeof m === 'object' && m.changedSince !== undefined ? ` (it was ${JSON.stringify(earlier)})` : ''}, actual ${JSON.stringify(actual)}${why}` });
    }
  }
};
