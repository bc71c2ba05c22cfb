// One seed of a sweep, as run in a worker thread (or in-process with --workers 1).

import { simulate } from '../run.js';
import type { Scenario } from '../../scenarios/types.js';
import type { Failure } from '../cluster/runner.js';
import type { MutantName } from '../redis/mutants.js';
import { swarmScenario } from '../../scenarios/swarm.js';

export interface SweepTask {
  /** A scenario document, or 'swarm' for the scenario generated from each seed. */
  scenario: Scenario | 'swarm';
  seed: number;
  mutant: MutantName | null;
}

export interface SweepOutcome {
  seed: number;
  status: 'pass' | 'fail' | 'liveness';
  trace_hash: string;
  failures: Failure[];
  events: number;
}

export function scenarioOf(t: SweepTask): Scenario {
  return t.scenario === 'swarm' ? swarmScenario(t.seed) : t.scenario;
}

export function runTask(t: SweepTask): SweepOutcome {
  const r = simulate(scenarioOf(t), { seed: t.seed, mutant: t.mutant });
  return { seed: t.seed, status: r.status, trace_hash: r.trace_hash, failures: r.failures, events: r.stats.events };
}

/** Runs several seeds per message to keep the per-message cost of the pool small. */
export default function runBatch(batch: SweepTask[]): SweepOutcome[] {
  return batch.map(runTask);
}
