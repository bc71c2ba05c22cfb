// The master side (sim/redis/master.ts) where Stryker found behaviour no test pinned: the stream's
// bytes and blocks, what holds the backlog (replicas waiting, lagging, leaving), output-buffer
// limits, the PSYNC decisions and their reasons, WAIT and the replicas that acknowledged, the RDB's
// replication info, replicas leaving and timing out, newlines, good replicas, the backlog TTL.
// Each test drives a World and asserts what Redis 7.0.15 shows (figures measured on a real one say so).
import { describe, expect, it } from 'vitest';
import { world, f, SEC, MS, eventsOf as events, mark, fill } from '../support/redis.js';
import type { ClientEvent } from '../../sim/trace-events.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600 };
type W = ReturnType<typeof world>;

const drops = (w: W, node: string, from = 0) => events(w, 'redis.replica-drop', node, from).map((e) => [e.replica, e.reason]);


describe('the stream and its blocks', () => {
  it('the first write in db 1 is preceded by SELECT 1 (the stream starts with no db selected)', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['SELECT', '1']);
    w.command('m', ['SET', 'a', '1']);
    expect(f(w, 'm', 'master_repl_offset')).toBe(23 + 27);
    expect(w.waitSync()).toBe(true);
    expect(w.node('r').ds.entry(1, 'a')?.value).toBe('1');
  });

  it('big writes fill, add and trim blocks as on a real 7.0.15 (backlog 16kb, one replica)', () => {
    // measured on redis-server 7.0.15: SET of 40000, 100000, 30000, 5000, 70000 bytes, 300 ms apart
    const measured = [
      [40058, 20441, 19618],
      [140095, 122641, 17455],
      [170130, 143081, 27050],
      [175163, 143081, 32083],
      [245198, 224841, 20358],
    ];
    const w = world({ config: { ...quiet, 'repl-backlog-size': '16kb' }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    const got = [40000, 100000, 30000, 5000, 70000].map((n) => {
      w.command('m', ['SET', `k${n}`, 'x'.repeat(n)]);
      w.runFor(300 * MS);
      return [f(w, 'm', 'master_repl_offset'), f(w, 'm', 'repl_backlog_first_byte_offset'), f(w, 'm', 'repl_backlog_histlen')];
    });
    expect(got).toEqual(measured);
  });
});

