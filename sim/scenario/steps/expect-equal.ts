// `expect-equal`: each named field must have one value on all the named nodes.

import { fieldValue } from './fields.js';
import type { StepHandler } from './context.js';

export const expectEqual: StepHandler<'expect-equal'> = (ctx, step) => {
  for (const field of step.fields) {
    const values = step.nodes.map((n) => fieldValue(ctx.w, n, field));
    if (new Set(values.map((v) => JSON.stringify(v))).size > 1) {
      ctx.fail({ kind: 'expectation', node: [...step.nodes], field, expected: 'equal', actual: Object.fromEntries(step.nodes.map((n, i) => [n, values[i]])), message: `step ${ctx.stepIndex} (expect-equal): ${field} differs: ${step.nodes.map((n, i) => `${n}=${JSON.stringify(values[i])}`).join(', ')}` });
    }
  }
};
