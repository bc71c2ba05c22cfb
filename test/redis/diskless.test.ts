// Diskless full sync and diskless load in the model: the pace of a transfer (the slowest replica),
// repl-diskless-sync-max-replicas, where the RDB lives (or does not), a failed swapdb load, and how a
// replica reads a payload of several chunks: its load time, its timeout, loading or async_loading,
// when its sub-replicas are dropped, and the stream that arrives while the load finishes.
// What real 7.0.15 does at the protocol level is pinned by test/real/diskless.test.ts.
import { describe, expect, it } from 'vitest';
import { world, f, SEC, MS } from '../support/redis.js';
import { RDB_FILENAME } from '../../sim/redis/rdb.js';
import type { World } from '../../sim/cluster/world.js';
import type { TraceEvent } from '../../sim/trace-events.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600 };

function fill(w: World, node: string, n: number, size: number, prefix = 'k'): void {
  const v = 'x'.repeat(size);
  for (let i = 0; i < n; i++) w.command(node, ['SET', `${prefix}${i}`, v]);
}

describe('diskless full sync (master side)', () => {
  it('streams to every waiting replica at the pace of the slowest one', () => {
    const linkUpAfterFork = (withSlow: boolean) => {
      const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 1 }, nodes: { m: {}, fast: {}, slow: {} } });
      fill(w, 'm', 8000, 1000); // about 8 MB of RDB
      w.net.links.set({ bandwidthBytesPerSec: 10_000_000 }, 'm', 'slow');
      w.command('fast', ['REPLICAOF', 'm', '6379']);
      if (withSlow) w.command('slow', ['REPLICAOF', 'm', '6379']);
      expect(w.runUntil(() => f(w, 'm', 'rdb_bgsave_in_progress') === 1, 5 * SEC)).toBe(true);
      const fork = w.sched.nowUs;
      expect(w.runUntil(() => f(w, 'fast', 'master_link_status') === 'up', 10 * SEC)).toBe(true);
      const fastUs = w.sched.nowUs - fork;
      expect(w.waitSync()).toBe(true);
      return fastUs;
    };
    const alone = linkUpAfterFork(false);
    const paced = linkUpAfterFork(true);
    expect(alone).toBeLessThan(200 * MS); // 8 MB at 1 Gbit/s
    expect(paced).toBeGreaterThan(700 * MS); // held back by the 10 MB/s replica: 8 MB / 10 MB/s
  });

  it('a slow child feeds its replicas every 16KB it flushes, so a transfer longer than repl-timeout completes', () => {
    // rioFdWrite() flushes the child's buffer into the pipe past PROTO_IOBUF_LEN: 500 keys x 20 ms
    // make a 10 s child, longer than repl-timeout 5, and the replica must not time out meanwhile
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 0, 'repl-timeout': 5, 'rdb-key-save-delay': 20_000 }, nodes: { m: {}, r: {} } });
    fill(w, 'm', 500, 200); // about 110 KB of RDB: seven pieces of 16KB
    const t0 = w.sched.nowUs;
    w.command('r', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => f(w, 'r', 'master_link_status') === 'up', 30 * SEC)).toBe(true);
    expect(w.sched.nowUs - t0).toBeGreaterThan(9 * SEC);
    expect(f(w, 'm', 'sync_full')).toBe(1);
  });

  it('forks at once when repl-diskless-sync-max-replicas are waiting, else after the delay', () => {
    const forkAfter = (maxReplicas: number) => {
      const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 30, 'repl-diskless-sync-max-replicas': maxReplicas }, nodes: { m: {}, r1: {}, r2: {} } });
      fill(w, 'm', 10, 10);
      const t0 = w.sched.nowUs;
      w.command('r1', ['REPLICAOF', 'm', '6379']);
      w.command('r2', ['REPLICAOF', 'm', '6379']);
      expect(w.runUntil(() => f(w, 'm', 'rdb_bgsave_in_progress') === 1, 60 * SEC)).toBe(true);
      return w.sched.nowUs - t0;
    };
    expect(forkAfter(2)).toBeLessThanOrEqual(1100 * MS); // the next replicationCron
    expect(forkAfter(3)).toBeGreaterThanOrEqual(29 * SEC);
    expect(forkAfter(0)).toBeGreaterThanOrEqual(29 * SEC);
  });

  it('drops a replica that has taken nothing of the transfer for repl-timeout seconds; the others finish without it', () => {
    // replicationCron(): "Disconnecting timedout replica (full sync)" for a WAIT_BGSAVE_END replica of a
    // socket child whose last partial write is older than repl-timeout; no newlines keep it alive meanwhile
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 1, 'repl-timeout': 5 }, nodes: { m: {}, ok: {}, cut: {} } });
    fill(w, 'm', 8000, 1000);
    w.net.links.set({ bandwidthBytesPerSec: 5_000_000 }); // about 1.6 s for the 8 MB
    w.command('ok', ['REPLICAOF', 'm', '6379']);
    w.command('cut', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => f(w, 'm', 'rdb_bgsave_in_progress') === 1, 5 * SEC)).toBe(true);
    w.runFor(300 * MS);
    w.net.partition([['m', 'ok'], ['cut']]);
    const cutAt = w.sched.nowUs;
    expect(w.runUntil(() => f(w, 'ok', 'master_link_status') === 'up', 20 * SEC)).toBe(true);
    const drop = w.events().find((e) => e.type === 'redis.replica-drop' && e.replica === 'cut');
    expect(drop && drop.type === 'redis.replica-drop' ? drop.reason : null).toBe('timeout (full sync)');
    // whole seconds, strictly more than repl-timeout, checked by the 1 Hz cron
    const afterUs = drop!.t - cutAt;
    expect(afterUs).toBeGreaterThan(5 * SEC);
    expect(afterUs).toBeLessThan(8 * SEC);
    expect(f(w, 'm', 'connected_slaves')).toBe(1);
  });

  it('writes no RDB on the master; a replica with repl-diskless-load disabled writes dump.rdb, on-empty-db does not', () => {
    const w = world({ config: quiet, nodes: { m: {}, disk: { replicaof: 'm' }, sock: { replicaof: 'm', config: { 'repl-diskless-load': 'on-empty-db' } } } });
    fill(w, 'm', 10, 10);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'sock', 'master_link_status')).toBe('up');
    expect(w.node('sock').ds.totalKeys()).toBe(10);
    expect({ m: w.net.host('m').disk.has(RDB_FILENAME), disk: w.net.host('disk').disk.has(RDB_FILENAME), sock: w.net.host('sock').disk.has(RDB_FILENAME) }).toEqual({ m: false, disk: true, sock: false });
  });
});

