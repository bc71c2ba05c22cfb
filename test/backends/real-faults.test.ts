// The random fault phase on real redis-server processes: the simulator's seeded schedule replayed in real
// time (crashes, SHUTDOWNs, partitions, link kills, promotions, orchestrated failovers, the workload's
// writes), then the real backend's own settle: one master, every node with its id, offset and data.
import { expect, it } from 'vitest';
import { runRealScenario } from '../../sim/backends/real/run.js';
import { netnsUnavailable } from '../../sim/backends/real/fabric.js';
import { planFaultPhase } from '../../sim/backends/real/fault-plan.js';
import { describeReal } from '../real/clusters.js';
import { FAULTY } from './faulty.js';
import type { Scenario } from '../../sim/scenario/types.js';

const noNetns = netnsUnavailable();

describeReal('the fault phase on the real backend', () => {
  it('a transaction across command steps is not broken by the per-step observation (its own MULTI on the same connection)', async () => {
    const sc: Scenario = {
      name: 'multi-steps', config: { save: '' }, nodes: { m: {}, r: { replicaof: 'm' } },
      steps: [
        { op: 'wait-sync' },
        { op: 'command', node: 'm', args: ['MULTI'] },
        { op: 'command', node: 'm', args: ['SET', 'k', 'v'] },
        { op: 'command', node: 'm', args: ['INCR', 'n'] },
        { op: 'command', node: 'm', args: ['EXEC'] },
        { op: 'wait-sync' },
        { op: 'expect', node: 'r', dbsize: 2 },
      ],
    };
    const r = await runRealScenario(sc, 'multi-steps', { seed: 1, network: 'loopback' });
    expect(r.failures.map((f) => f.message)).toEqual([]);
    expect(r.nodes.m).toMatchObject({ dbsize: 2 });
    expect(r.nodes.m!.cmdstat_multi).toMatch(/failed_calls=0/);
  }, 60_000);

  it('a settle that does not converge in time is a liveness failure, as in the simulator', async () => {
    const sc: Scenario = {
      name: 'no-time-to-settle', config: { save: '' }, nodes: { m: {}, r: { replicaof: 'm' } },
      steps: [
        { op: 'wait-sync' },
        { op: 'crash', node: 'r' },
        { op: 'write', node: 'm', count: 5 },
        // started empty: its full sync waits for the 5 s diskless delay, far more than the settle's 1 ms
        { op: 'restart', node: 'r', wipe: true },
        { op: 'settle', timeoutMs: 1 },
      ],
    };
    const r = await runRealScenario(sc, 'no-time-to-settle', { seed: 1, network: 'loopback' });
    expect(r.status).toBe('liveness');
    expect(r.failures.map((f) => [f.kind, f.property])).toEqual([['liveness', 'convergence']]);
    expect(r.failures[0]!.message).toMatch(/^convergence: not converged 1 ms after/);
    expect(r.properties.convergence).toMatchObject({ violations: 1, checked: 1 });
  }, 60_000);

  it.skipIf(noNetns !== null)('replays the planned faults and writes at their times, then settles into one converged deployment', async () => {
    const plan = planFaultPhase(FAULTY, 3);
    const phase = plan.scenario.steps!.slice(plan.first, plan.last + 1);
    const r = await runRealScenario(FAULTY, 'faulty', { seed: 3 });
    expect(r.failures.map((f) => f.message)).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.fault_plan).toEqual({ steps: phase.length, faults: plan.faults, writes: plan.writes });
    // every write of the plan went out, and the master of the moment took most of them
    expect(r.stats.writes).toBe(plan.writes);
    expect(r.stats.acked_writes).toBeGreaterThan(0);
    // each planned crash is a SIGKILL the events show
    const crashes = phase.filter((s) => s.op === 'crash').length;
    expect(crashes).toBeGreaterThan(0);
    expect(r.events.filter((e) => e.type === 'redis.stop' && e.how === 'crash')).toHaveLength(crashes);
    // the phase took its simulated length at least (its sleeps end at their planned moments)
    expect(r.stats.elapsed_us).toBeGreaterThan(6_000_000);
    expect(r.properties.convergence).toMatchObject({ violations: 0, checked: 1 });
    expect(r.properties['equal-id-offset-equal-data']!.violations).toBe(0);
    const masters = Object.entries(r.nodes).filter(([, n]) => n.role === 'master').map(([name]) => name);
    expect(masters).toHaveLength(1);
    for (const n of Object.values(r.nodes)) expect({ running: n.running, replid: n.master_replid, offset: n.master_repl_offset, digest: n.digest }).toEqual({ running: true, replid: r.nodes[masters[0]!]!.master_replid, offset: r.nodes[masters[0]!]!.master_repl_offset, digest: r.nodes[masters[0]!]!.digest });
  }, 90_000);
});
