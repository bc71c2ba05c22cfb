// acknowledged-writes on clients' histories: every ok SET judged present / overwritten / lost against
// the final master, each lost write attributed to the event (and node) that discarded it, and the
// contract (asynchronous replication, WAIT, coordinated FAILOVER) enforced. Hand-made histories.
import { describe, expect, it } from 'vitest';
import { MAX_SETS_PER_KEY, type AcknowledgedWrites } from '../../properties/acknowledged-writes.js';
import { valueKey } from '../../properties/client-ops.js';
import { cluster, crash, demote, failoverState, feed, finalView, local, op, promote, set, shutdown, start, type Ev } from './history-events.js';

const acked = (events: Ev[], master: string | null, data: Record<string, string>) => {
  const r = feed('acknowledged-writes', events, finalView(master, data));
  return { ...r, lost: (r.property as AcknowledgedWrites).lostWrites };
};

describe('split brain: each lost write attributed to the event that discarded it', () => {
  // app1 keeps writing to n1; n3 is promoted at 3 ms while n1 is still master; n1 is demoted at 6 ms
  const history: Ev[] = [
    ...cluster,
    set('app1', 'n1', 'k1', 'a', 1000, 1100),
    set('app1', 'n1', 'k2', 'b', 2000, 2100),
    promote('n3', 3000),
    set('app1', 'n1', 'k3', 'c', 4000, 4100),
    set('app1', 'n1', 'k4', 'd', 5000, 5100),
    demote('n1', 'n3', 6000),
    demote('n2', 'n3', 6000),
  ];

  it('writes acknowledged before the promotion are lost across it, writes after it across the demotion', () => {
    const r = acked(history, 'n3', {});
    expect(r.messages).toEqual([]);
    expect(r.lost.map((w) => [w.key, w.event])).toEqual([
      ['k1', { kind: 'failover', node: 'n3', t: 3000 }],
      ['k2', { kind: 'failover', node: 'n3', t: 3000 }],
      ['k3', { kind: 'demotion', node: 'n1', t: 6000 }],
      ['k4', { kind: 'demotion', node: 'n1', t: 6000 }],
    ]);
    expect(r.lost[0]).toMatchObject({ value: 'a', client: 'app1', node: 'n1', invoked: 1000, completed: 1100, allowed: true, why: 'asynchronous replication' });
    expect(r.report.notes).toEqual([
      '2 acknowledged write(s) lost across the failover of n3 at 3.000 ms (acknowledged by n1; allowed: asynchronous replication)',
      '2 acknowledged write(s) lost across the demotion of n1 at 6.000 ms (acknowledged by n1; allowed: asynchronous replication)',
    ]);
    expect(r.report.stats).toMatchObject({ acknowledged: 4, present: 0, overwritten: 0, lost: 4, lost_allowed: 4, keys_checked: 4 });
    expect(r.report.checked).toBe(4);
  });

  it('the writes that reached the new master are present', () => {
    const r = acked(history, 'n3', { k1: 'a', k2: 'b' });
    expect(r.report.stats).toMatchObject({ present: 2, lost: 2, lost_allowed: 2 });
    expect(r.lost.map((w) => w.key)).toEqual(['k3', 'k4']);
  });

  it('a write after the last failover that vanishes is a violation naming the write, the final master and value', () => {
    const r = acked([...history, set('app2', 'n3', 'k5', 'e', 7000, 7200)], 'n3', { k5: 'old' });
    expect(r.messages).toEqual(['SET k5 e (db 0) from client app2, invoked at 7.000 ms, was acknowledged by n3 at 7.200 ms but the final master n3 has "old"; no failover, crash or unsaved restart came after it.']);
    expect(r.lost.at(-1)).toMatchObject({ key: 'k5', event: null, allowed: false });
    expect(r.report.stats).toMatchObject({ lost: 5, lost_allowed: 4 });
  });

  it('a violation lists the events after the write that could not lose it', () => {
    // the write to n3 is followed by a crash of n2 (which never held it)
    const r = acked([...history, set('app2', 'n3', 'k5', 'e', 7000, 7200), crash('n2', 8000)], 'n3', {});
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/^SET k5 e \(db 0\) from client app2, invoked at 7\.000 ms, was acknowledged by n3 at 7\.200 ms but the final master n3 has no such key; nothing after it may lose it \(crash of n2 at 8\.000 ms\): only the promotion of a node that did not hold it \(or its return as master while none that did was master\), or a crash, unsaved restart, demotion or full sync from a node without it of every node that did \(n3\), may/);
  });

  it('an event concurrent with a network client\'s write may have come after the server acknowledged it', () => {
    // n1 acknowledged the write, then n3 was promoted, then the reply reached app1
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 3100), promote('n3', 2000), demote('n1', 'n3', 4000)], 'n3', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]!.event).toEqual({ kind: 'failover', node: 'n3', t: 2000 });
  });

  it('a local write is ordered exactly: a promotion at the same instant but before it does not excuse it, the demotion after it does', () => {
    const r = acked([...cluster, promote('n3', 2000), local('n1', 'k', 'a', 2000), demote('n1', 'n3', 4000)], 'n3', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]).toMatchObject({ client: null, event: { kind: 'demotion', node: 'n1', t: 4000 } });
  });
});

