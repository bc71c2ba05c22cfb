// What `replsim diff SCENARIO` compares at the end (sim/harness/backend-diff.ts): ids and digests as
// labels of first appearance on each side, a node that is down on both sides compared on `running` only.
import { describe, expect, it } from 'vitest';
import { fieldDifferences, finalView, realRandomness, snapshotDifference } from '../../sim/harness/backend-diff.js';
import { planFaultPhase } from '../../sim/backends/real/fault-plan.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';
import { simulate } from '../../sim/harness/simulate.js';
import { loadScenario } from '../../sim/scenario/load.js';
import { UserError } from '../../sim/errors.js';
import { SNAPSHOT_FIELDS } from '../../sim/scenario/resolve.js';
import type { Scenario } from '../../sim/scenario/types.js';

const up = (replid: string, digest: string, offset = 10) => ({ running: true, role: 'slave', master_replid: replid, master_repl_offset: offset, digest, dbsize: 3 });

describe('the final view of a run, as the diff compares it', () => {
  it('labels ids and digests by first appearance, so the two sides compare equal when their nodes are alike', () => {
    const sim = finalView({ a: up('x'.repeat(40), 'aa'), b: up('x'.repeat(40), 'aa'), c: up('y'.repeat(40), 'bb') });
    const real = finalView({ a: up('1'.repeat(40), 'f00d'), b: up('1'.repeat(40), 'f00d'), c: up('2'.repeat(40), 'beef') });
    expect(sim.c).toMatchObject({ master_replid: 'B', digest: 'd2' });
    expect(fieldDifferences(sim, real)).toEqual([]);
    const other = finalView({ a: up('1'.repeat(40), 'f00d'), b: up('2'.repeat(40), 'beef', 11), c: up('2'.repeat(40), 'beef') });
    expect(fieldDifferences(sim, other)).toEqual([
      { node: 'b', field: 'master_replid', sim: 'A', real: 'B' },
      { node: 'b', field: 'master_repl_offset', sim: 10, real: 11 },
      { node: 'b', field: 'digest', sim: 'd1', real: 'd2' },
    ]);
  });

  it('a node that is down takes no label: the simulator reports its fields null, a real run leaves them out', () => {
    const sim = finalView({ p: { running: false, role: null, master_replid: null, digest: null, dbsize: null }, r1: up('x'.repeat(40), 'aa'), r2: up('x'.repeat(40), 'aa') });
    const real = finalView({ p: { running: false }, r1: up('1'.repeat(40), 'f00d'), r2: up('1'.repeat(40), 'f00d') });
    expect(sim.p).toEqual({ running: false });
    expect(sim.r1).toMatchObject({ master_replid: 'A', digest: 'd1' });
    expect(fieldDifferences(sim, real)).toEqual([]);
  });

  it('an offset that differs by whole PINGs (14 bytes) says how many; other differences do not', () => {
    const sim = finalView({ a: up('x'.repeat(40), 'aa', 15045), b: up('x'.repeat(40), 'aa', 100), c: up('x'.repeat(40), 'aa', 4114), d: up('x'.repeat(40), 'aa', 2352) });
    const real = finalView({ a: up('1'.repeat(40), 'f00d', 15073), b: up('1'.repeat(40), 'f00d', 103), c: up('1'.repeat(40), 'f00d', 2892), d: up('1'.repeat(40), 'f00d', 0) });
    expect(fieldDifferences(sim, real)).toEqual([
      { node: 'a', field: 'master_repl_offset', sim: 15045, real: 15073, pings: 2 },
      { node: 'b', field: 'master_repl_offset', sim: 100, real: 103 },
      // 87 PINGs, or 168 against nothing: a coincidence, not PINGs
      { node: 'c', field: 'master_repl_offset', sim: 4114, real: 2892 },
      { node: 'd', field: 'master_repl_offset', sim: 2352, real: 0 },
    ]);
  });

  it('an unset replication id (40 zeros) reads 0, not a label', () => {
    expect(finalView({ a: { master_replid: '0'.repeat(40), master_replid2: '0'.repeat(40) } }).a).toEqual({ master_replid: '0', master_replid2: '0' });
  });
});

