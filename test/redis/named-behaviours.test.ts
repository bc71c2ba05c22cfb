// Behaviours the Redis-model issue names one by one, each checked where it can fail: ROLE, what a
// +FULLRESYNC changes (nothing until the load), BGSAVE and load times growing with the dataset,
// replicas joining a running BGSAVE, a backlog growing while a replica pins it, the replica-side
// repl-timeout, a crash during BGSAVE, FLUSHALL, EXPIRE, SAVE/BGSAVE, the runtime backlog minimum,
// rdb-del-sync-files, and the dataset digest.
import { describe, expect, it } from 'vitest';
import { world, f, SEC, MS } from '../support/redis.js';
import { isError } from '../../sim/redis/reply.js';
import { RDB_FILENAME } from '../../sim/redis/rdb.js';
import type { TraceEvent } from '../../sim/trace-events.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600 };

/** MSET n keys of size bytes each, in batches, on a node. */
function fill(w: ReturnType<typeof world>, node: string, n: number, size: number, prefix = 'k'): void {
  const v = 'x'.repeat(size);
  for (let i = 0; i < n; i += 100) {
    const args: string[] = ['MSET'];
    for (let j = i; j < Math.min(n, i + 100); j++) args.push(`${prefix}${j}`, v);
    w.command(node, args);
  }
}

const saves = (w: ReturnType<typeof world>, node: string) => w.events().filter((e): e is Extract<TraceEvent, { type: 'redis.save' }> => e.type === 'redis.save' && e.node === node);

describe('ROLE', () => {
  it('master lists its online replicas; a replica reports its link state and offset, -1 without a link (7.0)', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    const off = f(w, 'm', 'master_repl_offset') as number;
    w.runFor(2 * SEC); // an ACK carries the replica's offset to the master
    expect(w.command('m', ['ROLE'])).toEqual(['master', off, [['r', '6379', String(off)]]]);
    expect(w.command('r', ['ROLE'])).toEqual(['slave', 'm', 6379, 'connected', off]);
    w.callAndWait('m', ['SHUTDOWN', 'NOSAVE']);
    w.runFor(100 * MS);
    const role = w.command('r', ['ROLE']) as unknown[];
    expect(role[3]).not.toBe('connected');
    expect(role[4]).toBe(-1); // the cached master's offset is not shown
    expect(f(w, 'r', 'master_repl_offset')).toBe(off); // INFO still shows it
  });
});

describe('full sync', () => {
  it('+FULLRESYNC changes nothing on the replica until the snapshot is loaded', () => {
    const w = world({ config: quiet, nodes: { m1: {}, m2: {}, r: { replicaof: 'm1' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m1', ['SET', 'old', '1']);
    fill(w, 'm2', 5000, 1000, 'new');
    expect(w.waitSync()).toBe(true);
    const before = { id: f(w, 'r', 'master_replid'), off: f(w, 'r', 'master_repl_offset'), digest: w.node('r').ds.digest() };
    w.command('r', ['REPLICAOF', 'm2', '6379']);
    expect(w.runUntil(() => f(w, 'r', 'master_sync_in_progress') === 1, 10 * SEC)).toBe(true); // +FULLRESYNC received
    expect({ id: f(w, 'r', 'master_replid'), off: f(w, 'r', 'master_repl_offset'), digest: w.node('r').ds.digest() }).toEqual(before);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'r', 'master_replid')).toBe(f(w, 'm2', 'master_replid'));
    expect(w.node('r').ds.digest()).toBe(w.node('m2').ds.digest());
  });

  it('replicas that ask while a disk BGSAVE for replication runs join it: two full syncs, one snapshot', () => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync': 'no' }, nodes: { m: {}, r1: {}, r2: {} } });
    fill(w, 'm', 20000, 1000);
    w.command('r1', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => f(w, 'm', 'rdb_bgsave_in_progress') === 1, 10 * SEC)).toBe(true);
    w.command('r2', ['REPLICAOF', 'm', '6379']);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'm', 'sync_full')).toBe(2);
    expect(saves(w, 'm').map((e) => e.how)).toEqual(['bgsave-replication']);
  });

  it('BGSAVE, and loading the snapshot on the replica, take virtual time that grows with the dataset', () => {
    const timings = (keys: number) => {
      const w = world({ config: quiet, nodes: { m: {}, r: {} } });
      fill(w, 'm', keys, 1000);
      expect(w.command('m', ['BGSAVE'])).toBe('Background saving started');
      const t0 = w.sched.nowUs;
      expect(w.runUntil(() => f(w, 'm', 'rdb_bgsave_in_progress') === 0, 60 * SEC)).toBe(true);
      const saveUs = w.sched.nowUs - t0;
      w.command('r', ['REPLICAOF', 'm', '6379']);
      expect(w.runUntil(() => f(w, 'r', 'loading') === 1, 60 * SEC)).toBe(true);
      const t1 = w.sched.nowUs;
      expect(w.runUntil(() => f(w, 'r', 'loading') === 0, 60 * SEC)).toBe(true);
      expect(f(w, 'r', 'rdb_last_load_keys_loaded')).toBe(keys);
      return { saveUs, loadUs: w.sched.nowUs - t1 };
    };
    const small = timings(100);
    const big = timings(20000);
    expect(small.saveUs).toBeGreaterThan(0);
    expect(small.loadUs).toBeGreaterThan(0);
    expect(big.saveUs).toBeGreaterThan(20 * small.saveUs);
    expect(big.loadUs).toBeGreaterThan(20 * small.loadUs);
  });
});

