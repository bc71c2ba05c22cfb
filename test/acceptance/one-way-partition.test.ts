// A one-way partition step, as a real redis-server 7.0.15 pair lived it over Linux TCP (two network
// namespaces, one direction dropped with nftables; research/redis-7.0-source-notes.md, "One-way
// partitions on real TCP"): both sides time out by their own repl-timeout, the side that stops
// receiving first does so first, nobody hears the other's close, no reconnect gets through until the
// heal, and the partial resync afterwards sends exactly the PINGs the master fed while it still had
// the replica.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/index.js';
import { explicitFaultPhase, PhaseEventSink } from '../../sim/harness/fault-steps.js';
import { validateScenario } from '../../sim/scenario/load.js';
import { MemorySink } from '../../sim/kernel/trace.js';
import type { TraceEvent } from '../../sim/trace-events.js';

const CUT_AT_US = 2_010_377; // 2 s after the initial sync (which ends at 10.377 ms with seed 1)

function run(from: 'm' | 'r', to: 'm' | 'r') {
  const scenario = {
    name: `one-way-${from}-${to}`,
    // the measured runs: repl-timeout 5, a PING every second, disk-based sync, no persistence
    config: { save: '', 'repl-timeout': 5, 'repl-ping-replica-period': 1, 'repl-diskless-sync': 'no' },
    nodes: { m: {}, r: { replicaof: 'm' } },
    steps: [
      { op: 'wait-sync' },
      { op: 'sleep', ms: 2000 },
      { op: 'partition-oneway', from, to },
      { op: 'sleep', ms: 25_000 },
      { op: 'heal' },
      { op: 'sleep', ms: 8000 },
      { op: 'expect-equal', nodes: ['m', 'r'], fields: ['master_replid', 'master_repl_offset', 'digest'] },
    ],
  };
  const sink = new MemorySink();
  const res = simulate(scenario as never, { seed: 1, sink });
  const events = sink.lines.map((l) => JSON.parse(l) as TraceEvent).filter((e) => !e.type.startsWith('trace.'));
  const cut = events.find((e) => e.type === 'net.partition')!;
  expect(cut.t).toBe(CUT_AT_US);
  const after = (pred: (e: TraceEvent) => boolean) => events.filter((e) => e.t >= cut.t && pred(e)).map((e) => ({ ...e, dtUs: e.t - cut.t }));
  type Timeout = Extract<TraceEvent, { type: 'redis.timeout' }> & { dtUs: number };
  type Stream = Extract<TraceEvent, { type: 'redis.stream' | 'redis.applied' }>;
  const replicaTimeouts = after((e) => e.type === 'redis.timeout' && e.node === 'r') as Timeout[];
  const drops = after((e) => e.type === 'redis.replica-drop');
  const psyncs = after((e) => e.type === 'redis.psync') as (Extract<TraceEvent, { type: 'redis.psync' }> & { dtUs: number })[];
  /** Bytes the master fed into its stream from the cut until it dropped the replica (PINGs: no writes). */
  const fedUntilDrop = (dropAtUs: number) => (after((e) => e.type === 'redis.stream' && e.node === 'm' && e.t <= dropAtUs) as Stream[]).reduce((n, e) => n + e.bytes, 0);
  return { res, replicaTimeouts, drops, psyncs, fedUntilDrop };
}

