// The pool that sweeps, explore, fuzz and queue workers run seeds in: tinypool over child processes,
// each started with V8's --single-threaded. A run allocates fast and its garbage is collected on V8's
// helper threads by default; with two workers on two cores those threads take CPU from the other
// worker (measured on swarm seeds 1..300: 81 ms of CPU per seed with the helper threads, 65 without,
// at the same wall time per seed). Worker threads cannot be started with that flag; processes can.
// A 32 MB young generation (16 MB by default) makes fewer scavenges (swarm seeds 1..60: 59 against
// 83), a gain within the noise of the time measured. Together, a sweep of swarm seeds 1..600 on 2
// workers went from 88,000 to 106,000-111,000 seeds an hour.

import type { Tinypool } from 'tinypool';
import { WORKER_FILE } from '../paths.js';
import { WorkerDied } from '../errors.js';
import type { SweepOutcome, SweepTask } from './task.js';

/** V8 flags for the workers on top of the parent's own (e.g. --import tsx, --max-old-space-size). */
export const WORKER_V8_FLAGS = ['--single-threaded', '--max-semi-space-size=32'];

/**
 * The workers' node flags: the parent's (so --import tsx, --max-old-space-size, --cpu-prof reach
 * them) but its debugger's, which would make every worker open the same inspector port, then ours.
 */
export function workerExecArgv(parent: readonly string[]): string[] {
  const kept = parent.filter((a) => !/^--(inspect|debug)/.test(a) && !WORKER_V8_FLAGS.includes(a));
  return [...kept, ...WORKER_V8_FLAGS];
}

/** A pool of `workers` processes, all started at once, each running the batches of sim/harness/task.ts. */
export async function seedPool(workers: number): Promise<Tinypool> {
  const { Tinypool } = await import('tinypool');
  const pool = new Tinypool({
    filename: WORKER_FILE,
    runtime: 'child_process',
    execArgv: workerExecArgv(process.execArgv),
    // structured clone, as worker threads had: a failure's fields survive as they are
    serialization: 'advanced',
    minThreads: workers,
    maxThreads: workers,
  });
  // A worker that dies with no batch in hand (between batches, or while it starts) is reported here.
  // Nothing was lost, but tinypool does not replace a worker that died while starting: with every
  // worker gone, the batches waiting in its queue would never run and the sweep would end silently.
  // Recycling starts the workers the pool should have (a busy one finishes its batch first). One
  // that dies under a batch fails that batch's run() instead, which runBatchOn retries.
  pool.on('error', () => void pool.recycleWorkers());
  return pool;
}

/** tinypool's error for a worker process that exited while it ran a task. */
const isWorkerExit = (e: unknown): boolean => e instanceof Error && e.message === 'Worker exited unexpectedly';

/**
 * Run one batch on the pool. A worker process that dies under it (killed from outside, out of
 * memory) is replaced by the pool and the batch runs once more on the new one (a run is a function of
 * its seed, so the retry gives what the first try would have); a second death is a WorkerDied.
 */
export async function runBatchOn(pool: Tinypool, batch: SweepTask[]): Promise<SweepOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await pool.run(batch)) as SweepOutcome[];
    } catch (e) {
      if (!isWorkerExit(e)) throw e;
      if (attempt === 2) {
        const seeds = batch.map((t) => t.seed);
        throw new WorkerDied(`a worker process died twice while running seeds ${seeds.join(', ')} (killed, or out of memory?): run those seeds alone, e.g. replsim run <scenario> --seed ${seeds[0]}, to see whether one of them is the cause`);
      }
    }
  }
}

