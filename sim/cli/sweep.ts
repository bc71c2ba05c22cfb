// replsim sweep: one scenario over many seeds, in worker threads, with failing seeds written as
// artifacts. Results are sorted by seed, so they are identical for any number of workers.

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { Tinypool } from 'tinypool';
import type { Scenario } from '../../scenarios/types.js';
import type { MutantName } from '../redis/mutants.js';
import runBatch, { scenarioOf, type SweepOutcome, type SweepTask } from './task.js';
import { makeArtifact, writeArtifact } from './artifact.js';

export interface SweepOptions {
  ref: string;
  /** A scenario document, or 'swarm' to generate one per seed. */
  scenario: Scenario | 'swarm';
  seeds: number[];
  workers: number;
  outDir?: string;
  mutant: MutantName | null;
  progress: boolean;
  /** Stop handing out seeds after the first failure (used by the mutation self-test). */
  stopOnFailure?: boolean;
}

export interface SweepSummary {
  scenario: string;
  seeds: number;
  passed: number;
  failed: number;
  liveness: number;
  artifacts: string[];
  results: SweepOutcome[];
}

const BATCH = 8;

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export async function sweep(o: SweepOptions): Promise<SweepSummary> {
  const batches: SweepTask[][] = [];
  for (let i = 0; i < o.seeds.length; i += BATCH) {
    batches.push(o.seeds.slice(i, i + BATCH).map((seed) => ({ scenario: o.scenario, seed, mutant: o.mutant })));
  }
  const bar = o.progress ? new cliProgress.SingleBar({ format: 'sweep {bar} {value}/{total} seeds | {failed} failing | eta {eta_formatted}', hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic) : null;
  bar?.start(o.seeds.length, 0, { failed: 0 });
  const results: SweepOutcome[] = [];
  let failed = 0;
  let stop = false;
  const collect = (rs: SweepOutcome[]) => {
    for (const r of rs) {
      results.push(r);
      if (r.status !== 'pass') failed++;
    }
    if (o.stopOnFailure && failed > 0) stop = true;
    bar?.increment(rs.length, { failed });
  };
  try {
    if (o.workers <= 1 || batches.length <= 1) {
      for (const b of batches) {
        if (stop) break;
        collect(runBatch(b));
      }
    } else {
      const pool = new Tinypool({ filename: fileURLToPath(new URL('./worker.mjs', import.meta.url)), minThreads: o.workers, maxThreads: o.workers });
      try {
        let next = 0;
        const feed = async () => {
          while (!stop && next < batches.length) collect((await pool.run(batches[next++]!)) as SweepOutcome[]);
        };
        await Promise.all(Array.from({ length: o.workers * 2 }, feed));
      } finally {
        await pool.destroy();
      }
    }
  } finally {
    bar?.stop();
  }
  const order = new Map(o.seeds.map((s, i) => [s, i]));
  results.sort((a, b) => order.get(a.seed)! - order.get(b.seed)!);
  const artifacts: string[] = [];
  if (o.outDir) {
    for (const r of results) {
      if (r.status === 'pass') continue;
      const sc = scenarioOf({ scenario: o.scenario, seed: r.seed, mutant: o.mutant });
      artifacts.push(writeArtifact(o.outDir, makeArtifact(o.ref, sc, r.seed, o.mutant, r.status, r.failures, r.trace_hash)));
    }
  }
  return {
    scenario: o.scenario === 'swarm' ? 'swarm' : o.scenario.name,
    seeds: results.length,
    passed: results.filter((r) => r.status === 'pass').length,
    failed: results.filter((r) => r.status === 'fail').length,
    liveness: results.filter((r) => r.status === 'liveness').length,
    artifacts,
    results,
  };
}
