// Simulated Sentinels on a deployment: discovery, down detection, one failover with its event order,
// the old master's return, TILT, a minority that cannot elect, and sentinel.conf across a crash.

import { describe, expect, it } from 'vitest';
import { world, SEC, expectConverged } from '../support/redis.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import type { SentinelConfig } from '../../sim/sentinel/config.js';

type SEvent = Extract<TraceEvent, { type: 'sentinel.event' }>;

function deployment(o: { seed?: number; sentinels?: string[]; near?: Record<string, string>; cfg?: Partial<SentinelConfig>; nodeConfig?: Record<string, Record<string, unknown>> } = {}) {
  const cfg: SentinelConfig = { masterName: 'mymaster', master: 'p', quorum: 2, downAfterUs: 5 * SEC, failoverTimeoutUs: 20 * SEC, parallelSyncs: 1, ...o.cfg };
  const names = o.sentinels ?? ['s1', 's2', 's3'];
  const w = world({
    seed: o.seed ?? 1,
    nodes: { p: { config: o.nodeConfig?.p ?? {} }, r1: { replicaof: 'p', config: o.nodeConfig?.r1 ?? {} }, r2: { replicaof: 'p', config: o.nodeConfig?.r2 ?? {} } },
    sentinels: Object.fromEntries(names.map((n) => [n, { config: cfg, ...(o.near?.[n] ? { near: o.near[n] } : {}) }])),
  });
  const sev = () => w.events().filter((e): e is SEvent => e.type === 'sentinel.event');
  const masterAddr = (s: string) => w.sentinel(s).serve(['SENTINEL', 'get-master-addr-by-name', 'mymaster']);
  return { w, names, sev, masterAddr };
}

describe('Sentinel discovery', () => {
  it('each Sentinel finds both replicas from the master INFO and the other Sentinels from hello messages', () => {
    const { w, names, sev } = deployment();
    // the first INFO (1 ms after start) comes before the replicas attach; the next is 10 s later
    w.runFor(9 * SEC);
    expect(sev().filter((e) => e.event === '+slave')).toEqual([]);
    w.runFor(3 * SEC);
    for (const s of names) {
      const mine = sev().filter((e) => e.sentinel === s);
      expect(mine.filter((e) => e.event === '+slave').map((e) => e.instance!.split(' ')[1]).sort()).toEqual(['r1:6379', 'r2:6379']);
      expect(mine.filter((e) => e.event === '+sentinel').map((e) => e.instance!.split(' ')[2]).sort()).toEqual(names.filter((n) => n !== s));
    }
  });

  it('hello PUBLISHes move the master offset, and every replica follows it byte for byte', () => {
    const { w } = deployment();
    w.runFor(3 * SEC);
    const before = w.node('p').masterReplOffset;
    w.runFor(20 * SEC);
    const after = w.node('p').masterReplOffset;
    // three Sentinels publish to the master every 2 s; pings every 10 s add little
    expect(after - before).toBeGreaterThan(3 * 9 * 100);
    expect(w.node('r1').masterReplOffset).toBe(after);
    expect(w.node('r2').masterReplOffset).toBe(after);
    // no data changed: the stream carried PUBLISH, not writes
    expect(w.node('p').ds.totalKeys()).toBe(0);
  });
});

describe('Sentinel failover after the master crashes', () => {
  it('one leader, one promotion in epoch 1, the other replica re-pointed, every Sentinel switched', () => {
    const { w, names, sev, masterAddr } = deployment();
    w.runFor(20 * SEC);
    const t0 = w.sched.nowUs;
    w.crash('p');
    w.runFor(40 * SEC);
    const after = sev().filter((e) => e.t >= t0);
    const leaders = after.filter((e) => e.event === '+elected-leader');
    expect(leaders).toHaveLength(1);
    const leader = leaders[0]!.sentinel;
    const order = after.filter((e) => e.sentinel === leader && !['+sdown', '-sdown', '+slave', '+vote-for-leader', '-role-change', '+role-change', '-odown', '+sentinel'].includes(e.event)).map((e) => e.event);
    expect(order).toEqual([
      '+odown', '+new-epoch', '+try-failover', '+elected-leader', '+failover-state-select-slave', '+selected-slave',
      '+failover-state-send-slaveof-noone', '+failover-state-wait-promotion', '+promoted-slave', '+failover-state-reconf-slaves',
      '+slave-reconf-sent', '+slave-reconf-inprog', '+slave-reconf-done', '+failover-end', '+switch-master',
    ]);
    const promoted = after.find((e) => e.event === '+promoted-slave')!.instance!.split(' ')[2]!;
    expect(['r1', 'r2']).toContain(promoted);
    const other = promoted === 'r1' ? 'r2' : 'r1';
    expect(w.node(promoted).isMaster).toBe(true);
    expect(w.node(other).masterHost).toBe(promoted);
    for (const s of names) {
      expect(masterAddr(s)).toEqual([promoted, '6379']);
      expect(w.sentinel(s).currentEpoch).toBe(1);
    }
    expect(after.filter((e) => e.event === '+switch-master').map((e) => e.sentinel).sort()).toEqual([...names].sort());
    w.runFor(5 * SEC);
    expectConverged(w, [promoted, other]);
  });

  it('the returning old master is converted to a replica of the new one', () => {
    const { w, sev } = deployment({ seed: 3 });
    w.runFor(20 * SEC);
    w.crash('p');
    w.runFor(30 * SEC);
    const promoted = sev().find((e) => e.event === '+promoted-slave')!.instance!.split(' ')[2]!;
    const tBack = w.sched.nowUs;
    w.restart('p');
    expect(w.node('p').isMaster).toBe(true);
    w.runFor(30 * SEC);
    const conv = sev().filter((e) => e.event === '+convert-to-slave' && e.t >= tBack);
    expect(conv.length).toBeGreaterThanOrEqual(1);
    // demoted once it has reported master for 4 hello periods, checked when an INFO reply comes
    // (every 10 s): real 7.0.15 converts it 10.0-10.05 s after its first INFO as a master
    expect(conv[0]!.t - tBack).toBeGreaterThan(9.5 * SEC);
    expect(conv[0]!.t - tBack).toBeLessThan(11.5 * SEC);
    expect(w.node('p').masterHost).toBe(promoted);
    w.runFor(5 * SEC);
    expectConverged(w, ['p', 'r1', 'r2']);
  });
});

