// WAIT (tests/unit/wait.tcl), min-replicas-to-write (replication-2.tcl), SHUTDOWN waiting for
// lagging replicas (shutdown.tcl) and the replica output-buffer limit (replication-buffer.tcl).
import { describe, expect, it } from 'vitest';
import { world, f, SEC, MS } from '../support/redis.js';
import { isError } from '../../sim/redis/reply.js';
import { RDB_FILENAME, type RdbSnapshot } from '../../sim/redis/rdb.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600 };
const pair = (extra: Record<string, unknown> = {}) => {
  const w = world({ config: { ...quiet, ...extra }, nodes: { m: {}, r: { replicaof: 'm' } } });
  expect(w.waitSync()).toBe(true);
  return w;
};

describe('min-replicas-to-write: the good-replica count of the last refresh', () => {
  it('a write is refused exactly when the count replicationCron (or a replica going online or away) left is too low, never recounted per command', () => {
    // checkGoodReplicasStatus() reads repl_good_slaves_count; refreshGoodSlavesCount() runs once a
    // second: between the second the last ACK grows too old and the next refresh, writes still pass
    const w = pair({ 'min-replicas-to-write': 1, 'min-replicas-max-lag': 2 });
    w.runFor(1200 * MS);
    w.pause('r', 6 * SEC);
    let refusedAt = -1;
    for (let i = 0; i < 700 && refusedAt < 0; i++) {
      const good = w.info('m').min_slaves_good_slaves;
      const r = w.command('m', ['SET', `k${i}`, 'v']);
      expect(isError(r), `at ${w.sched.nowUs} µs with min_slaves_good_slaves ${good}`).toBe(good === 0);
      if (isError(r)) refusedAt = w.sched.nowUs;
      w.runFor(10 * MS);
    }
    expect(refusedAt).toBeGreaterThan(0);
  });
});

describe('WAIT', () => {
  it('on a master with a backlog and no replica still adds REPLCONF GETACK * (37 bytes) to the stream', () => {
    // waitCommand() blocks and replicationRequestAckFromSlaves(); replicationFeedSlaves() returns early
    // only when there is neither a replica nor a backlog (a real 7.0.15 went from offset 50 to 87)
    const w = pair();
    w.command('m', ['SET', 'k', '1']);
    expect(w.waitSync()).toBe(true);
    w.command('r', ['REPLICAOF', 'NO', 'ONE']);
    expect(w.runUntil(() => w.node('m').masterSide.replicas.length === 0, SEC)).toBe(true);
    const off = f(w, 'm', 'master_repl_offset') as number;
    expect(w.callAndWait('m', ['WAIT', '1', '100'])).toBe(0);
    expect(f(w, 'm', 'master_repl_offset')).toBe(off + 37);
    // without a backlog there is nothing to feed
    const alone = world({ config: quiet, nodes: { m: {} } });
    alone.command('m', ['SET', 'k', '1']);
    expect(alone.callAndWait('m', ['WAIT', '1', '100'])).toBe(0);
    expect(f(alone, 'm', 'master_repl_offset')).toBe(0);
  });

  it('counts the replicas that acknowledged the client\'s last write', () => {
    const w = pair();
    w.call('m', ['SET', 'foo', '0']);
    for (let i = 0; i < 3; i++) w.call('m', ['INCR', 'foo']);
    expect(w.callAndWait('m', ['WAIT', '1', '5000'])).toBe(1);
    expect(w.command('r', ['GET', 'foo'])).toBe('3');
    const t = w.sched.nowUs;
    expect(w.callAndWait('m', ['WAIT', '2', '1000'])).toBe(1);
    expect(w.sched.nowUs - t).toBeGreaterThanOrEqual(1000 * MS);
  });

  it('a paused replica does not acknowledge: 0 until it resumes', () => {
    const w = pair();
    w.pause('r', 2 * SEC);
    w.call('m', ['SET', 'x', '1']);
    expect(w.callAndWait('m', ['WAIT', '1', '1000'])).toBe(0);
    w.runFor(2 * SEC);
    expect(w.callAndWait('m', ['WAIT', '1', '1000'])).toBe(1);
  });

  it('is refused on a replica', () => {
    const w = pair();
    const r = w.command('r', ['WAIT', '1', '0']);
    expect(isError(r) && r.message.startsWith('ERR WAIT cannot be used with replica instances')).toBe(true);
  });
});

