// The Redis model's costs in run length (issue 13): an APPEND/RPUSH-heavy run at two lengths
// (time per write must stay flat: O(size of the change)), and the swarm loop's ms per seed.
// `node --expose-gc --import tsx bench/model.ts [append|swarm|all]`.

import { simulate } from '../sim/harness/simulate.js';
import { swarmScenario } from '../sim/scenario/swarm.js';
import type { Scenario } from '../sim/scenario/types.js';

/** Three nodes, APPEND and RPUSH on 4 keys at 200 writes/s for `ms` of simulated time. */
export function appendRun(ms: number): Scenario {
  return {
    name: 'append-heavy',
    config: { save: '' },
    nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } },
    workload: { writesPerSec: 200, keys: 4, valueSize: 16, commands: ['APPEND', 'RPUSH'] },
    steps: [{ op: 'wait-sync' }, { op: 'workload', action: 'start' }, { op: 'sleep', ms }, { op: 'workload', action: 'stop' }, { op: 'settle' }],
  };
}

/** Wall ms per write of an APPEND-heavy run (best of `reps`), and its write count. */
export function appendCost(ms: number, reps = 3): { msPerKWrite: number; writes: number; digest: string } {
  let best = Number.POSITIVE_INFINITY;
  let writes = 0;
  let digest = '';
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = simulate(appendRun(ms), { seed: 1, sink: { write() {} } });
    const dt = performance.now() - t0;
    writes = r.stats.writes;
    digest = String((r.nodes as Record<string, { digest?: string }>).p?.digest);
    best = Math.min(best, (dt / writes) * 1000);
  }
  return { msPerKWrite: best, writes, digest };
}

/** Wall and CPU (user + system: less disturbed by other processes on a busy machine) ms per seed of the swarm loop. */
export function swarmLoop(seeds = 20): { wallMs: number; cpuMs: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let seed = 1; seed <= seeds; seed++) simulate(swarmScenario(seed), { seed });
  const c = process.cpuUsage(c0);
  return { wallMs: (performance.now() - t0) / seeds, cpuMs: (c.user + c.system) / 1000 / seeds };
}

const what = process.env.BENCH_MODEL ?? process.argv[2] ?? 'all';
if (what === 'append' || what === 'all') {
  appendCost(5_000, 1); // warm-up
  const a = appendCost(30_000);
  const b = appendCost(120_000);
  console.log(`append-heavy: ${a.writes} writes ${a.msPerKWrite.toFixed(1)} ms/1k writes; ${b.writes} writes ${b.msPerKWrite.toFixed(1)} ms/1k writes; ratio ${(b.msPerKWrite / a.msPerKWrite).toFixed(2)} (flat: ~1) digests ${a.digest} ${b.digest}`);
}
if (what === 'swarm' || what === 'all') {
  swarmLoop(3);
  const r = swarmLoop(20);
  console.log(`swarm loop: ${r.wallMs.toFixed(1)} ms per seed, ${r.cpuMs.toFixed(1)} ms CPU per seed (20 seeds)`);
}