describe('what holds the backlog', () => {
  it('a replica waiting for its fork does not hold it; a replica whose bytes are not yet sent does, until it is dropped', () => {
    const w = world({ config: { ...quiet, 'repl-backlog-size': '16kb', 'repl-diskless-sync-delay': 30 }, nodes: { m: {}, slow: { replicaof: 'm' }, fast: { replicaof: 'm', startAfterMs: 1 }, late: {} } });
    w.net.links.set({ bandwidthBytesPerSec: 10_000_000 }, 'm', 'slow');
    w.runFor(40 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(w.node('m').masterSide.replicas.map((r) => r.peer)).toEqual(['slow', 'fast']); // the lowest pin is not the last one
    w.command('late', ['REPLICAOF', 'm', '6379']); // waits 30 s for the fork (wait_bgsave_start)
    w.runFor(100 * MS);
    expect(String(f(w, 'm', 'slave2'))).toMatch(/^ip=late,.*state=wait_bgsave/);
    fill(w, 'm', 1000, 1000); // 1 MB: 100 ms on slow's link, about twice what its socket buffer takes at once
    // slow (first in the list) still needs what its socket has not taken; fast and late need none of it
    expect(f(w, 'm', 'repl_backlog_histlen') as number).toBeGreaterThan(300_000);
    w.runFor(100 * MS);
    w.command('m', ['SET', 'after', '1']);
    expect(f(w, 'm', 'repl_backlog_histlen') as number).toBeLessThan(16384 + 20440);
    fill(w, 'm', 1000, 1000, 'again');
    expect(f(w, 'm', 'repl_backlog_histlen') as number).toBeGreaterThan(300_000);
    w.command('m', ['CLIENT', 'KILL', 'TYPE', 'replica']); // leaving, slow's pin goes with it: trimmed at once
    expect(f(w, 'm', 'repl_backlog_histlen') as number).toBeLessThan(16384 + 20440);
  });
});

describe('output-buffer limits', () => {
  /** r on a 10 KB/s link; m writes 1 MB at once: past its socket buffer, r's output buffer stays over 100kb for many seconds. */
  const lagging = (limit: string) => {
    const w = world({ config: { ...quiet, 'repl-backlog-size': '16kb', 'client-output-buffer-limit': limit }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.net.links.set({ bandwidthBytesPerSec: 10_000 }, 'm', 'r');
    const t = mark(w);
    const t0 = w.sched.nowUs;
    fill(w, 'm', 1000, 1000);
    return { w, t, t0 };
  };

  it('the soft limit drops a replica over it for more than its seconds, from clientsCron with no more writes', () => {
    const { w, t, t0 } = lagging('0 64kb 2');
    expect(drops(w, 'm', t)).toEqual([]);
    w.runFor(5 * SEC);
    const [drop] = events(w, 'redis.replica-drop', 'm', t);
    expect(drop?.reason).toBe('output buffer limit reached');
    // more than 2 whole seconds of server.unixtime over the limit: 2 to 4 s after the writes
    expect(drop!.t - t0).toBeGreaterThan(2 * SEC);
    expect(drop!.t - t0).toBeLessThan(4 * SEC);
  });

  it('a replica waiting for its fork uses no output buffer: a hard limit below one block does not drop it', () => {
    const w = world({ config: { ...quiet, 'repl-backlog-size': '16kb', 'client-output-buffer-limit': '16kb 0 0', 'repl-diskless-sync-delay': 30 }, nodes: { m: {}, r: {} } });
    w.command('r', ['REPLICAOF', 'm', '6379']);
    w.runFor(2 * SEC);
    fill(w, 'm', 100, 1000);
    w.runFor(2 * SEC);
    expect(drops(w, 'm')).toEqual([]);
    expect(String(f(w, 'm', 'slave0'))).toMatch(/^ip=r,.*state=wait_bgsave/);
  });

  it('the soft limit\'s clock starts at the first check over it, even when a replica is over from its first check', () => {
    // a caught-up replica references the tail block: about 20 KB, over a 1kb soft limit from the start
    const w = world({ config: { ...quiet, 'client-output-buffer-limit': '0 1kb 2' }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.runUntil(() => f(w, 'r', 'master_link_status') === 'up', 10 * SEC)).toBe(true);
    w.command('m', ['SET', 'a', '1']); // the first block
    const up = w.sched.nowUs;
    expect(w.runUntil(() => events(w, 'redis.replica-drop', 'm').length > 0, 10 * SEC)).toBe(true);
    const [drop] = events(w, 'redis.replica-drop', 'm');
    expect(drop!.reason).toBe('output buffer limit reached');
    expect(drop!.t - up).toBeGreaterThan(SEC);
  });

  it('the hard limit drops the replica during the write that crossed it', () => {
    const { w, t, t0 } = lagging('100kb 0 0');
    expect(events(w, 'redis.replica-drop', 'm', t).map((e) => [e.reason, e.t])).toEqual([['output buffer limit reached', t0]]);
  });
});

describe('bytes on the wire', () => {
  it('a big write takes its size\'s time on a slow link', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.net.links.set({ bandwidthBytesPerSec: 1_000_000 }, 'm', 'r');
    const t0 = w.sched.nowUs;
    w.command('m', ['SET', 'big', 'x'.repeat(500_000)]);
    expect(w.waitSync()).toBe(true);
    expect(w.sched.nowUs - t0).toBeGreaterThan(450 * MS);
  });
});

describe('WAIT', () => {
  it('from a network client: the reply names the online replicas that acknowledged its write', () => {
    const w = world({ config: quiet, network: { latencyUs: 1000, jitterUs: 0 }, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' } }, clients: { app: { node: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.pause('r2', 2 * SEC); // online, but it acknowledges nothing meanwhile
    const t = mark(w);
    let done = false;
    w.netClient('app').op([['SET', 'a', '1']], { wait: { replicas: 2, timeoutMs: 300 } }, () => (done = true));
    expect(w.runUntil(() => done, SEC)).toBe(true);
    const ops = w.events().slice(t).filter((e): e is ClientEvent => e.type === 'client.op');
    expect(ops.map((o) => [o.outcome, o.wait])).toEqual([['ok', { replicas: 1, acked_by: ['r1'] }]]);
    // PING on the same (client) connection is a command like any other
    done = false;
    let pong: unknown = null;
    w.netClient('app').op([['PING']], {}, (r) => ((pong = r.reply), (done = true)));
    expect(w.runUntil(() => done, SEC)).toBe(true);
    expect(pong).toBe('PONG');
  });

  it('counts online replicas only: one waiting for its fork has acknowledged nothing', () => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 30 }, nodes: { m: {}, r1: { replicaof: 'm' }, r2: {} } });
    w.runFor(35 * SEC);
    expect(w.waitSync()).toBe(true);
    w.command('r2', ['REPLICAOF', 'm', '6379']);
    w.runFor(2 * SEC);
    expect(f(w, 'm', 'connected_slaves')).toBe(2);
    expect(w.callAndWait('m', ['WAIT', '2', '100'])).toBe(1); // this client wrote nothing: offset 0
  });
});

describe('PSYNC decisions', () => {
  const decisions = (w: W, node: string, from = 0) => events(w, 'redis.psync', node, from).map((e) => [e.replica, e.result, e.reason]);

  it('every reason, with the figures it names', () => {
    const w = world({ config: quiet, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' }, x: {} } });
    expect(w.waitSync()).toBe(true);
    expect(decisions(w, 'm')).toEqual([['r1', 'full', 'full resync requested by replica'], ['r2', 'full', 'full resync requested by replica']]);
    expect(events(w, 'redis.replid', 'm').map((e) => e.reason)).toEqual(['first-replica']);
    w.command('m', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    let t = mark(w);
    w.command('r1', ['CLIENT', 'KILL', 'TYPE', 'master']);
    expect(w.waitSync()).toBe(true);
    expect(decisions(w, 'm', t)).toEqual([['r1', 'continue', 'replid match']]);

    w.command('r1', ['REPLICAOF', 'NO', 'ONE']);
    const second = f(w, 'r1', 'second_repl_offset') as number;
    w.command('m', ['SET', 'b', '1']); // the old master moves past what r1 can serve of its id
    const mOff = f(w, 'm', 'master_repl_offset') as number;
    t = mark(w);
    w.command('r2', ['REPLICAOF', 'r1', '6379']);
    expect(w.waitSync()).toBe(true);
    w.command('m', ['REPLICAOF', 'r1', '6379']);
    w.command('x', ['REPLICAOF', 'r1', '6379']);
    expect(w.waitSync()).toBe(true);
    expect(decisions(w, 'r1', t).sort()).toEqual([
      ['m', 'full', `requested offset for second ID was ${mOff + 1}, but I can reply up to ${second}`],
      ['r2', 'continue', 'replid2 match'],
      ['x', 'full', 'replication ID mismatch'],
    ]);
    // sync_partial_err counts the PSYNCs that asked to continue and could not
    expect([f(w, 'r1', 'sync_full'), f(w, 'r1', 'sync_partial_ok'), f(w, 'r1', 'sync_partial_err')]).toEqual([2, 1, 2]);
  });

  it('a replica that fell behind the backlog is refused, naming the range the backlog has', () => {
    const w = world({ config: { ...quiet, 'repl-backlog-size': '16kb' }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    const had = f(w, 'r', 'master_repl_offset') as number;
    w.command('m', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    fill(w, 'm', 100, 1000); // 100 KB while r is away
    const t = mark(w);
    expect(w.waitSync()).toBe(true);
    const first = events(w, 'redis.psync', 'm', t)[0]!;
    expect([first.result, first.reason]).toEqual(['full', `lack of backlog (wanted ${had + 1}, have ${first.repl_backlog_first_byte_offset}..${first.master_repl_offset})`]);
    expect(first.repl_backlog_first_byte_offset).toBeGreaterThan(had + 1);
  });

  it('a replica ahead of a master restarted from an older RDB asks past what the old id (now replid2) can serve', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['SET', 'a', '1']);
    expect(w.command('m', ['SAVE'])).toBe('OK');
    const saved = f(w, 'm', 'master_repl_offset') as number;
    w.command('m', ['SET', 'b', '1']);
    expect(w.waitSync()).toBe(true);
    const ahead = f(w, 'r', 'master_repl_offset') as number;
    w.crash('m');
    const t = mark(w);
    w.restart('m');
    w.runFor(2 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(decisions(w, 'm', t)).toEqual([['r', 'full', `requested offset for second ID was ${ahead + 1}, but I can reply up to ${saved + 1}`]]);
    expect(w.node('r').ds.digest()).toBe(w.node('m').ds.digest());
    expect(w.command('r', ['GET', 'b'])).toBe(null);
  });

  it('FAILOVER: the target promotes itself on PSYNC ... FAILOVER; meanwhile the master refuses PSYNC and sends no PINGs', () => {
    const w = world({ config: { save: '', 'repl-ping-replica-period': 1 }, nodes: { m: {}, r: { replicaof: 'm' }, r2: {} } });
    expect(w.waitSync()).toBe(true);
    w.pause('r', 3 * SEC); // the target cannot catch up for a while
    w.command('m', ['SET', 'a', '1']);
    expect(w.command('m', ['FAILOVER', 'TO', 'r', '6379', 'TIMEOUT', '10000'])).toBe('OK');
    const off = f(w, 'm', 'master_repl_offset');
    const t = mark(w);
    w.command('r2', ['REPLICAOF', 'm', '6379']);
    w.runFor(2500 * MS);
    expect(f(w, 'm', 'master_failover_state')).toBe('waiting-for-sync');
    expect(f(w, 'm', 'master_repl_offset')).toBe(off); // no PING while clients are paused for the failover
    expect(decisions(w, 'm', t)).toEqual([]); // r2's PSYNC got -NOMASTERLINK
    expect(f(w, 'm', 'sync_full')).toBe(1);
    expect(w.runUntil(() => f(w, 'm', 'role') === 'slave' && f(w, 'r', 'role') === 'master', 10 * SEC)).toBe(true);
    expect(events(w, 'redis.replid', 'r', t).map((e) => e.reason)).toEqual(['psync-failover']);
  });
});

describe('replicas leaving', () => {
  it('CLIENT KILL TYPE replica drops every replica at once', () => {
    const w = world({ config: quiet, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' }, r3: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    expect(w.command('m', ['CLIENT', 'KILL', 'TYPE', 'replica'])).toBe(3);
    expect(f(w, 'm', 'connected_slaves')).toBe(0);
    expect(drops(w, 'm').map(([r]) => r).sort()).toEqual(['r1', 'r2', 'r3']);
  });

  /** A disk BGSAVE for replication of 20,000 keys is running for r1 (and r2 when both). */
  const saving = (config: Record<string, unknown>, both = false) => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync': 'no', ...config }, nodes: { m: {}, r1: {}, r2: {} } });
    fill(w, 'm', 20000, 1000);
    w.command('r1', ['REPLICAOF', 'm', '6379']);
    if (both) w.command('r2', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => f(w, 'r1', 'master_sync_in_progress') === 1 && (!both || f(w, 'r2', 'master_sync_in_progress') === 1), SEC)).toBe(true);
    expect(f(w, 'm', 'rdb_bgsave_in_progress')).toBe(1);
    return w;
  };

  it('the last replica waiting for a disk BGSAVE leaving kills it when no save points are set (7.0)', () => {
    const w = saving({});
    w.command('r1', ['REPLICAOF', 'NO', 'ONE']);
    w.runFor(10 * MS);
    expect(f(w, 'm', 'rdb_bgsave_in_progress')).toBe(0);
  });

  it('... but not with save points, nor while another replica waits for it', () => {
    const kept = saving({ save: '3600 1' });
    kept.command('r1', ['REPLICAOF', 'NO', 'ONE']);
    kept.runFor(10 * MS);
    expect(f(kept, 'm', 'rdb_bgsave_in_progress')).toBe(1);
    const two = saving({}, true);
    two.command('r1', ['REPLICAOF', 'NO', 'ONE']);
    two.runFor(10 * MS);
    expect(f(two, 'm', 'rdb_bgsave_in_progress')).toBe(1);
    expect(two.waitSync()).toBe(true);
    expect(f(two, 'm', 'sync_full')).toBe(2);
  });

  it('a BGSAVE that is not for replication survives an online replica leaving', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    fill(w, 'm', 20000, 1000);
    expect(w.command('m', ['BGSAVE'])).toBe('Background saving started');
    w.command('m', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    expect(f(w, 'm', 'rdb_bgsave_in_progress')).toBe(1);
  });

  it('replicas that stop acknowledging time out together, and the master closes their links', () => {
    const w = world({ config: { save: '', 'repl-ping-replica-period': 1, 'repl-timeout': 3 }, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    const t = mark(w);
    const t0 = w.sched.nowUs;
    w.pause('r1', 8 * SEC);
    w.pause('r2', 8 * SEC);
    w.runFor(7 * SEC);
    const ds = events(w, 'redis.replica-drop', 'm', t);
    expect(ds.map((e) => e.reason)).toEqual(['timeout', 'timeout']);
    expect(ds[0]!.t).toBe(ds[1]!.t);
    // woken up, each replica reads the close the master sent: its link goes down at once, with no timeout of its own
    w.runFor(2 * SEC);
    for (const r of ['r1', 'r2']) {
      expect(events(w, 'redis.timeout', r, t)).toEqual([]);
      expect(events(w, 'redis.link', r, t).find((e) => e.status === 'down')!.t - t0).toBeLessThan(8 * SEC + 10 * MS);
    }
  });

  it('a replica that crashed and came back: the master\'s old connection ends with a reset', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.crash('r');
    w.restart('r');
    w.command('m', ['SET', 'a', '1']); // reaches the new process's host, which knows no such connection
    w.runFor(100 * MS);
    expect(drops(w, 'm')).toEqual([['r', 'connection reset']]);
  });
});

describe('the backlog without replicas', () => {
  it('repl-backlog-ttl counts from when the last replica left, then frees the backlog and changes the replid', () => {
    const w = world({ config: { ...quiet, 'repl-backlog-ttl': 3 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.runFor(10 * SEC);
    const t = mark(w);
    w.callAndWait('r', ['SHUTDOWN', 'NOSAVE']);
    w.runFor(2 * SEC);
    expect(f(w, 'm', 'repl_backlog_active')).toBe(1);
    w.runFor(3 * SEC);
    expect(f(w, 'm', 'repl_backlog_active')).toBe(0);
    expect(events(w, 'redis.replid', 'm', t).map((e) => e.reason)).toEqual(['backlog-ttl']);
    w.runFor(5 * SEC); // no backlog, nothing more to free: the id stays
    expect(events(w, 'redis.replid', 'm', t)).toHaveLength(1);
  });

  it('repl-backlog-ttl 0 keeps the backlog forever', () => {
    const w = world({ config: { ...quiet, 'repl-backlog-ttl': 0 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.callAndWait('r', ['SHUTDOWN', 'NOSAVE']);
    w.runFor(10 * SEC);
    expect(f(w, 'm', 'repl_backlog_active')).toBe(1);
  });
});

describe('newlines', () => {
  it('keep a replica waiting for its fork (diskless delay) and for a disk BGSAVE from timing out', () => {
    for (const config of [{ 'repl-diskless-sync-delay': 5 }, { 'repl-diskless-sync': 'no', 'rdb-key-save-delay': 1_000_000 }]) {
      const w = world({ config: { ...quiet, 'repl-timeout': 2, ...config }, nodes: { m: {}, r: {} } });
      fill(w, 'm', 5, 10); // a 5 s BGSAVE with rdb-key-save-delay
      w.command('r', ['REPLICAOF', 'm', '6379']);
      expect(w.waitSync(20 * SEC)).toBe(true);
      expect(events(w, 'redis.timeout', 'r')).toEqual([]);
      expect(f(w, 'm', 'sync_full')).toBe(1);
    }
  });

  it('are not sent to an online replica: with no writes and no PINGs it times out its master', () => {
    const w = world({ config: { ...quiet, 'repl-timeout': 3 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.runFor(6 * SEC);
    expect(events(w, 'redis.timeout', 'r').map((e) => e.what)).toEqual(['master: no data nor PING received']);
  });
});

describe('good replicas and SHUTDOWN', () => {
  it('min-replicas-to-write counts online replicas only: one waiting for its fork is not good', () => {
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 30, 'min-replicas-to-write': 1, 'min-replicas-max-lag': 10 }, nodes: { m: {}, r: {} } });
    w.command('r', ['REPLICAOF', 'm', '6379']);
    w.runFor(3 * SEC);
    expect(f(w, 'm', 'min_slaves_good_slaves')).toBe(0);
    expect(String(w.command('m', ['SET', 'a', '1']))).toMatch(/NOREPLICAS/);
  });

  it('a replica is good while its lag is at most min-replicas-max-lag whole seconds', () => {
    const w = world({ config: { ...quiet, 'min-replicas-to-write': 1, 'min-replicas-max-lag': 2 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.runFor(2 * SEC);
    w.pause('r', 10 * SEC);
    const conn = w.node('m').masterSide.replicas[0]!;
    expect(w.runUntil(() => f(w, 'm', 'min_slaves_good_slaves') === 0, 8 * SEC)).toBe(true);
    // the refresh that found it bad is the first with a lag over 2 (the crons are a second apart)
    expect(Math.floor(w.sched.nowUs / SEC) - Math.floor(conn.ackTimeUs / SEC)).toBe(3);
  });

  it('SHUTDOWN waits while any online replica lags, not only the first', () => {
    const w = world({ config: quiet, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.runFor(2 * SEC);
    w.pause(w.node('m').masterSide.replicas[1]!.peer, 3 * SEC);
    w.command('m', ['SET', 'a', '1']);
    const t0 = w.sched.nowUs;
    w.callAndWait('m', ['SHUTDOWN', 'NOSAVE']);
    expect(w.sched.nowUs - t0).toBeGreaterThan(2 * SEC);
  });
});

describe('the replication info in an RDB', () => {
  const startEvent = (w: W, node: string, from: number) => events(w, 'redis.start', node, from)[0]!;

  it('a master without a backlog saves none; one with a backlog saves the db its stream selected', () => {
    const alone = world({ config: quiet, nodes: { m: {} } });
    alone.command('m', ['SET', 'a', '1']);
    alone.command('m', ['SAVE']);
    alone.crash('m');
    let t = mark(alone);
    alone.restart('m');
    expect(startEvent(alone, 'm', t).rdb_repl_id).toBe(null);

    // m saves at offset X in db 5; writes more there; r, promoted, serves m (restarted from the RDB) from X
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['SELECT', '5']);
    w.command('m', ['SET', 'a', '1']);
    w.command('m', ['SAVE']);
    w.command('m', ['SET', 'b', '1']); // no SELECT: the stream is still in db 5
    expect(w.waitSync()).toBe(true);
    w.crash('m');
    w.command('r', ['REPLICAOF', 'NO', 'ONE']);
    t = mark(w);
    w.restart('m', { replicaof: 'r' });
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'r', 'sync_partial_ok')).toBe(1);
    expect(w.node('m').ds.entry(5, 'b')?.value).toBe('1');
  });

  it('a master restarted with keys found expired streams their DELs at its restored offset', () => {
    const w = world({ config: { ...quiet, save: '3600 1' }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    for (let i = 0; i < 3; i++) w.command('m', ['SET', `k${i}`, 'v', 'PX', '10']);
    w.runFor(20 * MS);
    expect(w.waitSync()).toBe(true);
    w.callAndWait('m', ['SHUTDOWN']);
    const o = events(w, 'redis.save', 'm').at(-1)!.repl_offset!; // SHUTDOWN's RDB (after its GETACK)
    const t = mark(w);
    w.restart('m');
    const stream = events(w, 'redis.stream', 'm', t).map((e) => [e.start, e.bytes]);
    // SELECT 0 (23 bytes), then DEL ki (21 bytes each), from the offset the RDB recorded
    expect(stream).toEqual([[o + 1, 23], [o + 24, 21], [o + 45, 21], [o + 66, 21]]);
  });
});

describe('accepted connections', () => {
  it('a replica\'s connection is a normal client until its PSYNC, and gone once it closes', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: {} } });
    w.command('r', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => w.node('r').replicaSide.handshake?.step === 'replconf', SEC)).toBe(true); // m answered its PING
    w.command('r', ['REPLICAOF', 'NO', 'ONE']);
    w.runFor(10 * MS);
    expect(w.command('m', ['CLIENT', 'KILL', 'TYPE', 'normal'])).toBe(0);
    w.command('r', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => w.node('r').replicaSide.handshake?.step === 'replconf', SEC)).toBe(true);
    expect(w.command('m', ['CLIENT', 'KILL', 'TYPE', 'normal'])).toBe(1);
    expect(w.waitSync()).toBe(true);
    expect(w.command('m', ['CLIENT', 'KILL', 'TYPE', 'normal'])).toBe(0);
  });
});