describe('snapshot steps', () => {
  const sc: Scenario = {
    name: 'snaps',
    config: { save: '' },
    nodes: { m: {}, r: { replicaof: 'm' } },
    steps: [
      { op: 'wait-sync' },
      { op: 'write', node: 'm', count: 3 },
      { op: 'wait-sync' },
      { op: 'snapshot', label: 'synced' },
      { op: 'crash', node: 'r' },
      { op: 'snapshot', label: 'r down', nodes: ['m', 'r'], fields: ['connected_slaves', 'dbsize', 'slave0'] },
    ],
  };

  it('record each node\'s fields at that moment (default: the fields diff compares), null for a node that is down', () => {
    const r = simulate(sc, { seed: 1 });
    expect(r.snapshots!.map((x) => [x.step, x.label])).toEqual([[3, 'synced'], [5, 'r down']]);
    const [synced, down] = r.snapshots!;
    expect(Object.keys(synced!.nodes.r!)).toEqual([...SNAPSHOT_FIELDS]);
    expect(synced!.nodes.r).toMatchObject({ role: 'slave', master_host: 'm', dbsize: 3, master_repl_offset: synced!.nodes.m!.master_repl_offset });
    expect(down!.nodes).toEqual({ m: { connected_slaves: 1, dbsize: 3, slave0: expect.stringMatching(/^ip=r,port=6379,state=online,/) }, r: { connected_slaves: null, dbsize: null, slave0: null } });
    // a run without snapshot steps has none in its result
    expect(simulate({ ...sc, steps: sc.steps!.filter((s) => s.op !== 'snapshot') }, { seed: 1 }).snapshots).toBeUndefined();
  });

  it('a field that cannot be read is refused with the fields that can', () => {
    expect(() => loadScenario({ ...sc, steps: [{ op: 'snapshot', fields: ['nonsense'] }] }, 'x.json')).toThrow(UserError);
    expect(() => loadScenario({ ...sc, steps: [{ op: 'snapshot', fields: ['nonsense'] }] }, 'x.json')).toThrow(/steps\[0\]\.fields: unknown field "nonsense"; fields that can be recorded: .*master_repl_offset/);
  });

  it('are compared snapshot by snapshot: ids and digests as labels, slaveN by replica and state only, a missing one is a difference', () => {
    const snap = (step: number, m: Record<string, string | number | null>) => ({ step, label: `s${step}`, time_us: 0, nodes: { m } });
    const a = [snap(1, { master_replid: 'x'.repeat(40), slave0: 'ip=r,port=6379,state=online,offset=10,lag=0' }), snap(2, { dbsize: 3 })];
    const b = [snap(1, { master_replid: 'y'.repeat(40), slave0: 'ip=r,port=6379,state=online,offset=24,lag=1' }), snap(2, { dbsize: 3 })];
    expect(snapshotDifference(a, b)).toBeNull();
    expect(snapshotDifference(a, [b[0]!, snap(2, { dbsize: 4 })])).toEqual({ index: 1, step: 2, label: 's2', fields: [{ node: 'm', field: 'dbsize', sim: 3, real: 4 }] });
    expect(snapshotDifference(a, [snap(1, { master_replid: 'y'.repeat(40), slave0: 'ip=r,port=6379,state=send_bulk,offset=0,lag=0' }), b[1]!])?.fields).toEqual([{ node: 'm', field: 'slave0', sim: 'ip=r,state=online', real: 'ip=r,state=send_bulk' }]);
    expect(snapshotDifference(a, b.slice(0, 1))).toEqual({ index: 1, step: 2, label: 's2', fields: [{ node: '*', field: 'taken', sim: true, real: false }] });
  });
});

describe('what is random on real processes', () => {
  it("names the scenario's loss and each loss step of a replayed fault phase with its moment, and PINGs counted", () => {
    // swarm seed 11: loss 0.01 throughout, a 0.5 burst from 4.8 s to 7.8 s into its phase
    const plan = planFaultPhase(swarmScenario(11), 11);
    const { resolved } = loadScenario(plan.scenario, 'swarm');
    const random = realRandomness(resolved, plan, [{ node: 'n0', field: 'master_repl_offset', sim: 15045, real: 15073, pings: 2 }], 'netns');
    expect(random).toHaveLength(3);
    expect(random[0]).toMatch(/^packet loss: 0\.01 on every link from the start, 0\.5 from steps\[\d+\] \(4\.8 s into the fault phase\), 0\.01 from steps\[\d+\] \(7\.8 s into the fault phase\)\. The real network drops packets at random/);
    expect(random[1]).toMatch(/^retransmissions: the real namespaces cap/);
    expect(random[2]).toMatch(/^PINGs: n0\.master_repl_offset \+2 /);
    expect(realRandomness(resolved, plan, [], 'loopback')).toHaveLength(1);
  });

  it("a backlog freed by its TTL on one side only is named, with the scenario's TTL", () => {
    const { resolved } = loadScenario({ ...sc0, config: { save: '', 'repl-backlog-ttl': 2 } }, 'ttl');
    const ttl = { kind: 'replid' as const, node: 'n0', why: 'backlog-ttl', replid: null, replid2: '0', t: 13_255_000 };
    const random = realRandomness(resolved, undefined, [], 'netns', { stream: 'n0', index: 1, a: null, b: ttl });
    expect(random).toHaveLength(1);
    expect(random[0]).toMatch(/^backlog TTL: n0 freed its backlog on one side only\..*repl-backlog-ttl \(2 s\)/);
    expect(realRandomness(resolved, undefined, [], 'netns', { stream: 'n0', index: 1, a: null, b: { ...ttl, why: 'first-replica' } })).toEqual([]);
  });

  it('a run without loss and with equal offsets has nothing random to name', () => {
    const { resolved } = loadScenario(sc0, 'plain');
    expect(realRandomness(resolved, undefined, [{ node: 'm', field: 'sync_full', sim: 1, real: 2 }], 'netns')).toEqual([]);
    const lossy = loadScenario({ ...sc0, steps: [{ op: 'network', loss: 0.2 }, { op: 'network', loss: 0 }] }, 'lossy').resolved;
    expect(realRandomness(lossy, undefined, [], 'netns')[0]).toMatch(/^packet loss: 0\.2 from steps\[0\], 0 from steps\[1\]\./);
  });
});

const sc0: Scenario = { name: 'plain', config: { save: '' }, nodes: { m: {}, r: { replicaof: 'm' } }, steps: [{ op: 'wait-sync' }] };