describe('the contract', () => {
  it('a WAIT-acknowledged write lost across the promotion of a replica that acknowledged it is a violation', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), promote('n2', 3000), demote('n1', 'n2', 3500)], 'n2', {});
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/SET k a \(db 0\) from client app1, invoked at 1\.000 ms, was acknowledged by n1 at 1\.200 ms but the final master n2 has no such key; nothing after it may lose it \(failover of n2 at 3\.000 ms, demotion of n1 at 3\.500 ms\).*\(n1, n2\).*; n2 held it when promoted; n1 was demoted to a replica of n2, which held it\.$/);
  });

  it('a writer demoted to a replica of a holder still holds it: a crash of the other holder alone does not excuse the loss', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), promote('n2', 3000), demote('n1', 'n2', 3500), crash('n2', 4000), start('n2', 'slave', 4500, 'n1'), promote('n1', 5000)], 'n1', {});
    expect(r.messages).toHaveLength(1);
    expect(r.lost[0]!.event).toBeNull();
  });

  it('a WAIT-acknowledged write lost across the promotion of a replica that did not acknowledge it is allowed', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), promote('n3', 3000), demote('n1', 'n3', 3500)], 'n3', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]!.event).toEqual({ kind: 'failover', node: 'n3', t: 3000 });
    expect(r.report.notes).toEqual(['1 acknowledged write(s) lost across the failover of n3 at 3.000 ms (acknowledged by n1; allowed: asynchronous replication: n3 was not among the replicas WAIT counted)']);
    expect(r.lost[0]!.why).toBe('asynchronous replication: n3 was not among the replicas WAIT counted (n2)');
  });

  it('a crash of a holder removes it: the loss is allowed once no holder is left, attributed to the last one', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), crash('n2', 2000), start('n2', 'slave', 2500), crash('n1', 3000)], 'n1', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]!.event).toEqual({ kind: 'crash', node: 'n1', t: 3000 });
    // with n2 still holding it, n1's crash alone does not excuse the loss
    expect(acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), crash('n1', 3000)], 'n1', {}).messages).toHaveLength(1);
  });

  it('after a holder crashed, its promotion excuses the loss (it may have come back without the write)', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), crash('n2', 2000), start('n2', 'slave', 2500), promote('n2', 3000)], 'n2', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]!.event).toEqual({ kind: 'failover', node: 'n2', t: 3000 });
  });

  it('a holder that crashed and came back as master, with no other holder master, empties the holders that resync from it', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), crash('n1', 2000), start('n1', 'master', 2500)], 'n1', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]).toMatchObject({ event: { kind: 'boot', node: 'n1', t: 2500 }, why: 'n1 came back as master without it, and the replicas that held it (n2) resync from it' });
    expect(r.report.notes).toEqual(['1 acknowledged write(s) lost across the boot of n1 at 2.500 ms (acknowledged by n1; allowed: n1 came back as master without it, and the replicas that held it resync from it)']);
  });

  it('a node coming back as master while a holder is master loses nothing, and neither does a holder coming back', () => {
    // n2 (it acknowledged the write by WAIT) was promoted before n1 came back as master
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), crash('n1', 2000), promote('n2', 2200), start('n1', 'master', 2500), demote('n1', 'n2', 2600)], 'n2', {});
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/boot of n1 as master at 2\.500 ms.*; n1 came back as master while n2, which held it, was master/);
    // a saved shutdown keeps the write: the holder comes back with it
    expect(acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), shutdown('n1', 2000, true), start('n1', 'master', 2500)], 'n1', {}).messages).toHaveLength(1);
  });

  it('long values are kept and shown shortened, with their length and hash', () => {
    const long = 'x'.repeat(500);
    const r = acked([...cluster, set('app1', 'n1', 'k', long, 1000, 1200)], 'n1', { k: 'y'.repeat(100) });
    expect(r.messages[0]).toMatch(/^SET k x{32}… \(500 bytes, #[0-9a-f]{16}\) \(db 0\).* has "y{32}… \(100 bytes, #[0-9a-f]{16}\)"; /);
    expect(r.lost[0]!.value).toBe(valueKey(long));
    // a long value is compared whole: one that differs only at its end is another value
    const tail = 'x'.repeat(499) + 'z';
    expect(acked([...cluster, set('app1', 'n1', 'k', long, 1000, 1200)], 'n1', { k: long }).report.stats).toMatchObject({ present: 1, lost: 0 });
    expect(acked([...cluster, set('app1', 'n1', 'k', long, 1000, 1200)], 'n1', { k: tail }).report.stats).toMatchObject({ present: 0, lost: 1 });
  });

  it('with AOF, only an fsync after the reply surely covers a network client\'s write', () => {
    const aof = (t: number, what: string, extra: Record<string, unknown>): Ev => ({ t, type: 'redis.aof', node: 'n1', what, ...extra });
    // an AOF rewrite makes everything written so far durable (durable_until Infinity)
    const history = (fsyncAt: number) => [...cluster, aof(0, 'open', { appendfsync: 'everysec', loaded: false, keys: 0 }), set('app1', 'n1', 'k', 'a', 1000, 1200), aof(fsyncAt, 'fsync', { durable_until: Infinity, size: 1 }), crash('n1', 2000), start('n1', 'master', 2500), aof(2500, 'open', { appendfsync: 'everysec', loaded: true, keys: 1 })].sort((x, y) => (x.t as number) - (y.t as number));
    // an fsync between invocation and reply may have come before the node applied it
    const during = acked(history(1100), 'n1', {});
    expect(during.messages).toEqual([]);
    expect(during.lost[0]!.why).toMatch(/unfsynced AOF tail/);
    expect(acked(history(1300), 'n1', {}).messages[0]).toMatch(/n1's AOF had it on disk at the crash of n1 at 2\.000 ms \(fsynced at 1\.300 ms\)/);
  });

  it('an unsaved restart loses, a saved one does not', () => {
    expect(acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200), shutdown('n1', 2000, false), start('n1', 'master', 2500)], 'n1', {}).lost[0]!.event).toEqual({ kind: 'restart', node: 'n1', t: 2000 });
    expect(acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200), shutdown('n1', 2000, true), start('n1', 'master', 2500)], 'n1', {}).messages).toHaveLength(1);
  });

  it('a master that restarts as a replica is demoted', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200), shutdown('n1', 2000, true), promote('n2', 2100), start('n1', 'slave', 2500, 'n2')], 'n2', {});
    // n2's promotion came first and is what lost it
    expect(r.lost[0]!.event).toEqual({ kind: 'failover', node: 'n2', t: 2100 });
    const r2 = acked([...cluster, promote('n2', 500), set('app1', 'n1', 'k', 'a', 1000, 1200), shutdown('n1', 2000, true), start('n1', 'slave', 2500, 'n2')], 'n2', {});
    expect(r2.messages).toEqual([]);
    expect(r2.lost[0]!.event).toEqual({ kind: 'demotion', node: 'n1', t: 2500 });
  });

  const coordinated: Ev[] = [failoverState('n1', 'waiting-for-sync', null, 1500), failoverState('n1', 'failover-in-progress', 'n2', 2000), demote('n1', 'n2', 2000), promote('n2', 2100), failoverState('n1', 'no-failover', null, 2200)];

  it('a coordinated FAILOVER loses nothing: a loss across it is a violation', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200), ...coordinated], 'n2', {});
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/nothing after it may lose it \(coordinated-failover of n1 at 2\.000 ms, coordinated-failover of n2 at 2\.100 ms\)/);
  });

  it('after a coordinated FAILOVER, a plain promotion excuses a loss again', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200), ...coordinated, promote('n3', 5000)], 'n3', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]!.event).toEqual({ kind: 'failover', node: 'n3', t: 5000 });
  });

  it('a FAILOVER whose origin crashed does not make a later promotion coordinated', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200), failoverState('n1', 'failover-in-progress', 'n2', 2000), crash('n1', 2050), start('n1', 'master', 2500), promote('n3', 3000)], 'n3', {});
    expect(r.lost[0]!.event).toEqual({ kind: 'crash', node: 'n1', t: 2050 });
    // n1 comes back as master and acknowledges a write; the orchestrator then promotes the old target
    const later = acked([...cluster, failoverState('n1', 'failover-in-progress', 'n2', 2000), crash('n1', 2050), start('n1', 'master', 2500), set('app1', 'n1', 'k', 'a', 2600, 2700), promote('n2', 3000)], 'n2', {});
    expect(later.messages).toEqual([]);
    expect(later.lost[0]!.event).toEqual({ kind: 'failover', node: 'n2', t: 3000 });
  });
});

