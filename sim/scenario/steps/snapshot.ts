// `snapshot`: record the named fields of the named nodes (null when down) in the run's result, so that
// `replsim diff` and the both-backends check compare the two worlds at this moment, not only at the end.

import { fieldValue } from './fields.js';
import type { StepHandler } from './context.js';

export const snapshot: StepHandler<'snapshot'> = (ctx, step) => {
  const nodes = step.nodes ?? ctx.w.nodeNames;
  ctx.snapshot(step.label, Object.fromEntries(nodes.map((n) => [n, Object.fromEntries(step.fields.map((f) => [f, fieldValue(ctx.w, n, f)]))])));
};
