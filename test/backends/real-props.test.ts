// The simulator's properties on real redis-server runs (sim/backends/real/judge.ts): a write lost on
// purpose is judged as the simulator judges the same scenario, and a loss nothing excuses fails the run.
import { expect, it } from 'vitest';
import { runRealScenario } from '../../sim/backends/real/run.js';
import { simulate } from '../../sim/harness/simulate.js';
import { describeReal } from '../real/clusters.js';
import type { Scenario } from '../../sim/scenario/types.js';

const FAST = { save: '', 'repl-diskless-sync-delay': 0 };
const noTimes = (notes: string[]) => notes.map((n) => n.replace(/\d+(\.\d+)? (ms|s)\b/g, 'T'));

describeReal('properties judged on a real run', () => {
  it('a write the old master acknowledged after its replica was promoted, lost when it is made that replica\'s replica: as the simulator judges it', async () => {
    const sc: Scenario = {
      name: 'lost-by-demotion', config: FAST, nodes: { m: {}, r: { replicaof: 'm' } },
      steps: [
        { op: 'wait-sync' },
        { op: 'write', node: 'm', count: 3, prefix: 'a' },
        { op: 'wait-sync' },
        { op: 'replicaof', node: 'r', primary: null },
        { op: 'write', node: 'm', count: 2, prefix: 'b' },
        { op: 'replicaof', node: 'm', primary: 'r' },
        { op: 'wait-sync' },
      ],
    };
    const sim = simulate(sc, { seed: 1 });
    const real = await runRealScenario(sc, 'lost-by-demotion', { seed: 1, network: 'loopback' });
    expect(real.failures.map((f) => f.message)).toEqual([]);
    const [s, r] = [sim.properties['acknowledged-writes']!, real.properties['acknowledged-writes']!];
    expect(r.stats).toEqual(s.stats);
    expect(r.stats).toMatchObject({ acknowledged: 5, present: 3, lost: 2, lost_allowed: 2 });
    expect(noTimes(r.notes)).toEqual(noTimes(s.notes));
    expect(r.notes).toEqual([expect.stringMatching(/lost across the demotion of m at/)]);
    expect(real.properties['split-brain']!.stats.split_brain_writes).toBe(sim.properties['split-brain']!.stats.split_brain_writes);
    // real sync counters: two full syncs served by m, one by r, each reading agreeing with the logs
    expect(real.properties['counter-sanity']!.violations).toBe(0);
    expect(real.properties['counter-sanity']!.checked).toBeGreaterThan(5);
    expect(Object.keys(real.properties)).toEqual(['equal-id-offset-equal-data', 'counter-sanity', 'acknowledged-writes', 'split-brain']);
  }, 30_000);

  it('an acknowledged write rolled back by DEBUG RELOAD NOSAVE (no failover, crash or restart) fails the run', async () => {
    const sc: Scenario = {
      name: 'rolled-back', config: FAST, nodes: { m: {} },
      steps: [
        { op: 'write', node: 'm', count: 1, prefix: 'a' },
        { op: 'command', node: 'm', args: ['SAVE'] },
        { op: 'write', node: 'm', count: 1, prefix: 'b' },
        { op: 'command', node: 'm', args: ['DEBUG', 'RELOAD', 'NOSAVE'] },
      ],
    };
    const real = await runRealScenario(sc, 'rolled-back', { seed: 1, network: 'loopback' });
    expect(real.status).toBe('fail');
    expect(real.properties['acknowledged-writes']).toMatchObject({ violations: 1, stats: { acknowledged: 2, present: 1, lost: 1, lost_allowed: 0 } });
    expect(real.failures).toEqual([expect.objectContaining({ kind: 'property', property: 'acknowledged-writes', node: ['m', 'm'] })]);
    expect(real.failures[0]!.message).toMatch(/^acknowledged-writes: SET b1 .* was acknowledged by m at .* but the final master m has no such key; no failover, crash or unsaved restart came after it\.$/);
  }, 30_000);
});