describe('backlog', () => {
  it('grows past its size while a replica waiting for its snapshot still needs the stream, and trims once it has it', () => {
    const w = world({ config: { ...quiet, 'repl-backlog-size': '16kb' }, nodes: { m: {}, r1: { replicaof: 'm' }, r2: {} } });
    fill(w, 'm', 20000, 1000);
    expect(w.waitSync()).toBe(true);
    w.command('r2', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => f(w, 'm', 'rdb_bgsave_in_progress') === 1, 10 * SEC)).toBe(true);
    fill(w, 'm', 2000, 100, 'during'); // ~250 KB while r2's snapshot is made: r2 will need all of it
    expect(f(w, 'm', 'repl_backlog_histlen') as number).toBeGreaterThan(200_000);
    expect(w.waitSync()).toBe(true);
    expect(w.node('r2').ds.digest()).toBe(w.node('m').ds.digest());
    w.command('m', ['SET', 'after', '1']); // the next command trims what nobody needs any more
    expect(f(w, 'm', 'repl_backlog_histlen') as number).toBeLessThan(16384 + 20440);
  });

  it('CONFIG SET repl-backlog-size below 16kb is raised to 16kb', () => {
    const w = world({ config: quiet, nodes: { m: {} } });
    expect(w.command('m', ['CONFIG', 'SET', 'repl-backlog-size', '1000'])).toBe('OK');
    expect(w.command('m', ['CONFIG', 'GET', 'repl-backlog-size'])).toEqual(['repl-backlog-size', '16384']);
  });

  it('CONFIG SET repl-backlog-size 0 is refused, as 7.0.15 refuses it, and the size stays', () => {
    const w = world({ config: quiet, nodes: { m: {} } });
    expect(String(w.command('m', ['CONFIG', 'SET', 'repl-backlog-size', '0']))).toMatch(/^-ERR CONFIG SET failed \(possibly related to argument 'repl-backlog-size'\) - .*argument must be between 1 and 9223372036854775807 inclusive/);
    expect(w.command('m', ['CONFIG', 'GET', 'repl-backlog-size'])).toEqual(['repl-backlog-size', '1048576']);
  });
});

