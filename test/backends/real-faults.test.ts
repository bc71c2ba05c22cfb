// The random fault phase on real redis-server processes: the simulator's seeded schedule replayed in real
// time (crashes, SHUTDOWNs, partitions, link kills, promotions, orchestrated failovers, the workload's
// writes), then the real backend's own settle: one master, every node with its id, offset and data.
import { expect, it } from 'vitest';
import { runReal, runRealScenario } from '../../sim/backends/real/run.js';
import { loadScenario } from '../../sim/scenario/load.js';
import { simulate } from '../../sim/harness/simulate.js';
import { comparableEvents, firstDifference, type EventLike } from '../../sim/backends/real/comparable.js';
import { netnsUnavailable } from '../../sim/backends/real/fabric.js';
import { planFaultPhase } from '../../sim/backends/real/fault-plan.js';
import { describeReal } from '../real/clusters.js';
import { FAULTY } from './faulty.js';
import type { Scenario, Step } from '../../sim/scenario/types.js';

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

  it("dbsize counts db 0's keys, as the simulator does, whichever db a command step left the connection on", async () => {
    const sc: Scenario = {
      name: 'dbs', config: { save: '' }, nodes: { m: {} },
      steps: [
        { op: 'command', node: 'm', args: ['SET', 'a', '1'] },
        { op: 'command', node: 'm', args: ['SELECT', '3'] },
        { op: 'command', node: 'm', args: ['SET', 'b', '1'] },
        { op: 'command', node: 'm', args: ['SET', 'c', '1'] },
        { op: 'expect', node: 'm', dbsize: 1 },
      ],
    };
    const sim = simulate(sc, { seed: 1 });
    expect(sim.nodes.m!.dbsize).toBe(1);
    const r = await runRealScenario(sc, 'dbs', { seed: 1, network: 'loopback' });
    expect(r.failures.map((f) => f.message)).toEqual([]);
    expect(r.nodes.m).toMatchObject({ dbsize: 1 });
  }, 60_000);

  it("replays an orchestrator decision's re-points at one moment: no replica the old master drops reconnects to it first", async () => {
    // four promotions back and forth, each re-pointing first the node that was master (first by name,
    // as the orchestrator does): its +CONTINUE with the new id drops its replicas, which 7.0
    // reconnects at once; the simulator re-points them all at one instant, before that happens
    const decide = (promoted: string, others: string[]): Step[] => [
      { op: 'replicaof', node: promoted, primary: null, mayFail: true, comment: 'fault: promotion' },
      ...others.map((n): Step => ({ op: 'replicaof', node: n, primary: promoted, mayFail: true, comment: 'orchestrator: re-point' })),
      { op: 'sleep', ms: 400 },
    ];
    const phase = [...decide('r1', ['m', 'r2']), ...decide('m', ['r1', 'r2']), ...decide('r1', ['m', 'r2']), ...decide('m', ['r1', 'r2'])];
    const sc: Scenario = {
      name: 'repoints', config: { save: '', 'repl-diskless-sync-delay': 0, 'repl-ping-replica-period': 3600 }, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' } },
      steps: [{ op: 'wait-sync' }, ...phase, { op: 'wait-sync' }],
    };
    const { resolved } = loadScenario(sc, 'repoints');
    const r = await runReal(resolved, { seed: 1, network: 'loopback', plan: { first: 1, last: phase.length, faults: 4, writes: 0 } });
    expect(r.failures.map((f) => f.message)).toEqual([]);
    // every PSYNC after the first promotion is answered by the master of the moment
    const promotions = r.events.filter((e) => e.type === 'redis.role' && e.role === 'master');
    expect(promotions.map((e) => e.node)).toEqual(['r1', 'm', 'r1', 'm']);
    const answered = r.events.filter((e) => e.type === 'redis.psync' && e.ms >= promotions[0]!.ms);
    const masterAt = (ms: number) => promotions.filter((p) => p.ms <= ms).at(-1)!.node;
    expect(answered.filter((e) => e.node !== masterAt(e.ms)).map((e) => `${e.node} <- ${(e as { replica: string }).replica}`)).toEqual([]);
    // and the decisions, roles and ids are the simulator's
    const simEvents: EventLike[] = [];
    simulate(sc, { seed: 1, observers: [(e) => void simEvents.push(e)] });
    expect(firstDifference(comparableEvents(simEvents), comparableEvents(r.events))).toBeNull();
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
