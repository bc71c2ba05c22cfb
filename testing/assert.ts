// Running generated scenarios under fast-check and failing readably: the violation messages of the
// run, the fast-check replay parameters, and the `replsim run` command for the shrunk scenario.

import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate, type RunResult } from '../sim/harness/simulate.js';
import type { Failure } from '../sim/scenario/runner.js';
import type { GeneratedCase } from './arbitraries.js';

/** One line per failure: `property stream-prefix at 12.345 ms [p, r1]: <message>`. */
export function formatFailures(failures: readonly Failure[]): string {
  return failures
    .map((f) => `  ${f.kind}${f.property ? ` ${f.property}` : ''} at ${(f.time_us / 1000).toFixed(3)} ms${f.node?.length ? ` [${f.node.join(', ')}]` : ''}: ${f.message}`)
    .join('\n');
}

/** Thrown by expectNoFailures; its message lists every failure, `failures` has them as data. */
export class ScenarioFailed extends Error {
  constructor(
    readonly failures: readonly Failure[],
    readonly result?: RunResult,
  ) {
    const head = result ? `run of "${result.scenario}" with seed ${String(result.seed)} ended ${result.status}` : 'the run failed';
    super(`${head} with ${failures.length} failure(s):\n${formatFailures(failures)}`);
    this.name = 'ScenarioFailed';
  }
}

/** Throws ScenarioFailed (every violation message in the error's message) unless the run had no failures. */
export function expectNoFailures(run: RunResult | readonly Failure[]): void {
  const failures = Array.isArray(run) ? (run as readonly Failure[]) : (run as RunResult).failures;
  if (failures.length > 0) throw new ScenarioFailed(failures, Array.isArray(run) ? undefined : (run as RunResult));
}

function isFailureList(x: unknown): x is Failure[] {
  return Array.isArray(x) && x.length > 0 && x.every((f) => typeof f === 'object' && f !== null && typeof (f as Failure).kind === 'string' && typeof (f as Failure).message === 'string');
}

/**
 * The cause of a failed check. An assertion such as `expect(result.failures).toEqual([])` prints the
 * failures abbreviated (`[ { kind: 'property', …(4) } ]`); its `actual` still holds them, so they
 * are listed in full.
 */
function describeCause(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e instanceof ScenarioFailed) return e.message;
  const actual = (e as { actual?: unknown }).actual;
  const failures = isFailureList(actual) ? actual : isFailureList((actual as { failures?: unknown } | null)?.failures) ? (actual as { failures: Failure[] }).failures : null;
  return failures ? `${e.message}\nthe failures:\n${formatFailures(failures)}` : e.message;
}

/**
 * Write a failing case to DIR/<name>.json and return the command that replays it, for the message
 * of a failed fc.assert: `replsim run <file> --seed N`.
 */
export function replayCommand(c: GeneratedCase, dir = '.replsim-out', name = `counterexample-seed-${c.seed}`): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(c.scenario, null, 2) + '\n');
  return `replsim run ${path} --seed ${c.seed}`;
}

/**
 * What a check may do: throw (any assertion), or return the run's result (or its failures), which
 * then must have no failures.
 */
export type ScenarioCheck = (c: GeneratedCase) => void | RunResult | readonly Failure[];

/** The check used when none is given: simulate the case; every property and expectation must hold. */
export const noFailures: ScenarioCheck = ({ scenario, seed }) => simulate(scenario, { seed });

/**
 * fc.assert over generated scenarios, with a failure message that lists the violations, the
 * fast-check replay parameters and the replsim command for the shrunk case (written to
 * `.replsim-out/`). Without a check, each case is simulated and must have no failures.
 */
export function assertScenarios(arb: fc.Arbitrary<GeneratedCase>, check?: ScenarioCheck, params?: fc.Parameters<[GeneratedCase]>): void;
export function assertScenarios(arb: fc.Arbitrary<GeneratedCase>, params?: fc.Parameters<[GeneratedCase]>): void;
export function assertScenarios(arb: fc.Arbitrary<GeneratedCase>, checkOrParams?: ScenarioCheck | fc.Parameters<[GeneratedCase]>, maybeParams?: fc.Parameters<[GeneratedCase]>): void {
  const check = typeof checkOrParams === 'function' ? checkOrParams : noFailures;
  const params = (typeof checkOrParams === 'function' ? maybeParams : checkOrParams) ?? {};
  const property = fc.property(arb, (c) => {
    const out = check(c);
    if (out) expectNoFailures(out);
  });
  const details = fc.check(property, params);
  if (!details.failed) return;
  const c = details.counterexample?.[0];
  const cmd = c ? replayCommand(c, '.replsim-out', `counterexample-fc${details.seed}-seed-${c.seed}`) : '(no counterexample)';
  throw new Error(
    `property failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s)\n` +
      `fast-check replay: { seed: ${details.seed}, path: "${details.counterexamplePath}", endOnFailure: true }  (or FC_SEED=${details.seed} FC_PATH="${details.counterexamplePath}")\n` +
      `replsim replay: ${cmd}\n` +
      `cause: ${describeCause(details.errorInstance)}`,
  );
}
