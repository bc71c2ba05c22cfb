// appendonly yes (sim/redis/aof.ts): the multi-part AOF on the simulated disk, the fsync policies
// and what a host crash loses, the rewrite, and restart from the AOF (a fresh replid at offset 0,
// no backlog, replicas full-sync), as a real 7.0.15 was seen to do it.
import { describe, expect, it } from 'vitest';
import { world, f, SEC, MS } from '../support/redis.js';
import { AOF_MANIFEST, type AofManifest } from '../../sim/redis/aof.js';
import { buildConfig } from '../../sim/redis/config.js';
import { UserError } from '../../sim/errors.js';
import type { World } from '../../sim/cluster/world.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600, 'repl-diskless-sync': 'no' };
const aofWorld = (extra: Record<string, unknown> = {}, replica = false) => {
  const w = world({ config: { ...quiet, appendonly: 'yes', ...extra }, nodes: replica ? { m: {}, r: { replicaof: 'm' } } : { m: {} } });
  w.runFor(100 * MS);
  return w;
};
const set = (w: World, n: number, from = 1, node = 'm') => {
  for (let i = from; i < from + n; i++) w.call(node, ['SET', `k${i}`, `v${i}`]);
};
const files = (w: World, node = 'm') => w.net.host(node).disk.list();
const manifest = (w: World, node = 'm') => w.net.host(node).disk.read<AofManifest>(AOF_MANIFEST)!.data;

describe('config', () => {
  it('has 7.0.15 defaults (CONFIG GET on a real server)', () => {
    const c = buildConfig();
    expect([c.appendonly, c.appendfsync, c['auto-aof-rewrite-percentage'], c['auto-aof-rewrite-min-size'], c['aof-use-rdb-preamble']]).toEqual([false, 'everysec', 100, 67108864, true]);
  });
  it('refuses an unknown appendfsync with the valid values', () => {
    expect(() => buildConfig({ appendfsync: 'sometimes' })).toThrow(UserError);
    expect(() => buildConfig({ appendfsync: 'sometimes' })).toThrow(/config\.appendfsync: expected one of always, everysec, no, got "sometimes"/);
    expect(() => buildConfig({ 'auto-aof-rewrite-percentage': -1 })).toThrow(/from 0 to 2147483647/);
  });
});