describe('present, overwritten, lost', () => {
  it('overlapping writes: whichever one the final master holds, the other is overwritten', () => {
    const writes = [...cluster, set('app1', 'n1', 'k', 'a', 1000, 3000), set('app2', 'n1', 'k', 'b', 2000, 2500)];
    for (const final of ['a', 'b']) {
      const r = acked(writes, 'n1', { k: final });
      expect(r.messages, final).toEqual([]);
      expect(r.report.stats, final).toMatchObject({ present: 1, overwritten: 1, lost: 0 });
    }
  });

  it('sequential writes: the final master holding the earlier value loses the later one', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1100), set('app2', 'n1', 'k', 'b', 2000, 2100)], 'n1', { k: 'a' });
    expect(r.report.stats).toMatchObject({ present: 1, overwritten: 0, lost: 1 });
    expect(r.messages).toEqual(['SET k b (db 0) from client app2, invoked at 2.000 ms, was acknowledged by n1 at 2.100 ms but the final master n1 has "a" (written by client app1\'s SET acknowledged by n1 at 1.100 ms, before this one was invoked); no failover, crash or unsaved restart came after it.']);
  });

  it('a write completed exactly when the next is invoked came before it', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 2000), local('n1', 'k', 'b', 2000)], 'n1', { k: 'a' });
    expect(r.report.stats).toMatchObject({ lost: 1 });
  });

  it('local writes at one instant are ordered by the trace', () => {
    expect(acked([...cluster, local('n1', 'k', '1', 10), local('n1', 'k', '2', 10)], 'n1', { k: '1' }).report.stats).toMatchObject({ present: 1, lost: 1 });
    expect(acked([...cluster, local('n1', 'k', '1', 10), local('n1', 'k', '2', 10)], 'n1', { k: '2' }).report.stats).toMatchObject({ present: 1, overwritten: 1 });
  });

  it('a repeated value is its latest writer\'s', () => {
    const r = acked([...cluster, local('n1', 'k', '1', 10), local('n1', 'k', '2', 20), local('n1', 'k', '1', 30)], 'n1', { k: '1' });
    expect(r.messages).toEqual([]);
    expect(r.report.stats).toMatchObject({ present: 2, overwritten: 1, lost: 0 });
  });

  it('an indeterminate write whose value survives is fine, and overwrites what came before it', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 5000, 'info'), set('app2', 'n1', 'k', 'b', 6000, 6100)], 'n1', { k: 'a' });
    expect(r.messages).toEqual([]);
    expect(r.report.stats).toMatchObject({ acknowledged: 1, indeterminate: 1, present: 0, overwritten: 1, lost: 0 });
  });

  it('a failed write is not applied: its value on the final master is unexplained', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1100), set('app2', 'n1', 'k', 'b', 2000, 2100, 'fail')], 'n1', { k: 'b' });
    expect(r.messages[0]).toMatch(/but the final master n1 has "b"; no failover/);
  });

  it('keys written by other commands are not judged; a failed one changes nothing', () => {
    const base = [...cluster, set('app1', 'n1', 'k', 'a', 1000, 1100)];
    expect(acked([...base, op('app1', 'n1', ['INCR', 'k'], 2000, 2100)], 'n1', {}).report.stats).toMatchObject({ acknowledged: 1, keys_checked: 0, lost: 0 });
    expect(acked([...base, op('app1', 'n1', ['SET', 'k', 'x', 'EX', '10'], 2000, 2100, 'info')], 'n1', {}).report.stats).toMatchObject({ keys_checked: 0 });
    expect(acked([...base, op('app1', 'n1', ['DEL', 'j', 'k'], 2000, 2100)], 'n1', {}).report.stats).toMatchObject({ keys_checked: 0 });
    expect(acked([...base, op('app1', 'n1', ['INCR', 'k'], 2000, 2100, 'fail')], 'n1', {}).report.stats).toMatchObject({ keys_checked: 1, lost: 1 });
    expect(acked([...base, op('app1', 'n1', ['GET', 'k'], 2000, 2100, 'ok', { reply: 'a' })], 'n1', {}).report.stats).toMatchObject({ keys_checked: 1, lost: 1 });
  });

  it('writes before a FLUSHALL are not judged, writes after it are; FLUSHDB flushes its db only', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1100), op('app1', 'n1', ['FLUSHALL'], 2000, 2100), set('app1', 'n1', 'j', 'b', 3000, 3100)], 'n1', {});
    expect(r.report.stats).toMatchObject({ keys_checked: 1, lost: 1 });
    expect(r.lost[0]!.key).toBe('j');
    const db1 = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1100), op('app1', 'n1', ['FLUSHDB'], 2000, 2100, 'ok', { db: 1 })], 'n1', {});
    expect(db1.report.stats).toMatchObject({ keys_checked: 1, lost: 1 });
  });

  describe('memory flat in run length: the last MAX_SETS_PER_KEY SETs of a key are kept', () => {
    // 100 sequential writes to one key, 1 ms apart: the first 36 are no longer kept
    const many = Array.from({ length: 100 }, (_, i) => set('app1', 'n1', 'k', `v${i}`, 1000 * (i + 1), 1000 * (i + 1) + 100));
    it('the final value a kept SET wrote: the older SETs are overwritten', () => {
      expect(MAX_SETS_PER_KEY).toBe(64);
      const r = acked([...cluster, ...many], 'n1', { k: 'v99' });
      expect(r.report.stats).toMatchObject({ acknowledged: 100, present: 1, overwritten: 99, lost: 0, not_judged: 0 });
      expect(r.report.checked).toBe(100);
    });
    it('a final value older than the kept SETs: the kept ones after it are lost, the older ones not judged', () => {
      const r = acked([...cluster, ...many, crash('n1', 200_000)], 'n1', { k: 'v10' });
      expect(r.messages).toEqual([]);
      expect(r.report.stats).toMatchObject({ present: 0, overwritten: 0, lost: 64, lost_allowed: 64, not_judged: 36 });
    });
    it('a value no kept SET wrote, when a SET no longer kept may have taken effect after the kept ones were invoked: overwritten', () => {
      // an indeterminate SET of x (it never completes) is no longer kept; the final value is x
      const r = acked([...cluster, set('app2', 'n1', 'k', 'x', 500, 900, 'info'), ...many], 'n1', { k: 'x' });
      expect(r.messages).toEqual([]);
      expect(r.report.stats).toMatchObject({ present: 0, overwritten: 64, lost: 0, not_judged: 36 });
    });
    it('a missing key: the kept SETs are lost', () => {
      const r = acked([...cluster, ...many, crash('n1', 200_000)], 'n1', {});
      expect(r.report.stats).toMatchObject({ lost: 64, not_judged: 36 });
    });
  });

  it('nothing is judged without one final master', () => {
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1100)], null, {});
    expect(r.report).toMatchObject({ violations: 0, checked: 0 });
  });

  it('lists at most 100 lost writes and counts them all', () => {
    const writes = Array.from({ length: 130 }, (_, i) => set('app1', 'n1', `k${i}`, 'v', 1000 + 10 * i, 1005 + 10 * i));
    const r = acked([...cluster, ...writes, crash('n1', 5000)], 'n1', {});
    expect(r.lost).toHaveLength(100);
    expect(r.report.stats).toMatchObject({ lost: 130, lost_allowed: 130 });
    expect(r.report.notes).toEqual(['130 acknowledged write(s) lost across the crash of n1 at 5.000 ms (acknowledged by n1; allowed: asynchronous replication)']);
  });
});
