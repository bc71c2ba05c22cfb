// One seed of a sweep, as run in a worker thread (or in-process with --workers 1).

import { simulate, type SimulateOptions } from './simulate.js';
import { LimitExceeded, formatSimTime } from '../errors.js';
import type { Scenario } from '../scenario/types.js';
import type { Failure } from '../scenario/runner.js';
import type { MutantName } from '../redis/mutants.js';
import { scenarioFor, type ScenarioSource } from './sources.js';

export interface SweepTask {
  source: ScenarioSource;
  seed: number;
  mutant: MutantName | null;
  limits?: RunLimits;
}

/** The limits of one run as the CLI takes them (--max-events, --max-sim-time, --timeout); unset means the default. */
export interface RunLimits {
  maxEvents?: number;
  maxSimTimeUs?: number;
  /** Wall-clock time one run may take. */
  timeoutMs?: number;
}

/**
 * simulate() options for the limits. The wall-clock timeout lives here, in the harness: the
 * scheduler calls the hook every few thousand events and only the fact of stopping depends on
 * real time, never what the run did before.
 */
export function limitOptions(l: RunLimits | undefined): Pick<SimulateOptions, 'maxEvents' | 'maxSimTimeUs' | 'budgetHook'> {
  if (!l) return {};
  const out: Pick<SimulateOptions, 'maxEvents' | 'maxSimTimeUs' | 'budgetHook'> = {};
  if (l.maxEvents !== undefined) out.maxEvents = l.maxEvents;
  if (l.maxSimTimeUs !== undefined) out.maxSimTimeUs = l.maxSimTimeUs;
  if (l.timeoutMs !== undefined) {
    const timeoutMs = l.timeoutMs;
    const deadline = performance.now() + timeoutMs;
    out.budgetHook = (events) => {
      if (performance.now() > deadline) {
        throw new LimitExceeded('timeout', 0, `wall-clock timeout: the run took longer than ${formatSimTime(timeoutMs * 1000)} of real time and was stopped after ${events} events. Raise --timeout if it is making progress.`);
      }
    };
  }
  return out;
}

export interface SweepOutcome {
  seed: number;
  status: 'pass' | 'fail' | 'liveness';
  trace_hash: string;
  failures: Failure[];
  events: number;
}

export function scenarioOf(t: SweepTask): Scenario {
  return scenarioFor(t.source, t.seed);
}

export function runTask(t: SweepTask): SweepOutcome {
  const r = simulate(scenarioOf(t), { seed: t.seed, mutant: t.mutant, ...limitOptions(t.limits) });
  return { seed: t.seed, status: r.status, trace_hash: r.trace_hash, failures: r.failures, events: r.stats.events };
}

/** Runs several seeds per message to keep the per-message cost of the pool small. */
export default function runBatch(batch: SweepTask[]): SweepOutcome[] {
  return batch.map(runTask);
}
