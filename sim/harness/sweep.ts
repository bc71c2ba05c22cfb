// replsim sweep: one scenario over many seeds, in worker threads. Each failing seed's artifact is
// written the moment its result arrives; failures are grouped by what failed. Results are sorted by
// seed, and a sweep stopped by --max-failures is cut at the N-th failing seed in seed order, so the
// results are identical for any number of workers. An abort signal (Ctrl-C) stops the workers and
// returns what was found so far.

import { availableParallelism } from 'node:os';
import type { Tinypool } from 'tinypool';
import { runBatchOn, seedPool } from './pool.js';
import { sourceName, type ScenarioSource } from './sources.js';
import type { MutantName } from '../redis/mutants.js';
import { runTask, scenarioOf, type RunLimits, type SweepOutcome, type SweepTask } from './task.js';
import { makeArtifact, writeArtifact } from './artifacts.js';
import { groupFailures, type FailureGroup } from './groups.js';
import { yieldToEventLoop } from './wall-clock.js';
import { reproduceCommand } from './artifacts.js';

export interface SweepProgress {
  done: number;
  total: number;
  failed: number;
}

export interface SweepOptions {
  ref: string;
  source: ScenarioSource;
  seeds: number[];
  /** Requested worker threads; capped by workerPlan. */
  workers: number;
  outDir?: string;
  mutant: MutantName | null;
  /** --max-events, --max-sim-time, --timeout: each seed's run gets them. */
  limits?: RunLimits;
  /** Stop handing out seeds once this many seeds have failed (--fail-fast is 1). */
  maxFailures?: number;
  /** Aborting it (Ctrl-C) stops the workers; the sweep returns what it had, with stopped 'interrupted'. */
  signal?: AbortSignal;
  /** Called as results arrive (the CLI's progress bar, the mutation self-test's progress lines). */
  onProgress?: (p: SweepProgress) => void;
}

/** A failing seed found by a batch already running when the --max-failures limit was reached. */
export interface PastLimit {
  seed: number;
  status: SweepOutcome['status'];
  artifact: string | null;
}

export interface SweepSummary {
  scenario: string;
  /** Seeds reported in results (all of them, unless the sweep stopped early). */
  seeds: number;
  seeds_planned: number;
  passed: number;
  failed: number;
  liveness: number;
  /** The artifacts of the failing seeds in results, in seed order. */
  artifacts: string[];
  /** One entry per failure signature, in the order of their first seed. */
  groups: FailureGroup[];
  /** null: every seed ran; 'max-failures': --fail-fast / --max-failures; 'interrupted': Ctrl-C. */
  stopped: null | 'max-failures' | 'interrupted';
  /** Failing seeds past the limit (see PastLimit): not in results or counts; their artifacts are kept. */
  past_limit: PastLimit[];
  workers: number;
  workers_requested: number;
  /** Why fewer workers ran than were requested, or null. */
  workers_capped: string | null;
  results: SweepOutcome[];
}

export const BATCH = 8;

/**
 * The seeds cut into the batches handed to the workers, in order: BATCH seeds each while there are
 * plenty left, then smaller ones (a share of what is left per worker), down to one seed at a time at
 * the end. So the workers finish together: the last worker to finish runs at most a seed or two
 * while the others wait, not a whole batch (measured on swarm seeds 1..400, 2 workers: 330-470 ms
 * of one idle worker at the end before, 90-110 ms after).
 */
export function batchesOf<T>(items: T[], workers: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const n = Math.max(1, Math.min(BATCH, Math.floor((items.length - i) / (2 * workers))));
    out.push(items.slice(i, i + n));
    i += n;
  }
  return out;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** More threads than cores only add start-up cost and memory; more than batches sit idle. */
export function workerPlan(requested: number, seeds: number): { workers: number; capped: string | null } {
  const cores = defaultWorkers();
  const batches = Math.max(1, Math.ceil(seeds / BATCH));
  if (requested > cores && cores <= batches) return { workers: cores, capped: `${cores} of ${requested}: the machine's parallelism` };
  if (requested > batches) return { workers: batches, capped: `${batches} of ${requested}: ${seeds} seeds make ${batches} batch${batches === 1 ? '' : 'es'} of up to ${BATCH}` };
  return { workers: requested, capped: null };
}


