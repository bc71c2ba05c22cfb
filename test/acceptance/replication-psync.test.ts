// Ported from Redis's tests/integration/replication-psync.tcl (flaps resync partially while the
// backlog covers the gap, fully once it does not):
// link flaps with a large backlog, backlog overrun, backlog TTL expiry.
import { describe, expect, it } from 'vitest';
import { world, f, startWriter, expectConverged, SEC, MS } from '../support/redis.js';

const base = { save: '', 'repl-ping-replica-period': 10 };

describe('replication-psync', () => {
  it('ok psync: link kills every 2 s with a 100mb backlog only ever sync partially', () => {
    const w = world({ config: base, nodes: { m: { config: { 'repl-backlog-size': '100mb' } }, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    const t0 = w.sched.nowUs;
    startWriter(w, 'm', { everyUs: 5 * MS, untilUs: t0 + 10 * SEC, keys: 500 });
    let kills = 0;
    for (let s = 2; s <= 8; s += 2) {
      w.sched.at(t0 + s * SEC, () => {
        if (w.call('r', ['CLIENT', 'KILL', 'TYPE', 'master']) === 1) kills++;
      }, null);
    }
    w.runFor(11 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(kills).toBe(4);
    expect(f(w, 'm', 'sync_full')).toBe(1);
    expect(f(w, 'm', 'sync_partial_ok')).toBe(4);
    expect(f(w, 'm', 'sync_partial_err')).toBe(0);
    expectConverged(w, ['m', 'r']);
    expect(f(w, 'r', 'master_link_status')).toBe('up');
  });

  it('no backlog: a replica away 0.5 s under load overruns a 16kb backlog and full syncs', () => {
    const w = world({ config: base, nodes: { m: { config: { 'repl-backlog-size': '16kb' } }, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    const t0 = w.sched.nowUs;
    startWriter(w, 'm', { everyUs: 1 * MS, untilUs: t0 + 3 * SEC, valueSize: 100, keys: 300 });
    w.sched.at(t0 + 1 * SEC, () => {
      w.pause('r', 500 * MS);
      w.call('m', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    }, null);
    w.runFor(4 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'm', 'sync_partial_err')).toBeGreaterThanOrEqual(1);
    expect(f(w, 'm', 'sync_full')).toBeGreaterThanOrEqual(2);
    expect(f(w, 'm', 'sync_partial_ok')).toBe(0);
    expectConverged(w, ['m', 'r']);
  });

  it('a backlog that still holds the gap (more than repl-backlog-size, whole blocks) syncs partially', () => {
    const w = world({ config: base, nodes: { m: { config: { 'repl-backlog-size': '16kb' } }, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.pause('r', 1 * SEC);
    w.call('m', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    // 19 KB of writes: more than the configured 16 KB, less than what whole-block trimming keeps
    for (let i = 0; i < 140; i++) w.call('m', ['SET', `key:${i}`, 'v'.repeat(110)]);
    const histlen = f(w, 'm', 'repl_backlog_histlen') as number;
    expect(histlen).toBeGreaterThan(16384);
    w.runFor(2 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'm', 'sync_partial_ok')).toBe(1);
    expect(f(w, 'm', 'sync_full')).toBe(1);
    expectConverged(w, ['m', 'r']);
  });

  it('backlog expired: with repl-backlog-ttl 1 a replica away 4 s full syncs and the replid changes twice', () => {
    const w = world({ config: { ...base, 'repl-diskless-sync': 'no' }, nodes: { m: { config: { 'repl-backlog-ttl': 1 } }, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.call('m', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    const id0 = f(w, 'm', 'master_replid');
    w.pause('r', 4 * SEC);
    w.call('m', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    // freed by the TTL (more than 1 whole second without replicas, checked by the 1 Hz cron)
    expect(w.runUntil(() => f(w, 'm', 'repl_backlog_active') === 0, 3500 * MS)).toBe(true);
    const id1 = f(w, 'm', 'master_replid');
    expect(id1).not.toBe(id0);
    expect(f(w, 'm', 'repl_backlog_active')).toBe(0);
    expect(f(w, 'm', 'master_replid2')).toBe('0'.repeat(40));
    w.runFor(2 * SEC);
    expect(w.waitSync()).toBe(true);
    const id2 = f(w, 'm', 'master_replid');
    expect(id2).not.toBe(id1);
    expect(f(w, 'm', 'sync_partial_err')).toBe(1);
    expect(f(w, 'm', 'sync_full')).toBe(2);
    expectConverged(w, ['m', 'r']);
  });
});