describe('files', () => {
  it('an empty start writes base 1 (RDB preamble) and incr 1, named by the manifest', () => {
    const w = aofWorld();
    expect(files(w)).toEqual(['appendonlydir/appendonly.aof.1.base.rdb', 'appendonlydir/appendonly.aof.1.incr.aof', 'appendonlydir/appendonly.aof.manifest']);
    expect(manifest(w)).toEqual({ base: { name: 'appendonly.aof.1.base.rdb', seq: 1 }, incrs: [{ name: 'appendonly.aof.1.incr.aof', seq: 1 }] });
  });

  it('without the preamble the base is a .aof file, empty for an empty dataset', () => {
    const w = aofWorld({ 'aof-use-rdb-preamble': 'no' });
    expect(files(w)).toContain('appendonlydir/appendonly.aof.1.base.aof');
    expect(f(w, 'm', 'aof_base_size')).toBe(0);
  });

  it('the incr file holds the commands as RESP: 10 SETs after a SELECT are 315 bytes, as on a real 7.0.15', () => {
    const w = aofWorld({ 'aof-use-rdb-preamble': 'no' });
    set(w, 10);
    expect(w.net.host('m').disk.read('appendonlydir/appendonly.aof.1.incr.aof')!.sizeBytes).toBe(315);
    expect(f(w, 'm', 'aof_current_size')).toBe(315);
  });

  it('aof_current_size and aof_base_size move as 7.0.15 keeps them (measured: 315/0, then 166/166 after a rewrite and after a restart)', () => {
    const w = aofWorld();
    set(w, 10);
    expect([f(w, 'm', 'aof_current_size'), f(w, 'm', 'aof_base_size')]).toEqual([315, 0]); // the first start's base is not counted
    w.command('m', ['BGREWRITEAOF']);
    const base = w.net.host('m').disk.read('appendonlydir/appendonly.aof.2.base.rdb')!.sizeBytes;
    expect([f(w, 'm', 'aof_current_size'), f(w, 'm', 'aof_base_size')]).toEqual([base, base]);
    set(w, 1, 11);
    w.callAndWait('m', ['SHUTDOWN', 'NOSAVE']);
    w.restart('m');
    expect([f(w, 'm', 'aof_current_size'), f(w, 'm', 'aof_base_size')]).toEqual([base + 23 + 31, base]); // a load counts every file, the base alone as the rewrite base
  });

  it('BGREWRITEAOF: base 2 of the dataset, a new empty incr 2, the old files deleted', () => {
    const w = aofWorld();
    set(w, 5);
    expect(w.command('m', ['BGREWRITEAOF'])).toBe('Background append only file rewriting started');
    expect(files(w)).toEqual(['appendonlydir/appendonly.aof.2.base.rdb', 'appendonlydir/appendonly.aof.2.incr.aof', 'appendonlydir/appendonly.aof.manifest']);
    expect(f(w, 'm', 'aof_rewrites')).toBe(1);
    set(w, 1, 6);
    w.callAndWait('m', ['SHUTDOWN', 'NOSAVE']);
    w.restart('m');
    expect(w.command('m', ['DBSIZE'])).toBe(6); // base 2 (5 keys) and incr 2 (1 SET)
  });

  it('BGREWRITEAOF during a BGSAVE is scheduled and runs from the cron once the child is done', () => {
    const w = aofWorld();
    set(w, 5);
    w.command('m', ['BGSAVE']);
    expect(w.command('m', ['BGREWRITEAOF'])).toBe('Background append only file rewriting scheduled');
    expect(f(w, 'm', 'aof_rewrite_scheduled')).toBe(1);
    w.runFor(300 * MS);
    expect([f(w, 'm', 'aof_rewrite_scheduled'), f(w, 'm', 'aof_rewrites')]).toEqual([0, 1]);
  });

  it('rewrites automatically once the AOF passed min-size and grew by the percentage', () => {
    const w = aofWorld({ 'auto-aof-rewrite-min-size': 1000, 'auto-aof-rewrite-percentage': 100 });
    set(w, 20); // ~640 bytes: under the min size
    w.runFor(200 * MS);
    expect(f(w, 'm', 'aof_rewrites')).toBe(0);
    set(w, 20, 21);
    w.runFor(200 * MS);
    expect(f(w, 'm', 'aof_rewrites')).toBe(1);
    expect(manifest(w).base!.seq).toBe(2);
  });

  it('CONFIG SET appendonly yes at runtime writes a base of the current dataset, then appends; CONFIG SET appendfsync changes the policy', () => {
    const w = world({ config: quiet, nodes: { m: {} } });
    set(w, 3);
    w.command('m', ['CONFIG', 'SET', 'appendonly', 'yes']);
    expect([f(w, 'm', 'aof_enabled'), manifest(w).base!.name]).toEqual([1, 'appendonly.aof.1.base.rdb']);
    set(w, 2, 4);
    w.command('m', ['CONFIG', 'SET', 'appendfsync', 'always']);
    set(w, 1, 6);
    expect(w.net.host('m').disk.read('appendonlydir/appendonly.aof.1.incr.aof')!.sizeBytes).toBe(23 + 3 * 29); // SELECT 0, then SET k4 v4 .. k6 v6
    expect(w.events().filter((e) => e.type === 'redis.aof').map((e) => e.what)).toEqual(['rewrite', 'open', 'policy']);
  });

  it('with AOF on dump.rdb is never read: AOF files gone, a boot starts empty although dump.rdb has the keys', () => {
    const w = aofWorld();
    set(w, 3);
    w.command('m', ['SAVE']);
    w.callAndWait('m', ['SHUTDOWN', 'NOSAVE']);
    const disk = w.net.host('m').disk;
    for (const name of disk.list()) if (name.startsWith('appendonlydir/')) disk.delete(name);
    expect(disk.list()).toEqual(['dump.rdb']);
    w.restart('m');
    expect(w.command('m', ['DBSIZE'])).toBe(0);
  });
});

