// Steps that read INFO fields (and `digest`, `dbsize`): `expect` and `expect-equal` fail the run on a
// mismatch; `run-until` lets time pass until the fields match. Matchers: a value, min, max, not,
// changedSince.

import type { World } from '../../cluster/world.js';
import type { Matcher } from '../types.js';
import { infoFields } from '../../redis/info.js';
import { DEFAULT_WAIT_US, type StepHandler } from './context.js';

export function fieldValue(w: World, node: string, field: string): string | number | null {
  const n = w.nodeOrNull(node);
  if (!n) return null;
  if (field === 'digest') return n.ds.digest();
  if (field === 'dbsize') return n.ds.dbsize(0);
  const v = infoFields(n)[field];
  return v === undefined ? null : v;
}

/** `earlier`: the field's value right after the step a `changedSince` matcher names. */
export function matches(actual: string | number | null, m: Matcher, earlier?: string | number | null): boolean {
  if (actual === null) return false;
  if (typeof m === 'object') {
    if (m.changedSince !== undefined && String(actual) === String(earlier)) return false;
    if (m.not !== undefined && String(actual) === String(m.not)) return false;
    if (m.min !== undefined && !(typeof actual === 'number' && actual >= m.min)) return false;
    if (m.max !== undefined && !(typeof actual === 'number' && actual <= m.max)) return false;
    return true;
  }
  return String(actual) === String(m);
}

export function describeMatcher(m: Matcher): string {
  if (typeof m !== 'object') return JSON.stringify(m);
  return Object.entries(m).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(' and ');
}

/** The (field, matcher) pairs of an expect or run-until step: every key that is not the step's own. */
export function conditions(step: object): [string, Matcher][] {
  return Object.entries(step)
    .filter(([k]) => !['op', 'node', 'comment', 'timeoutMs'].includes(k))
    .map(([k, m]) => [k, m as Matcher]);
}

export const expect: StepHandler<'expect'> = (ctx, step) => {
  const { w } = ctx;
  for (const [field, m] of conditions(step)) {
    const actual = fieldValue(w, step.node, field);
    const earlier = ctx.earlier(step.node, field, m);
    if (!matches(actual, m, earlier)) {
      const why = actual === null && !w.isRunning(step.node) ? ` (node ${step.node} is not running)` : '';
      ctx.fail({ kind: 'expectation', node: [step.node], field, expected: m, actual, message: `step ${ctx.stepIndex} (expect): ${step.node}.${field} expected ${describeMatcher(m)}${typeof m === 'object' && m.changedSince !== undefined ? ` (it was ${JSON.stringify(earlier)})` : ''}, actual ${JSON.stringify(actual)}${why}` });
    }
  }
};

export const expectEqual: StepHandler<'expect-equal'> = (ctx, step) => {
  for (const field of step.fields) {
    const values = step.nodes.map((n) => fieldValue(ctx.w, n, field));
    if (new Set(values.map((v) => JSON.stringify(v))).size > 1) {
      ctx.fail({ kind: 'expectation', node: [...step.nodes], field, expected: 'equal', actual: Object.fromEntries(step.nodes.map((n, i) => [n, values[i]])), message: `step ${ctx.stepIndex} (expect-equal): ${field} differs: ${step.nodes.map((n, i) => `${n}=${JSON.stringify(values[i])}`).join(', ')}` });
    }
  }
};

export const runUntil: StepHandler<'run-until'> = (ctx, step) => {
  const { w } = ctx;
  const conds = conditions(step);
  const timeoutUs = step.timeoutMs !== undefined ? step.timeoutMs * 1000 : DEFAULT_WAIT_US;
  const ok = w.runUntil(() => conds.every(([f, m]) => matches(fieldValue(w, step.node, f), m, ctx.earlier(step.node, f, m))), timeoutUs);
  if (!ok) {
    const now = conds.map(([f]) => `${f}=${JSON.stringify(fieldValue(w, step.node, f))}`).join(', ');
    ctx.liveness(`run-until on ${step.node}: ${conds.map(([f, m]) => `${f} ${describeMatcher(m)}`).join(', ')} did not hold within ${timeoutUs / 1000} ms (now ${now})`);
  }
};
