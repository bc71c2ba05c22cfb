// What a checking step concludes, written once for both backends (the simulator's steps and
// sim/backends/real/steps.ts): a command's reply against expectError / mayFail, an expect field, an
// expect-equal field, a run-until that timed out. Each returns the failure to record, or null.
import type { Failure } from '../runner.js';
import type { Matcher } from '../types.js';
import { describeMatcher, matches } from './fields.js';
import type { ReplyExpectation } from './context.js';

export type StepFailure = Omit<Failure, 'time_us' | 'step' | 'op'>;
type Value = string | number | null;

/**
 * A reply: `error` is its error text (or "node X is not running"), null when it is not an error;
 * `text` the reply as text (for a message about an expected error that did not come).
 */
export function replyVerdict(stepIndex: number, step: ReplyExpectation, args: (string | number)[], error: string | null, text: string): StepFailure | null {
  if (step.mayFail) return null;
  const cmd = args.join(' ');
  const want = step.expectError;
  if (want === undefined) {
    if (error === null) return null;
    return { kind: 'expectation', node: [step.node], expected: 'a reply that is not an error', actual: error, message: `step ${stepIndex} (${step.op}): ${cmd} on ${step.node} was refused: ${error} (add "expectError": "<start of the error>" to the step if that is intended)` };
  }
  if (error !== null && error.startsWith(want)) return null;
  return { kind: 'expectation', node: [step.node], expected: `an error starting with ${JSON.stringify(want)}`, actual: error ?? text, message: `step ${stepIndex} (${step.op}): ${cmd} on ${step.node}: expected an error starting with ${JSON.stringify(want)}, got ${error === null ? JSON.stringify(text) : error}` };
}

/** One field of an `expect` step; `running`: whether the node is up (a null field of a node that is down says so). */
export function expectVerdict(stepIndex: number, node: string, field: string, m: Matcher, actual: Value, earlier: Value | undefined, running: boolean): StepFailure | null {
  if (matches(actual, m, earlier)) return null;
  const why = actual === null && !running ? ` (node ${node} is not running)` : '';
  return { kind: 'expectation', node: [node], field, expected: m, actual, message: `step ${stepIndex} (expect): ${node}.${field} expected ${describeMatcher(m)}${typeof m === 'object' && m.changedSince !== undefined ? ` (it was ${JSON.stringify(earlier)})` : ''}, actual ${JSON.stringify(actual)}${why}` };
}

/** One field of an `expect-equal` step, with its value on each node in order. */
export function expectEqualVerdict(stepIndex: number, nodes: readonly string[], field: string, values: readonly Value[]): StepFailure | null {
  if (new Set(values.map((v) => JSON.stringify(v))).size <= 1) return null;
  return { kind: 'expectation', node: [...nodes], field, expected: 'equal', actual: Object.fromEntries(nodes.map((n, i) => [n, values[i]])), message: `step ${stepIndex} (expect-equal): ${field} differs: ${nodes.map((n, i) => `${n}=${JSON.stringify(values[i])}`).join(', ')}` };
}

/** The liveness message of a `run-until` that did not hold in time, with each field's value now. */
export function runUntilMessage(node: string, checks: readonly [string, Matcher][], timeoutUs: number, now: readonly Value[]): string {
  return `run-until on ${node}: ${checks.map(([f, m]) => `${f} ${describeMatcher(m)}`).join(', ')} did not hold within ${timeoutUs / 1000} ms (now ${checks.map(([f], i) => `${f}=${JSON.stringify(now[i])}`).join(', ')})`;
}