describe('fsync policy and host crashes', () => {
  const crashAfter = (policy: string, writeAtUs: number, crashAtUs: number) => {
    const w = aofWorld({ appendfsync: policy });
    w.runFor(writeAtUs - w.sched.nowUs);
    set(w, 1);
    w.runFor(crashAtUs - w.sched.nowUs);
    w.crash('m');
    w.restart('m');
    return w.command('m', ['DBSIZE']);
  };

  it('always: a write acknowledged just before the crash survives it', () => {
    expect(crashAfter('always', 1_500 * MS, 1_501 * MS)).toBe(1);
  });
  it('everysec: a write is lost until the next second\'s background fsync, kept after it', () => {
    expect(crashAfter('everysec', 1_500 * MS, 1_900 * MS)).toBe(0);
    expect(crashAfter('everysec', 1_500 * MS, 2_150 * MS)).toBe(1);
  });
  it('no: the kernel writes back pages dirty for 30 s on its 5 s flusher ticks', () => {
    expect(crashAfter('no', 1_500 * MS, 20 * SEC)).toBe(0);
    expect(crashAfter('no', 1_500 * MS, 36 * SEC)).toBe(1);
  });
  it('SHUTDOWN fsyncs the AOF whatever the policy (even NOSAVE)', () => {
    const w = aofWorld({ appendfsync: 'no' });
    set(w, 4);
    w.callAndWait('m', ['SHUTDOWN', 'NOSAVE']);
    w.restart('m');
    expect(w.command('m', ['DBSIZE'])).toBe(4);
  });
});

describe('restart from the AOF (real 7.0.15: loadDataFromDisk() restores no replication info with AOF on)', () => {
  it('a master comes back with a fresh replid at offset 0 and no backlog; its replica full-syncs', () => {
    const w = aofWorld({}, true);
    expect(w.waitSync()).toBe(true);
    set(w, 10);
    expect(w.waitSync()).toBe(true);
    const before = f(w, 'm', 'master_replid');
    expect(f(w, 'm', 'master_repl_offset')).toBe(315);
    w.callAndWait('m', ['SHUTDOWN']);
    w.restart('m');
    expect([f(w, 'm', 'master_repl_offset'), f(w, 'm', 'repl_backlog_active'), f(w, 'm', 'master_replid2')]).toEqual([0, 0, '0'.repeat(40)]);
    expect(f(w, 'm', 'master_replid')).not.toBe(before);
    expect(w.command('m', ['DBSIZE'])).toBe(10);
    expect(w.waitSync()).toBe(true);
    expect([f(w, 'm', 'sync_full'), f(w, 'm', 'sync_partial_ok'), f(w, 'm', 'sync_partial_err')]).toEqual([1, 0, 1]);
    expect(w.command('r', ['DBSIZE'])).toBe(10);
  });

  it('a replica\'s AOF gets what its master\'s commands changed, a transaction wrapped in MULTI/EXEC: 160 bytes, as on a real 7.0.15', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm', config: { appendonly: 'yes' } } } });
    expect(w.waitSync()).toBe(true);
    for (const a of [['MULTI'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['EXEC'], ['MULTI'], ['SET', 'c', '3'], ['EXEC'], ['DEL', 'nothing'], ['SET', 'd', '4']]) w.call('m', a);
    expect(w.waitSync()).toBe(true);
    // SELECT 0, MULTI, SET a, SET b, EXEC, SET c (a one-write transaction is not wrapped), SET d
    const incr = manifest(w, 'r').incrs[0]!.name;
    expect(w.net.host('r').disk.read(`appendonlydir/${incr}`)!.sizeBytes).toBe(160);
    // real: 249 = 89 (the empty base written by the rewrite after the full sync) + 160; the model's RDB preamble is 110
    expect(f(w, 'r', 'aof_current_size')).toBe(110 + 160);
  });

  it('a replica with AOF on comes back without a cached master and full-syncs; its full sync rewrote its AOF', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm', config: { appendonly: 'yes' } } } });
    expect(w.waitSync()).toBe(true);
    set(w, 10);
    expect(w.waitSync()).toBe(true);
    expect(manifest(w, 'r').base!.seq).toBe(2); // base 1 at start, base 2 after the full sync
    w.callAndWait('r', ['SHUTDOWN']);
    w.restart('r', { replicaof: 'm' });
    expect(w.command('r', ['DBSIZE'])).toBe(10);
    expect(w.waitSync()).toBe(true);
    expect([f(w, 'm', 'sync_full'), f(w, 'm', 'sync_partial_ok')]).toEqual([2, 0]);
  });
});
