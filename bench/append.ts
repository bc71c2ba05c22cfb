// APPEND and RPUSH cost in run length: the same 2-node run writing to a few keys for L, 2L and 4L
// simulated seconds; a command costing O(size of the change) gives 2x time per doubling.

import { simulate } from '../sim/harness/simulate.js';
import type { Scenario } from '../sim/scenario/types.js';
import { cpuMs, type Figure } from './figures.js';

function growing(cmd: 'APPEND' | 'RPUSH', seconds: number): Scenario {
  return {
    name: `bench-${cmd.toLowerCase()}`,
    config: { save: '' },
    nodes: { p: {}, r1: { replicaof: 'p' } },
    workload: { writesPerSec: 500, keys: 4, valueSize: 64, commands: [cmd] },
    steps: [{ op: 'wait-sync' }, { op: 'workload', action: 'start' }, { op: 'sleep', ms: seconds * 1000 }, { op: 'workload', action: 'stop' }, { op: 'wait-sync' }],
  };
}

function timeRun(sc: Scenario): number {
  let ms = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = cpuMs();
    const r = simulate(sc, { seed: 1 });
    ms = Math.min(ms, cpuMs() - t0);
    if (r.status !== 'pass') throw new Error(`bench ${sc.name}: ${r.status}: ${r.failures[0]?.message}`);
  }
  return ms;
}

export function appendFigures(): Figure[] {
  const L = 5;
  return (['APPEND', 'RPUSH'] as const).map((cmd): Figure => {
    timeRun(growing(cmd, L / 2)); // warm-up
    const t1 = timeRun(growing(cmd, L));
    const t4 = timeRun(growing(cmd, 4 * L));
    const perDoubling = Math.sqrt(t4 / t1);
    return {
      key: `append.${cmd.toLowerCase()}_per_doubling`,
      label: `${cmd}: time per doubling of run length`,
      value: perDoubling,
      unit: 'x',
      better: 'lower',
      goal: '~2x (O(size of the change))',
      met: perDoubling <= 2.4,
      detail: [`500 ${cmd}/s of 64 B on 4 keys, 2 nodes: ${L} s simulated ${t1.toFixed(0)} ms, ${4 * L} s simulated ${t4.toFixed(0)} ms (best of 2)`],
    };
  });
}
