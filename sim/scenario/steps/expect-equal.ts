// `expect-equal`: each named field must have one value on all the named nodes.

import { fieldValue } from './fields.js';
import { expectEqualVerdict } from './verdicts.js';
import type { StepHandler } from './context.js';

export const expectEqual: StepHandler<'expect-equal'> = (ctx, step) => {
  for (const field of step.fields) {
    const f = expectEqualVerdict(ctx.stepIndex, step.nodes, field, step.nodes.map((n) => fieldValue(ctx.w, n, field)));
    if (f) ctx.fail(f);
  }
};
