// The pool that sweeps, explore, fuzz and queue workers run seeds in: tinypool over child processes,
// each started with V8's --single-threaded. A run allocates fast and its garbage is collected on V8's
// helper threads by default; with two workers on two cores those threads take CPU from the other
// worker (measured on swarm seeds 1..300: 81 ms of CPU per seed with the helper threads, 65 without,
// at the same wall time per seed). Worker threads cannot be started with that flag; processes can.
// A 32 MB young generation (16 MB by default) halves the scavenges; together, a sweep of swarm seeds
// 1..600 on 2 workers went from 88,000 to 106,000-111,000 seeds an hour.

import type { Tinypool } from 'tinypool';
import { WORKER_FILE } from '../paths.js';

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
  return new Tinypool({
    filename: WORKER_FILE,
    runtime: 'child_process',
    execArgv: workerExecArgv(process.execArgv),
    // structured clone, as worker threads had: a failure's fields survive as they are
    serialization: 'advanced',
    minThreads: workers,
    maxThreads: workers,
  });
}
