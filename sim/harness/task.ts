// One seed of a sweep, as run in a worker thread (or in-process with --workers 1).

import { simulate, type SimulateOptions } from './simulate.js';
import { wallClockTimeout } from './wall-clock.js';
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
 * simulate() options for the limits. The wall-clock timeout (wall-clock.ts) is a hook the
 * scheduler calls every few thousand events: only the fact of stopping depends on real time,
 * never what the run did before.
 */
export function limitOptions(l: RunLimits | undefined): Pick<SimulateOptions, 'maxEvents' | 'maxSimTimeUs' | 'budgetHook'> {
  if (!l) return {};
  const out: Pick<SimulateOptions, 'maxEvents' | 'maxSimTimeUs' | 'budgetHook'> = {};
  if (l.maxEvents !== undefined) out.maxEvents = l.maxEvents;
  if (l.maxSimTimeUs !== undefined) out.maxSimTimeUs = l.maxSimTimeUs;
  if (l.timeoutMs !== undefined) out.budgetHook = wallClockTimeout(l.timeoutMs);
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