describe('one-way partition between a master and its replica (measured on 7.0.15, repl-timeout 5)', () => {
  it('master -> replica cut: the replica times out first, then the master ("Disconnecting timedout replica"), never by a close', () => {
    const { res, replicaTimeouts, drops, psyncs, fedUntilDrop } = run('m', 'r');
    expect(res.status).toBe('pass');
    // measured: replica "MASTER timeout" at +5.36 s, master "Disconnecting timedout replica
    // (streaming sync)" at +6.03 s; the replica's FIN sat behind its unacknowledged ACKs
    expect(replicaTimeouts[0]).toMatchObject({ what: 'master: no data nor PING received', dtUs: 5_937_834 });
    expect(drops).toEqual([expect.objectContaining({ node: 'm', replica: 'r', reason: 'timeout', dtUs: 6_937_011 })]);
    // measured: "Timeout connecting to the MASTER..." 6.05, 6.04, 6.07 s after each attempt (the SYN
    // got to the master, the SYN-ACK did not come back, the master logged no "Accepted")
    const connects = replicaTimeouts.slice(1);
    expect(connects.map((e) => e.what)).toEqual(['connecting to master', 'connecting to master', 'connecting to master']);
    expect(connects.map((e, i) => e.dtUs - (i === 0 ? replicaTimeouts[0]!.dtUs : connects[i - 1]!.dtUs))).toEqual([6_000_000, 6_000_000, 6_000_000]);
    // measured after the heal: "Partial resynchronization request ... accepted. Sending 84 bytes of
    // backlog": the 6 PINGs the master fed from the cut until it dropped the replica, at its 6th
    // replicationCron after the cut. Here the drop comes at the 7th (the model's crons run 0.947 s
    // into each second and do not drift; the real one ran ~0.0-0.03 s in and drifted), so 7 PINGs
    expect(psyncs.length).toBe(1);
    const p = psyncs[0]!;
    expect(p.result).toBe('continue');
    expect(p.master_repl_offset - p.requested_offset + 1).toBe(98);
    expect(fedUntilDrop(drops[0]!.t)).toBe(98);
    expect(p.dtUs - 25_000_000).toBeLessThan(1_000_000);
    expect([res.nodes.m!.sync_full, res.nodes.m!.sync_partial_ok, res.nodes.m!.sync_partial_err]).toEqual([1, 1, 0]);
  });

  it('replica -> master cut: the master times out first, the replica after it, having got one PING through', () => {
    const { res, replicaTimeouts, drops, psyncs, fedUntilDrop } = run('r', 'm');
    expect(res.status).toBe('pass');
    // measured: master "Disconnecting timedout replica" at +5.66 s, replica "MASTER timeout" at +7.03 s
    expect(drops).toEqual([expect.objectContaining({ node: 'm', replica: 'r', reason: 'timeout', dtUs: 5_937_011 })]);
    expect(replicaTimeouts[0]).toMatchObject({ what: 'master: no data nor PING received', dtUs: 6_937_834 });
    // measured: the replica got one PING after the cut (offset 373 -> 387), and after the heal the
    // master sent "70 bytes of backlog starting from offset 388": the 5 PINGs the replica missed
    const p = psyncs[0]!;
    expect(p.result).toBe('continue');
    expect(p.master_repl_offset - p.requested_offset + 1).toBe(70);
    expect(fedUntilDrop(drops[0]!.t) - 14).toBe(70); // all it fed since the cut but the one PING that crossed
    expect(psyncs.length).toBe(1);
    expect([res.nodes.m!.sync_full, res.nodes.m!.sync_partial_ok, res.nodes.m!.sync_partial_err]).toEqual([1, 1, 0]);
  });

  it('the timeouts fall where the measured ones did: 5-7 s after the cut, each side by its own repl-timeout', () => {
    for (const [from, to, first] of [['m', 'r', 'replica'], ['r', 'm', 'master']] as const) {
      const { replicaTimeouts, drops } = run(from, to);
      const replicaAt = replicaTimeouts[0]!.dtUs;
      const masterAt = drops[0]!.dtUs;
      for (const t of [replicaAt, masterAt]) {
        expect(t).toBeGreaterThan(5_000_000);
        expect(t).toBeLessThanOrEqual(7_100_000);
      }
      expect(first === 'replica' ? replicaAt < masterAt : masterAt < replicaAt).toBe(true);
    }
  });
});

describe('the partition fault family with oneway', () => {
  const scenario = {
    name: 'oneway-faults',
    config: { save: '', 'repl-timeout': 5, 'repl-ping-replica-period': 1, 'repl-diskless-sync': 'no' },
    nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' } },
    workload: { writesPerSec: 20 },
    faults: { phaseMs: 40_000, settleMs: 30_000, families: { partition: { everyMs: 5000, durationMs: 9000, oneway: 1 } } },
  };

  it('cuts one direction between the master and another node; the master times replicas out; the run converges', () => {
    const sink = new MemorySink();
    const res = simulate(scenario as never, { seed: 3, sink });
    const events = sink.lines.map((l) => JSON.parse(l) as TraceEvent);
    expect(res.status).toBe('pass');
    const cuts = events.filter((e): e is Extract<TraceEvent, { type: 'net.partition' }> => e.type === 'net.partition');
    expect(cuts.length).toBeGreaterThanOrEqual(2);
    for (const c of cuts) {
      expect(c.blocked.length).toBe(1);
      expect(c.blocked[0]).toContain('m');
    }
    // a cut in either direction ends with the master timing the replica out, never with a close
    const drops = events.filter((e): e is Extract<TraceEvent, { type: 'redis.replica-drop' }> => e.type === 'redis.replica-drop');
    expect(drops.filter((d) => d.reason === 'timeout').length).toBeGreaterThanOrEqual(cuts.length - 1);
    expect(drops.filter((d) => d.reason === 'closed by replica')).toEqual([]);
  });

  it('shrink rewrites its strikes as partition-oneway steps', () => {
    const sink = new PhaseEventSink();
    simulate(scenario as never, { seed: 3, sink });
    const rewritten = explicitFaultPhase(validateScenario(scenario, 'test'), sink.events)!;
    const cuts = rewritten.steps!.filter((s) => s.op === 'partition-oneway' || s.op === 'partition');
    expect(cuts.length).toBeGreaterThanOrEqual(2);
    for (const c of cuts) expect(c).toMatchObject({ op: 'partition-oneway', comment: 'fault: partition' });
  });

  it('without oneway the family draws as before: two-way partitions only', () => {
    const sink = new MemorySink();
    const twoWay = { ...scenario, faults: { ...scenario.faults, families: { partition: { everyMs: 5000, durationMs: 9000 } } } };
    simulate(twoWay as never, { seed: 3, sink });
    const cuts = sink.lines.map((l) => JSON.parse(l) as TraceEvent).filter((e): e is Extract<TraceEvent, { type: 'net.partition' }> => e.type === 'net.partition');
    expect(cuts.length).toBeGreaterThanOrEqual(2);
    for (const c of cuts) expect(c.blocked.length).toBeGreaterThanOrEqual(4); // three nodes: at least 1 x 2 both ways
  });
});
