// Ported from Redis's tests/integration/psync2-master-restart.tcl, and what a real 7.0.15 did without
// persistence: master -> replica -> sub_replica, master restarted. From its RDB the master keeps its
// old id only as replid2, with an empty backlog, and its replica continues by partial sync; "no
// persistence" is not "no RDB": a disk-based sync leaves its RDB file behind (rdb-del-sync-files
// no), even with save "", and a restart loads it.
import { describe, expect, it } from 'vitest';
import { world, f, expectConverged, SEC, MS } from '../support/redis.js';

function chain(masterConfig: Record<string, unknown> = {}) {
  const w = world({
    config: { 'repl-ping-replica-period': 3600, 'repl-timeout': 3600, save: '' },
    nodes: {
      master: { config: { save: '3600 1', ...masterConfig } },
      replica: { replicaof: 'master', startAfterMs: 100 },
      sub: { replicaof: 'replica', startAfterMs: 200 },
    },
  });
  expect(w.waitSync()).toBe(true);
  return w;
}

function restartMaster(w: ReturnType<typeof chain>, args: string[] = ['SHUTDOWN', 'NOW']) {
  w.callAndWait('master', args);
  expect(w.isRunning('master')).toBe(false);
  w.restart('master');
  w.runFor(2 * SEC);
  expect(w.waitSync()).toBe(true);
}