describe('Sentinel votes and epochs', () => {
  it('a Sentinel gives one vote per epoch: a second requester in the same epoch gets the first vote back', () => {
    const { w } = deployment();
    w.runFor(10 * SEC);
    const s = w.sentinel('s1');
    w.crash('p');
    w.runFor(7 * SEC); // SDOWN here (down-after 5 s): is-master-down replies say so
    const a = s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '6379', '7', 'aaaa']);
    const b = s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '6379', '7', 'bbbb']);
    expect(a).toEqual([1, 'aaaa', 7]);
    expect(b).toEqual([1, 'aaaa', 7]);
    expect(s.currentEpoch).toBe(7);
    // a higher epoch gets a new vote
    expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '6379', '8', 'bbbb'])).toEqual([1, 'bbbb', 8]);
    // a request for an unknown address is neither down nor voted on
    expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'r1', '6379', '9', 'cccc'])).toEqual([0, '*', 0]);
  });

  it('with two of four Sentinels cut off, neither side elects a leader: no failover', () => {
    const { w, sev } = deployment({ sentinels: ['s1', 's2', 's3', 's4'], near: { s1: 'p', s2: 'p', s3: 'r1', s4: 'r2' } });
    w.runFor(20 * SEC);
    const t0 = w.sched.nowUs;
    // the master and two Sentinels on one side, the replicas and two Sentinels on the other
    w.partition([['p'], ['r1', 'r2']]);
    w.runFor(60 * SEC);
    const after = sev().filter((e) => e.t >= t0);
    expect(after.some((e) => e.event === '+odown')).toBe(true);
    expect(after.some((e) => e.event === '+try-failover')).toBe(true);
    expect(after.some((e) => e.event === '+elected-leader')).toBe(false);
    expect(after.some((e) => e.event === '-failover-abort-not-elected')).toBe(true);
    expect(w.node('r1').isMaster || w.node('r2').isMaster).toBe(false);
  });

  it('replica selection prefers the lower replica-priority over the larger offset, and skips priority 0', () => {
    const { w, sev } = deployment({ nodeConfig: { r1: { 'replica-priority': 0 }, r2: { 'replica-priority': 50 } } });
    w.runFor(20 * SEC);
    w.crash('p');
    w.runFor(30 * SEC);
    expect(sev().find((e) => e.event === '+selected-slave')!.instance).toContain('slave r2:6379');
    expect(w.node('r2').isMaster).toBe(true);
  });
});

describe('Sentinel process faults', () => {
  it('a Sentinel stopped for more than 2 s enters TILT on resuming and acts on nothing for 30 s', () => {
    const { w, sev } = deployment();
    w.runFor(10 * SEC);
    const t0 = w.sched.nowUs;
    w.pause('s1', 4 * SEC);
    w.runFor(40 * SEC);
    const tilt = sev().filter((e) => e.sentinel === 's1' && (e.event === '+tilt' || e.event === '-tilt'));
    expect(tilt.map((e) => e.event)).toEqual(['+tilt', '-tilt']);
    expect(tilt[0]!.t - t0).toBeGreaterThanOrEqual(4 * SEC);
    expect(tilt[1]!.t - tilt[0]!.t).toBeGreaterThanOrEqual(30 * SEC);
    expect(tilt[1]!.t - tilt[0]!.t).toBeLessThan(30 * SEC + SEC / 5);
  });

  it('a crashed Sentinel restarts with its id, epoch and known peers from sentinel.conf', () => {
    const { w, sev } = deployment();
    w.runFor(20 * SEC);
    w.crash('p');
    w.runFor(30 * SEC);
    const s1 = w.sentinel('s1');
    const id = s1.myid;
    const epoch = s1.currentEpoch;
    expect(epoch).toBe(1);
    w.crash('s1');
    w.runFor(2 * SEC);
    const t0 = w.sched.nowUs;
    const back = w.restartSentinel('s1');
    expect(back.myid).toBe(id);
    expect(back.currentEpoch).toBe(epoch);
    expect(back.master.sentinels.size).toBe(2);
    expect(back.master.inst.host).not.toBe('p');
    w.runFor(5 * SEC);
    // nothing new to announce: the peers were known before the crash
    expect(sev().filter((e) => e.sentinel === 's1' && e.t > t0 && e.event === '+sentinel')).toEqual([]);
  });
});