export async function sweep(o: SweepOptions): Promise<SweepSummary> {
  const plan = workerPlan(o.workers, o.seeds.length);
  const task = (seed: number): SweepTask => ({ source: o.source, seed, mutant: o.mutant, ...(o.limits ? { limits: o.limits } : {}) });
  const batches = batchesOf(o.seeds.map(task), plan.workers);

  const found: SweepOutcome[] = [];
  const artifactOf = new Map<number, string>();
  let failed = 0;
  let stopped: SweepSummary['stopped'] = null;
  const record = (rs: SweepOutcome[]) => {
    for (const r of rs) {
      found.push(r);
      if (r.status === 'pass') continue;
      failed++;
      // written now, not at the end: a sweep that is stopped keeps what it found
      if (o.outDir) artifactOf.set(r.seed, writeArtifact(o.outDir, makeArtifact(o.ref, scenarioOf(task(r.seed)), r.seed, o.mutant, r.status, r.failures, r.trace_hash)));
      if (o.maxFailures !== undefined && failed >= o.maxFailures && stopped === null) stopped = 'max-failures';
    }
    o.onProgress?.({ done: found.length, total: o.seeds.length, failed });
  };

  // the pool (and tinypool) made only when there are workers to start, before a Ctrl-C can stop the sweep
  const pool: Tinypool | null = plan.workers > 1 && batches.length > 1 ? await seedPool(plan.workers) : null;
  let destroyed: Promise<void> | null = null;
  const destroyPool = () => (destroyed ??= pool ? pool.destroy() : Promise.resolve());
  const onAbort = () => {
    stopped = 'interrupted';
    void destroyPool();
  };
  if (o.signal?.aborted) stopped = 'interrupted';
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (!pool) {
      for (const seed of o.seeds) {
        if (stopped) break;
        record([runTask(task(seed))]);
        await yieldToEventLoop(); // lets a Ctrl-C through between seeds
      }
    } else {
      let next = 0;
      const feed = async () => {
        // batches are handed out in order and every batch handed out is waited for, so the finished
        // batches are always a prefix of the seed list (what makes the cut below deterministic)
        while (!stopped && next < batches.length) {
          const b = batches[next++]!;
          let rs: SweepOutcome[];
          try {
            rs = await runBatchOn(pool, b);
          } catch (e) {
            if (stopped === 'interrupted') return; // the pool was destroyed under it
            throw e;
          }
          record(rs);
        }
      };
      // one batch in flight per worker: a sweep stopped by --max-failures wastes at most that
      await Promise.all(Array.from({ length: plan.workers }, feed));
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await destroyPool();
  }

  const how = stopped as SweepSummary['stopped']; // set in callbacks, which narrowing does not see
  return summarize({ ref: o.ref, source: o.source, seeds: o.seeds, mutant: o.mutant, found, artifactOf, stopped: how, ...(o.maxFailures !== undefined ? { maxFailures: o.maxFailures } : {}), workers: plan.workers, workersRequested: o.workers, workersCapped: plan.capped });
}

/** What a sweep found, however it ran (worker threads here, or chunks on a queue: harness/queue.ts). */
export interface Findings {
  ref: string;
  source: ScenarioSource;
  /** The seeds as given: results are reported in this order. */
  seeds: number[];
  mutant: MutantName | null;
  found: SweepOutcome[];
  artifactOf: Map<number, string>;
  stopped: SweepSummary['stopped'];
  maxFailures?: number;
  workers: number;
  workersRequested: number;
  workersCapped: string | null;
}

/** The summary of a sweep's findings: results in seed order, grouped failures, the --max-failures cut. */
export function summarize(f: Findings): SweepSummary {
  const { found, artifactOf } = f;
  const how = f.stopped;
  const task = (seed: number): SweepTask => ({ source: f.source, seed, mutant: f.mutant });
  const order = new Map(f.seeds.map((s, i) => [s, i]));
  found.sort((a, b) => order.get(a.seed)! - order.get(b.seed)!);
  let results = found;
  let pastLimit: PastLimit[] = [];
  if (how === 'max-failures') {
    // report exactly the seeds up to the N-th failing one: the same for any number of workers
    let n = 0;
    const cut = found.findIndex((r) => r.status !== 'pass' && ++n === f.maxFailures);
    results = found.slice(0, cut + 1);
    pastLimit = found.slice(cut + 1).filter((r) => r.status !== 'pass').map((r) => ({ seed: r.seed, status: r.status, artifact: artifactOf.get(r.seed) ?? null }));
  }
  const nodeNames = (seed: number) => Object.keys(scenarioOf(task(seed)).nodes);
  const failing = results.filter((r) => r.status !== 'pass');
  return {
    scenario: sourceName(f.source),
    seeds: results.length,
    seeds_planned: f.seeds.length,
    passed: results.length - failing.length,
    failed: failing.filter((r) => r.status === 'fail').length,
    liveness: failing.filter((r) => r.status === 'liveness').length,
    artifacts: failing.flatMap((r) => (artifactOf.has(r.seed) ? [artifactOf.get(r.seed)!] : [])),
    groups: groupFailures(failing.map((r) => ({ seed: r.seed, status: r.status, failures: r.failures, nodeNames: nodeNames(r.seed), artifact: artifactOf.get(r.seed) ?? null })), (seed) => reproduceCommand(f.ref, seed, f.mutant)),
    stopped: how,
    past_limit: pastLimit,
    workers: f.workers,
    workers_requested: f.workersRequested,
    workers_capped: f.workersCapped,
    results,
  };
}