describe('psync2-master-restart', () => {
  it('offset 0: the restarted master keeps its id as replid2 and both replicas sync partially', () => {
    const w = chain();
    expect(f(w, 'master', 'master_repl_offset')).toBe(0);
    const oldId = f(w, 'master', 'master_replid');
    w.call('replica', ['CONFIG', 'RESETSTAT']);
    restartMaster(w);
    expect(f(w, 'master', 'master_replid')).not.toBe(oldId);
    expect(f(w, 'master', 'master_repl_offset')).toBe(0);
    expect(f(w, 'master', 'master_replid2')).toBe(oldId);
    expect(f(w, 'master', 'second_repl_offset')).toBe(1);
    expect(f(w, 'master', 'repl_backlog_active')).toBe(1);
    expect(f(w, 'master', 'repl_backlog_first_byte_offset')).toBe(1);
    expect(f(w, 'master', 'repl_backlog_histlen')).toBe(0);
    expect(f(w, 'master', 'sync_partial_ok')).toBe(1);
    expect(f(w, 'replica', 'sync_partial_ok')).toBe(1);
    expectConverged(w, ['master', 'replica', 'sub']);
  });

  it('with data: offset, replid2 and second_repl_offset are restored from the RDB', () => {
    const w = chain();
    for (let i = 0; i < 1000; i++) w.call('master', ['SET', `key:${i % 97}:${i}`, `value-${i}`]);
    w.call('master', ['RPUSH', 'list', 'a', 'b', 'c']);
    expect(w.waitSync()).toBe(true);
    const oldId = f(w, 'master', 'master_replid');
    const o = f(w, 'master', 'master_repl_offset') as number;
    w.call('replica', ['CONFIG', 'RESETSTAT']);
    restartMaster(w);
    expect(f(w, 'master', 'master_replid')).not.toBe(oldId);
    expect(f(w, 'master', 'master_repl_offset')).toBe(o);
    expect(f(w, 'master', 'master_replid2')).toBe(oldId);
    expect(f(w, 'master', 'second_repl_offset')).toBe(o + 1);
    expect(f(w, 'master', 'repl_backlog_first_byte_offset')).toBe(o + 1);
    expect(f(w, 'master', 'repl_backlog_histlen')).toBe(0);
    expect(f(w, 'master', 'sync_partial_ok')).toBe(1);
    expect(f(w, 'replica', 'sync_partial_ok')).toBe(1);
    expectConverged(w, ['master', 'replica', 'sub']);
    expect(w.command('sub', ['LRANGE', 'list', '0', '-1'])).toEqual(['a', 'b', 'c']);
  });

  it('with expire: keys found expired at load are fed as DELs and the replicas still sync partially', () => {
    const w = chain();
    w.call('master', ['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    for (let i = 0; i < 1024; i++) {
      w.call('master', ['SELECT', String(i % 16)]);
      w.call('master', ['SET', String(i), 'v', 'PX', '10']);
    }
    w.runFor(20 * MS);
    expect(w.waitSync()).toBe(true);
    expect(w.runUntil(() => String(f(w, 'master', 'slave0')).includes(`offset=${f(w, 'master', 'master_repl_offset')},`), 3 * SEC)).toBe(true);
    const o = f(w, 'master', 'master_repl_offset') as number;
    restartMaster(w, ['SHUTDOWN']);
    expect(f(w, 'master', 'rdb_last_load_keys_expired')).toBe(1024);
    const histlen = f(w, 'master', 'repl_backlog_histlen') as number;
    expect(histlen).toBeGreaterThan(0);
    expect(f(w, 'master', 'master_repl_offset')).toBe(o + histlen);
    expect(f(w, 'master', 'sync_partial_ok')).toBe(1);
    expect(f(w, 'replica', 'sync_partial_ok')).toBe(1);
    expectConverged(w, ['master', 'replica', 'sub']);
    expect(w.node('master').ds.totalKeys()).toBe(0);
  });

  it('too many expired keys: the DELs overrun a 16kb backlog and the replicas full sync', () => {
    const w = chain({ 'repl-backlog-size': '16384' });
    w.call('master', ['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    for (let i = 0; i < 2048; i++) {
      w.call('master', ['SELECT', String(i % 16)]);
      w.call('master', ['SET', String(i), 'v', 'PX', '10']);
    }
    w.runFor(20 * MS);
    expect(w.waitSync()).toBe(true);
    w.call('replica', ['CONFIG', 'RESETSTAT']);
    restartMaster(w);
    expect(f(w, 'master', 'repl_backlog_first_byte_offset') as number).toBeGreaterThan(f(w, 'master', 'second_repl_offset') as number);
    expect(f(w, 'master', 'sync_partial_ok')).toBe(0);
    expect(f(w, 'master', 'sync_full')).toBe(1);
    expect(f(w, 'master', 'rdb_last_load_keys_expired')).toBe(2048);
    expect(f(w, 'replica', 'sync_full')).toBe(1);
    expectConverged(w, ['master', 'replica', 'sub']);
  });

  it('without persistence (empty disk): the replica PSYNC is refused and the replica is wiped (j2)', () => {
    const w = world({ config: { save: '', 'repl-ping-replica-period': 3600 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    for (let i = 0; i < 20; i++) w.call('m', ['SET', `k${i}`, 'v']);
    expect(w.waitSync()).toBe(true);
    w.crash('m');
    w.restart('m', { wipe: true });
    w.runFor(2 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'm', 'sync_partial_err')).toBe(1);
    expect(f(w, 'm', 'sync_full')).toBe(1);
    expect(w.command('r', ['DBSIZE'])).toBe(0);
    expectConverged(w, ['m', 'r']);
  });

  it('"no persistence" with disk-based sync still leaves the full-sync RDB: the master comes back with its old snapshot (j)', () => {
    const w = world({ config: { save: '', 'repl-diskless-sync': 'no', 'repl-ping-replica-period': 3600 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    for (let i = 0; i < 20; i++) w.call('m', ['SET', `a${i}`, 'v']);
    expect(w.waitSync()).toBe(true);
    for (let i = 0; i < 20; i++) w.call('m', ['SET', `b${i}`, 'v']);
    expect(w.waitSync()).toBe(true);
    expect(w.command('r', ['DBSIZE'])).toBe(40);
    w.crash('m');
    w.restart('m');
    w.runFor(2 * SEC);
    expect(w.waitSync()).toBe(true);
    // the snapshot made for the first full sync had the 20 a-keys; the b-keys are lost everywhere
    expect(w.command('m', ['DBSIZE'])).toBe(20);
    expect(w.command('r', ['DBSIZE'])).toBe(20);
    expect(f(w, 'm', 'sync_full')).toBe(1);
    expectConverged(w, ['m', 'r']);
  });

  it('a replica restarted without persistence loads the stale sync RDB and syncs partially from offset 1 (h)', () => {
    const w = world({ config: { save: '', 'repl-ping-replica-period': 3600 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    for (let i = 0; i < 20; i++) w.call('m', ['SET', `k${i}`, 'v']);
    expect(w.waitSync()).toBe(true);
    w.crash('r');
    w.restart('r');
    expect(f(w, 'r', 'master_repl_offset')).toBe(0);
    w.runFor(2 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'm', 'sync_partial_ok')).toBe(1);
    expect(f(w, 'm', 'sync_full')).toBe(1);
    expectConverged(w, ['m', 'r']);
    expect(w.command('r', ['DBSIZE'])).toBe(20);
  });
});