describe('diskless load (replica side)', () => {
  /** r has synced 5 keys of m, then m gets a big dataset and a full sync starts; m crashes mid-transfer. */
  const failedLoad = (load: string) => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 1, 'repl-backlog-size': '16kb' }, nodes: { m: {}, r: { replicaof: 'm', config: { 'repl-diskless-load': load } } } });
    fill(w, 'm', 5, 10, 'old');
    expect(w.waitSync()).toBe(true);
    w.net.links.set({ bandwidthBytesPerSec: 10_000_000 }, 'm', 'r');
    w.command('m', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    fill(w, 'm', 8000, 1000); // far past the 16kb backlog: the replica needs a full sync
    expect(w.runUntil(() => f(w, 'r', 'master_sync_in_progress') === 1 && w.node('r').replicaSide.handshake?.load !== null && w.node('r').replicaSide.handshake?.load !== undefined, 10 * SEC)).toBe(true);
    const during = { loading: f(w, 'r', 'loading'), async_loading: f(w, 'r', 'async_loading'), keys: w.node('r').ds.totalKeys() };
    w.crash('m');
    w.runFor(2 * SEC);
    return { during, after: { loading: f(w, 'r', 'loading'), keys: w.node('r').ds.totalKeys(), cached: w.node('r').replicaSide.cachedMaster !== null } };
  };

  it('swapdb with the same replid keeps serving the old data (async_loading), and keeps it when the load fails', () => {
    expect(failedLoad('swapdb')).toEqual({ during: { loading: 0, async_loading: 1, keys: 5 }, after: { loading: 0, keys: 5, cached: true } });
  });

  it('on-empty-db with data loads to disk: the old data stays until the payload is complete', () => {
    expect(failedLoad('on-empty-db')).toEqual({ during: { loading: 0, async_loading: 0, keys: 5 }, after: { loading: 0, keys: 5, cached: true } });
  });
});