describe('repl-timeout on the replica side', () => {
  it('a replica that hears nothing from its master for repl-timeout drops the link and reconnects', () => {
    const w = world({ config: { ...quiet, 'repl-ping-replica-period': 1, 'repl-timeout': 5 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.pause('m', 8 * SEC);
    w.runFor(7 * SEC);
    const timeouts = w.events().filter((e) => e.type === 'redis.timeout' && e.node === 'r');
    expect(timeouts.map((e) => (e as { what: string }).what)).toEqual(['master: no data nor PING received']);
    expect(f(w, 'r', 'master_link_status')).toBe('down');
    w.runFor(3 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'm', 'sync_partial_ok')).toBe(1);
  });
});

describe('persistence', () => {
  it('SAVE writes the RDB at once; a crash during BGSAVE leaves the previous RDB, which is what comes back', () => {
    const w = world({ config: quiet, nodes: { m: {} } });
    fill(w, 'm', 10, 10);
    expect(w.command('m', ['SAVE'])).toBe('OK');
    fill(w, 'm', 20000, 1000, 'more');
    expect(w.command('m', ['BGSAVE'])).toBe('Background saving started');
    w.runFor(1 * MS);
    expect(f(w, 'm', 'rdb_bgsave_in_progress')).toBe(1);
    w.crash('m');
    w.restart('m');
    expect(w.runUntil(() => f(w, 'm', 'loading') === 0, 10 * SEC)).toBe(true);
    expect(w.command('m', ['DBSIZE'])).toBe(10);
  });

  it('rdb-del-sync-files yes removes the RDB a disk-based full sync wrote, on both sides, when no save points are set', () => {
    for (const del of ['no', 'yes']) {
      const w = world({ config: { ...quiet, 'rdb-del-sync-files': del, 'repl-diskless-sync': 'no' }, nodes: { m: {}, r: { replicaof: 'm' } } });
      w.command('m', ['SET', 'a', '1']);
      expect(w.waitSync()).toBe(true);
      w.runFor(1 * SEC);
      for (const n of ['m', 'r']) expect(w.net.host(n).disk.has(RDB_FILENAME), `${n} with rdb-del-sync-files ${del}`).toBe(del === 'no');
    }
  });

  it('the master deletes its RDB in replicationCron once no replica waits for it or reads it, not when the BGSAVE ends', () => {
    const w = world({ config: { ...quiet, 'rdb-del-sync-files': 'yes', 'repl-diskless-sync': 'no' }, nodes: { m: {}, r: { replicaof: 'm' } } });
    w.command('m', ['SET', 'a', '1']);
    const sending = () => w.node('m').masterSide.replicas.some((c) => c.replState === 'send_bulk');
    expect(w.runUntil(sending, 5 * SEC)).toBe(true);
    expect(w.net.host('m').disk.has(RDB_FILENAME)).toBe(true); // a master crashing now restarts with it
    expect(w.waitSync()).toBe(true);
    const online = w.sched.nowUs;
    expect(w.runUntil(() => !w.net.host('m').disk.has(RDB_FILENAME), 2 * SEC)).toBe(true);
    expect(w.sched.nowUs - online).toBeLessThanOrEqual(1 * SEC);
  });

  it('rdb-del-sync-files keeps both RDBs when the AOF is on (allPersistenceDisabled() is false)', () => {
    const w = world({ config: { ...quiet, appendonly: 'yes', 'rdb-del-sync-files': 'yes', 'repl-diskless-sync': 'no' }, nodes: { m: {}, r: { replicaof: 'm' } } });
    w.command('m', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    w.runFor(2 * SEC);
    for (const n of ['m', 'r']) expect(w.net.host(n).disk.has(RDB_FILENAME), n).toBe(true);
  });
});

describe('data commands', () => {
  it('FLUSHALL empties every database on master and replica; EXPIRE counts seconds of virtual time', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['SET', 'a', '1']);
    w.command('m', ['SELECT', '5']);
    w.command('m', ['SET', 'b', '1']);
    expect(w.command('m', ['EXPIRE', 'b', '2'])).toBe(1);
    expect(w.command('m', ['TTL', 'b'])).toBe(2);
    w.runFor(1500 * MS);
    expect(w.command('m', ['GET', 'b'])).toBe('1');
    w.runFor(1 * SEC);
    expect(w.command('m', ['GET', 'b'])).toBe(null);
    w.command('m', ['SET', 'c', '1']);
    expect(w.waitSync()).toBe(true);
    expect(w.node('r').ds.totalKeys()).toBe(2);
    expect(w.command('m', ['FLUSHALL'])).toBe('OK');
    expect(w.waitSync()).toBe(true);
    expect([w.node('m').ds.totalKeys(), w.node('r').ds.totalKeys()]).toEqual([0, 0]);
    expect(w.node('r').ds.digest()).toBe(w.node('m').ds.digest());
  });

  it('the digest does not depend on insertion order, and follows every change', () => {
    const w = world({ config: quiet, nodes: { a: {}, b: {}, c: {} } });
    for (const k of ['x', 'y', 'z']) w.command('a', ['SET', k, k]);
    for (const k of ['z', 'x', 'y']) w.command('b', ['SET', k, k]);
    w.command('a', ['RPUSH', 'l', '1', '2']);
    w.command('b', ['RPUSH', 'l', '1']);
    w.command('b', ['RPUSH', 'l', '2']);
    expect(w.command('a', ['DEBUG', 'DIGEST'])).toBe(w.command('b', ['DEBUG', 'DIGEST']));
    w.command('a', ['DEL', 'y']);
    expect(w.command('a', ['DEBUG', 'DIGEST'])).not.toBe(w.command('b', ['DEBUG', 'DIGEST']));
    for (const k of ['x', 'z']) w.command('c', ['SET', k, k]);
    w.command('c', ['RPUSH', 'l', '1', '2']);
    expect(w.command('a', ['DEBUG', 'DIGEST'])).toBe(w.command('c', ['DEBUG', 'DIGEST']));
    w.command('c', ['APPEND', 'x', '!']);
    expect(w.command('c', ['DEBUG', 'DIGEST'])).not.toBe(w.command('a', ['DEBUG', 'DIGEST']));
    expect(isError(w.command('c', ['DEBUG', 'DIGEST']))).toBe(false);
  });
});
