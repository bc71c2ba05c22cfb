// `expect`: each named field of the node must match now; every mismatch is an expectation failure.

import { fieldValue } from './fields.js';
import { expectVerdict } from './verdicts.js';
import type { StepHandler } from './context.js';

export const expect: StepHandler<'expect'> = (ctx, step) => {
  const { w } = ctx;
  for (const [field, m] of step.checks) {
    const f = expectVerdict(ctx.stepIndex, step.node, field, m, fieldValue(w, step.node, field), ctx.earlier(step.node, field, m), w.isRunning(step.node));
    if (f) ctx.fail(f);
  }
};
