// Memory in run length: the live heap (after a forced GC) sampled through a long run with a streamed
// trace, for a run and one 10x longer; and the peak RSS of each, with and without a trace, each in
// a process of its own (the goal of issue 13 is on peak RSS, which V8 grows lazily).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { simulate } from '../sim/harness/simulate.js';
import type { Scenario } from '../sim/scenario/types.js';

const gc = (globalThis as { gc?: () => void }).gc;

export function longRun(phaseMs: number): Scenario {
  return {
    name: 'memory-soak',
    config: { save: '', 'repl-ping-replica-period': 1, 'repl-backlog-size': '16kb' }, // a full backlog from the start: its 1mb default takes 40 min to fill at this rate
    nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } },
    workload: { writesPerSec: 10, keys: 100 },
    faults: { phaseMs, settleMs: 60_000, families: { 'link-kill': { everyMs: 5000 }, crash: { everyMs: 60_000, downMs: 2000 } } },
    steps: [{ op: 'wait-sync' }, { op: 'faults' }],
  };
}

/** Largest live heap (MB, after GC) seen at 20 evenly spaced points in simulated time, and the trace events. */
function liveHeapPeak(phaseMs: number): { peakMb: number; events: number } {
  let n = 0;
  let peak = 0;
  let nextUs = 0;
  const stepUs = (phaseMs * 1000) / 20;
  const sample = () => {
    gc!();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const observe = (e: { t: number }) => {
    n++;
    if (e.t >= nextUs) {
      nextUs += stepUs;
      sample();
    }
  };
  simulate(longRun(phaseMs), { seed: 1, maxSimTimeUs: phaseMs * 1000 + 600_000_000, sink: { write() {} }, observers: [observe] });
  sample();
  return { peakMb: peak / 1e6, events: n };
}

/** The ratio of the two peaks and lines describing them; null without --expose-gc. */
export function runMemoryBench(): { ratio: number; lines: string[] } | null {
  if (!gc) {
    console.log('  memory: skipped (run node with --expose-gc, as npm run bench does)');
    return null;
  }
  const short = liveHeapPeak(1_000_000);
  const long = liveHeapPeak(10_000_000);
  return {
    ratio: long.peakMb / short.peakMb,
    lines: [
      'live heap after GC, 3 nodes, 10 writes/s, link kills and crashes, trace streamed:',
      `${short.events} trace events: peak ${short.peakMb.toFixed(1)} MB; ${long.events} trace events (10x the fault phase): peak ${long.peakMb.toFixed(1)} MB`,
    ],
  };
}

/** Peak RSS (MB) of the soak in a fresh process (bench/memory-child.ts), with or without a trace sink. */
function peakRssMb(phaseMs: number, trace: boolean): number {
  const child = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, String(phaseMs), trace ? 'trace' : 'none'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`memory child failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { maxRssKb: number }).maxRssKb / 1024;
}

/** Peak RSS of the run and of the 10x run, with and without a streamed trace. */
export function runRssBench(): { withTrace: number; without: number; lines: string[] } {
  const t1 = peakRssMb(1_000_000, true);
  const t10 = peakRssMb(10_000_000, true);
  const n1 = peakRssMb(1_000_000, false);
  const n10 = peakRssMb(10_000_000, false);
  return {
    withTrace: t10 / t1,
    without: n10 / n1,
    lines: [`peak RSS, each run in a process of its own: with a trace ${t1.toFixed(0)} -> ${t10.toFixed(0)} MB, without ${n1.toFixed(0)} -> ${n10.toFixed(0)} MB (run -> 10x run)`],
  };
}