describe('min-replicas-to-write', () => {
  it('refuses writes with NOREPLICAS when too few good replicas, and is ignored on replicas', () => {
    const w = pair();
    w.call('m', ['CONFIG', 'SET', 'min-replicas-to-write', '1']);
    w.call('m', ['CONFIG', 'SET', 'min-replicas-max-lag', '10']);
    expect(w.command('m', ['SET', 'a', '1'])).toBe('OK');
    w.call('m', ['CONFIG', 'SET', 'min-replicas-to-write', '2']);
    const r = w.command('m', ['SET', 'a', '1']);
    expect(isError(r) && r.message).toBe('NOREPLICAS Not enough good replicas to write.');
    w.call('m', ['CONFIG', 'SET', 'min-replicas-to-write', '1']);
    expect(w.command('m', ['SET', 'a', '1'])).toBe('OK');
    expect(f(w, 'm', 'min_slaves_good_slaves')).toBe(1);
    w.call('r', ['CONFIG', 'SET', 'min-replicas-to-write', '5']);
    w.call('r', ['CONFIG', 'SET', 'replica-read-only', 'no']);
    expect(w.command('r', ['SET', 'local', '1'])).toBe('OK');
  });

  it('a replica that stops acknowledging for more than max-lag makes writes fail', () => {
    const w = pair({ 'min-replicas-to-write': 1, 'min-replicas-max-lag': 2 });
    w.pause('r', 6 * SEC);
    expect(w.command('m', ['SET', 'a', '1'])).toBe('OK');
    w.runFor(4 * SEC);
    const r = w.command('m', ['SET', 'a', '2']);
    expect(isError(r) && r.code).toBe('NOREPLICAS');
    w.runFor(4 * SEC);
    expect(w.command('m', ['SET', 'a', '3'])).toBe('OK');
  });
});