describe('diskless load: reading a payload of several chunks', () => {
  const drops = (w: World & { events: () => TraceEvent[] }, node: string, from: number) =>
    w.events().slice(from).flatMap((e) => (e.type === 'redis.replica-drop' && e.node === node ? [[e.replica, e.reason]] : []));
  const loadingOrAsync = (w: World) => f(w, 'r', 'loading') === 1 || f(w, 'r', 'async_loading') === 1;

  /**
   * A fresh r full-syncs about 8 MB (two 4 MB chunks) from m, a disk-based master (its file goes at
   * the network's pace, a diskless child's at the speed it writes); the time from r's first bytes
   * (loading) to its link up.
   */
  const loadTime = (mode: string, bytesPerSec: number) => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync': 'no' }, nodes: { m: {}, r: { config: { 'repl-diskless-load': mode } } } });
    fill(w, 'm', 8000, 1000);
    w.net.links.set({ bandwidthBytesPerSec: bytesPerSec }, 'm', 'r');
    w.command('r', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => f(w, 'r', 'loading') === 1, 10 * SEC)).toBe(true);
    const t0 = w.sched.nowUs;
    expect(w.runUntil(() => f(w, 'r', 'master_link_status') === 'up', 10 * SEC)).toBe(true);
    expect(w.node('r').ds.digest()).toBe(w.node('m').ds.digest());
    return w.sched.nowUs - t0;
  };

  it('is parsed as it arrives: with the network faster than the parse, the load ends one load time after the first bytes', () => {
    // 'disabled' loads the file once the last byte is in: its loading phase is exactly the load time
    const whole = loadTime('disabled', 800_000_000);
    const fromSocket = loadTime('on-empty-db', 800_000_000);
    expect(whole).toBeGreaterThan(15 * MS); // 8 MB at the model's 400 MB/s, longer than the 10 ms transfer
    expect(Math.abs(fromSocket - whole)).toBeLessThanOrEqual(200);
    // with a slow network the parse keeps up: the load ends just after the last byte
    expect(loadTime('on-empty-db', 10_000_000)).toBeGreaterThan(300 * MS);
  });

  it('times out when the payload stops arriving for repl-timeout; the load is abandoned', () => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 0, 'repl-timeout': 2 }, nodes: { m: {}, r: { config: { 'repl-diskless-load': 'on-empty-db' } } } });
    fill(w, 'm', 8000, 1000);
    w.net.links.set({ bandwidthBytesPerSec: 10_000_000 }, 'm', 'r');
    w.command('r', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => f(w, 'r', 'loading') === 1, 10 * SEC)).toBe(true); // the first 4 MB are in
    const from = w.events().length;
    w.net.partition([['m'], ['r']]);
    w.runFor(5 * SEC);
    expect(w.events().slice(from).flatMap((e) => (e.type === 'redis.timeout' && e.node === 'r' ? [e.what] : []))).toEqual(['receiving bulk data from master']);
    expect({ loading: f(w, 'r', 'loading'), async_loading: f(w, 'r', 'async_loading'), link: f(w, 'r', 'master_link_status'), keys: w.node('r').ds.totalKeys() }).toEqual({ loading: 0, async_loading: 0, link: 'down', keys: 0 });
  });

  it('on-empty-db into an empty dataset blocks (loading, not async_loading) even with the same replid, and drops the sub-replicas as it starts', () => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 0, 'repl-backlog-size': '16kb' }, nodes: { m: {}, r: { replicaof: 'm', config: { 'repl-diskless-load': 'on-empty-db' } }, sub: { replicaof: 'r' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    fill(w, 'm', 500, 200); // 110 KB, far past the 16kb backlog: r, still empty, needs a full sync
    const from = w.events().length;
    expect(w.runUntil(() => loadingOrAsync(w), 10 * SEC)).toBe(true);
    expect({ loading: f(w, 'r', 'loading'), async_loading: f(w, 'r', 'async_loading'), sameId: f(w, 'r', 'master_replid') === f(w, 'm', 'master_replid') }).toEqual({ loading: 1, async_loading: 0, sameId: true });
    expect(drops(w, 'r', from)).toEqual([['sub', 'full sync from master']]);
    expect(w.waitSync()).toBe(true);
    expect(w.node('sub').ds.digest()).toBe(w.node('m').ds.digest());
  });

  it('swapdb from a master with another replid blocks (loading), keeps the old data meanwhile, and drops the sub-replicas once loaded', () => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 0 }, nodes: { m1: {}, m2: {}, r: { replicaof: 'm1', config: { 'repl-diskless-load': 'swapdb' } }, sub: { replicaof: 'r' } } });
    fill(w, 'm1', 5, 10, 'old');
    fill(w, 'm2', 8000, 1000, 'new');
    expect(w.waitSync()).toBe(true);
    const from = w.events().length;
    w.command('r', ['REPLICAOF', 'm2', '6379']);
    expect(w.runUntil(() => loadingOrAsync(w), 10 * SEC)).toBe(true);
    expect({ loading: f(w, 'r', 'loading'), async_loading: f(w, 'r', 'async_loading'), keys: w.node('r').ds.totalKeys() }).toEqual({ loading: 1, async_loading: 0, keys: 5 });
    expect(drops(w, 'r', from)).toEqual([]);
    expect(w.runUntil(() => f(w, 'r', 'master_link_status') === 'up', 10 * SEC)).toBe(true);
    expect(drops(w, 'r', from)).toEqual([['sub', 'full sync from master']]);
    w.runFor(100 * MS); // sub learns of the close (its offset, 0, equals r's new one)
    expect(w.waitSync()).toBe(true);
    expect(w.node('sub').ds.digest()).toBe(w.node('m2').ds.digest());
  });

  it('the stream a disk-based master sends right after the payload waits while the load finishes, then is applied', () => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync': 'no' }, nodes: { m: {}, r: { config: { 'repl-diskless-load': 'on-empty-db' } } } });
    fill(w, 'm', 8000, 1000);
    // a short, fast link: the file arrives in about 10 ms, the 20 ms load ends well after the stream that follows it
    w.net.links.set({ bandwidthBytesPerSec: 800_000_000, latencyUs: 50 }, 'm', 'r');
    w.command('r', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => f(w, 'm', 'rdb_bgsave_in_progress') === 1, 5 * SEC)).toBe(true);
    for (let i = 0; i < 10; i++) w.command('m', ['SET', `during${i}`, 'v']); // buffered for r, sent right after the payload
    expect(w.waitSync(20 * SEC)).toBe(true);
    expect(w.node('r').ds.digest()).toBe(w.node('m').ds.digest());
  });
});