describe('SHUTDOWN', () => {
  it('a master waits for a lagging replica, sends GETACK, and saves the offset including it', () => {
    const w = pair({ save: '3600 1', 'shutdown-timeout': 300 });
    w.call('m', ['SET', 'k', '1']);
    expect(w.waitSync()).toBe(true);
    w.runFor(2 * SEC); // acknowledged
    w.pause('r', 2 * SEC);
    w.call('m', ['INCR', 'k']);
    const off = f(w, 'm', 'master_repl_offset') as number;
    let done = false;
    w.call('m', ['SHUTDOWN'], () => (done = true));
    w.runFor(SEC);
    expect(done).toBe(false);
    expect(w.runUntil(() => done, 5 * SEC)).toBe(true);
    expect(w.command('r', ['GET', 'k'])).toBe('2');
    const rdb = w.net.host('m').disk.read<RdbSnapshot>(RDB_FILENAME)!.data;
    expect(rdb.repl!.replOffset).toBe(off + 37);
  });

  it('gives up after shutdown-timeout when the replica never acknowledges', () => {
    const w = pair({ 'shutdown-timeout': 1 });
    w.call('m', ['SET', 'k', '1']);
    expect(w.waitSync()).toBe(true);
    w.pause('r', 3 * SEC);
    w.call('m', ['INCR', 'k']);
    let done = false;
    const t0 = w.sched.nowUs;
    w.call('m', ['SHUTDOWN', 'NOSAVE'], () => (done = true));
    expect(w.runUntil(() => done, 1500 * MS)).toBe(true);
    // serverCron checks shutdown_mstime: the first of its runs (100 ms apart) from the deadline on
    const waited = w.sched.nowUs - t0;
    expect(waited).toBeGreaterThanOrEqual(1 * SEC);
    expect(waited).toBeLessThan(1 * SEC + 100 * MS);
    expect(w.isRunning('m')).toBe(false);
  });

  it('waits for a replica in any state, here one still waiting for its RDB (isReadyToShutdown())', () => {
    // r1 in sync gives m an offset; r2's ACK offset is 0 until it is online
    const w = world({ config: { ...quiet, 'repl-diskless-sync-delay': 30, 'shutdown-timeout': 2 }, nodes: { m: {}, r1: { replicaof: 'm' }, r: {} } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['SET', 'k', '1']);
    w.runFor(2 * SEC);
    w.command('r', ['REPLICAOF', 'm', '6379']);
    expect(w.runUntil(() => w.node('m').masterSide.replicas.some((c) => c.replState === 'wait_bgsave_start'), SEC)).toBe(true);
    let done = false;
    const t0 = w.sched.nowUs;
    w.call('m', ['SHUTDOWN', 'NOSAVE'], () => (done = true));
    expect(w.runUntil(() => done, 3 * SEC)).toBe(true);
    expect(w.sched.nowUs - t0).toBeGreaterThanOrEqual(2 * SEC);
  });

  it('a replica with a lagging sub-replica waits for it too, and ends at the cron after its ACK', () => {
    const w = world({ config: { ...quiet, 'shutdown-timeout': 10 }, nodes: { m: {}, r: { replicaof: 'm' }, rr: { replicaof: 'r' } } });
    expect(w.waitSync()).toBe(true);
    w.runFor(2 * SEC);
    w.pause('rr', 2 * SEC);
    w.command('m', ['SET', 'k', '1']);
    w.runFor(10 * MS); // r has it and proxied it; rr has not acknowledged it
    const rOff = f(w, 'r', 'master_repl_offset');
    let done = false;
    const t0 = w.sched.nowUs;
    w.call('r', ['SHUTDOWN', 'NOSAVE'], () => (done = true));
    expect(f(w, 'r', 'master_repl_offset')).toBe(rOff); // a replica adds no GETACK to its stream
    expect(w.runUntil(() => done, 5 * SEC)).toBe(true);
    const waited = w.sched.nowUs - t0;
    expect(waited).toBeGreaterThan(2 * SEC - 20 * MS); // rr acknowledges once it runs again
    expect(waited).toBeLessThan(4 * SEC);
    expect(w.command('rr', ['GET', 'k'])).toBe('1');
  });

  it('a master whose replicas are in sync shuts down at once', () => {
    const w = pair({ 'shutdown-timeout': 10 });
    w.call('m', ['SET', 'k', '1']);
    expect(w.waitSync()).toBe(true);
    w.runFor(2 * SEC);
    const t0 = w.sched.nowUs;
    w.callAndWait('m', ['SHUTDOWN']);
    expect(w.sched.nowUs).toBe(t0);
  });
});

describe('replica output-buffer limit', () => {
  /**
   * A replica joins a master holding 20,000 keys over a 1 MB/s link (a transfer of about 2 s) while
   * 500 KB/s of writes go on: far more than a 64kb output-buffer limit during the transfer.
   */
  function loadedJoin(backlog: string, hotWrites: number) {
    const w = world({
      config: { ...quiet, 'repl-diskless-sync': 'no', 'client-output-buffer-limit': '64kb 0 0', 'repl-backlog-size': backlog },
      network: { bandwidthBytesPerSec: 1_000_000 },
      nodes: { m: {}, r: { startAfterMs: 100 } },
    });
    w.runFor(200 * MS);
    for (let i = 0; i < 20_000; i++) w.call('m', ['SET', `key:${i}`, 'v'.repeat(80)]);
    w.call('r', ['REPLICAOF', 'm']);
    let n = 0;
    const tick = () => {
      w.call('m', ['SET', `hot:${n++ % 100}`, 'x'.repeat(1000)]);
      if (n < hotWrites) w.sched.after(2 * MS, tick, null);
    };
    tick();
    return w;
  }

  it('a limit smaller than what is written during the transfer drops the replica again and again (sync loop)', () => {
    const w = loadedJoin('16kb', 5000);
    w.runFor(10 * SEC);
    expect(f(w, 'm', 'sync_full') as number).toBeGreaterThanOrEqual(3);
    expect(w.events().some((e) => e.type === 'redis.replica-drop' && e.reason === 'output buffer limit reached')).toBe(true);
  });

  it('the effective hard limit is at least repl-backlog-size: a big backlog keeps the replica', () => {
    const w = loadedJoin('100mb', 2000);
    w.runFor(20 * SEC);
    expect(w.waitSync(30 * SEC)).toBe(true);
    expect(f(w, 'm', 'sync_full')).toBe(1);
  });
});
