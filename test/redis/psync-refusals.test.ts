// syncCommand() (sim/redis/psync.ts) before the decision: the PSYNCs a node refuses, with Redis
// 7.0.15's replies, and the counters a decision moves (sync_partial_err counts only the PSYNCs that
// asked to continue: not "PSYNC ? -1"). Sent over a plain connection, as redis-cli would.
import { describe, expect, it } from 'vitest';
import { world, f, rawCommands, SEC } from '../support/redis.js';
import type { Reply } from '../../sim/redis/reply.js';
import { LOADING_REPLIES, simLoadingReplies } from '../support/refusals.js';
import type { World } from '../../sim/cluster/world.js';

const psync = (w: World, to: string, args: string[]): Reply | null => rawCommands(w, to, [['PSYNC', ...args]])[0]!;

const setup = () => {
  const w = world({ nodes: { p: {}, r1: { replicaof: 'p' } } });
  expect(w.waitSync()).toBe(true);
  return w;
};

describe('PSYNC refused before the decision', () => {
  it('an offset that is not an integer', () => {
    const w = setup();
    // string2ll(): no '+', no spaces, no leading zero, within 64 bits (measured on 7.0.15)
    for (const off of ['x', '12a', 'a12', '1.5', '', '01', '-0', '00', '+1', ' 1', '9223372036854775808', '-9223372036854775809']) {
      expect(psync(w, 'p', ['?', off]), `offset ${JSON.stringify(off)}`).toEqual({ message: 'ERR value is not an integer or out of range' });
    }
    expect(f(w, 'p', 'sync_full')).toBe(1); // r1's first sync only
    // the 64-bit limits themselves are offsets (out of the backlog's range: a full sync, answered
    // when the diskless sync starts, 5 s later)
    for (const off of ['9223372036854775807', '-9223372036854775808']) expect(String(psync(setup(), 'p', ['?', off])), off).toMatch(/^FULLRESYNC /);
  });

  it('a node loading the RDB of its full sync: PING and every PSYNC get -LOADING, before the failover and master-link checks; REPLCONF and SELECT are served', () => {
    expect(simLoadingReplies()).toEqual(LOADING_REPLIES);
  });

  it('PSYNC ... FAILOVER to a master, or with an id that is not the replica\'s', () => {
    const w = setup();
    const replid = f(w, 'p', 'master_replid') as string;
    expect(psync(w, 'p', [replid, '1', 'FAILOVER'])).toEqual({ message: "ERR PSYNC FAILOVER can't be sent to a master." });
    expect(psync(w, 'r1', ['c'.repeat(40), '1', 'failover'])).toEqual({ message: 'ERR PSYNC FAILOVER replid must match my replid.' });
    expect(f(w, 'r1', 'role')).toBe('slave');
  });

  it('a master that is failing over (FAILOVER waits for its replica to catch up): -NOMASTERLINK', () => {
    const w = setup();
    w.call('p', ['SET', 'k', 'v']);
    w.pause('r1', 5 * SEC); // r1 cannot acknowledge the write: the failover waits for it
    expect(w.call('p', ['FAILOVER', 'TIMEOUT', '3000'])).toBe('OK');
    w.runFor(100_000);
    expect(f(w, 'p', 'master_failover_state')).toBe('waiting-for-sync');
    expect(psync(w, 'p', ['?', '-1'])).toEqual({ message: "NOMASTERLINK Can't SYNC while failing over" });
    expect(f(w, 'p', 'sync_full')).toBe(1);
  });

  it('a replica whose master link is down', () => {
    const w = setup();
    w.crash('p');
    w.runUntil(() => f(w, 'r1', 'master_link_status') === 'down', 120 * SEC);
    expect(psync(w, 'r1', ['?', '-1'])).toEqual({ message: "NOMASTERLINK Can't SYNC while not connected with my master" });
  });
});

describe('what a decision counts', () => {
  it('a full resync asked for with "?" is not a failed partial one; a mismatched id is', () => {
    const w = setup();
    const before = [f(w, 'p', 'sync_full'), f(w, 'p', 'sync_partial_err')];
    psync(w, 'p', ['?', '-1']);
    expect([f(w, 'p', 'sync_full'), f(w, 'p', 'sync_partial_err')]).toEqual([(before[0] as number) + 1, before[1]]);
    psync(w, 'p', ['c'.repeat(40), '1']);
    expect([f(w, 'p', 'sync_full'), f(w, 'p', 'sync_partial_err')]).toEqual([(before[0] as number) + 2, (before[1] as number) + 1]);
  });

  it('a new replica takes a new replication id only when the master has no backlog yet', () => {
    const w = setup();
    const replid = f(w, 'p', 'master_replid');
    psync(w, 'p', ['?', '-1']); // a second replica
    w.runFor(2 * SEC);
    expect(f(w, 'p', 'master_replid')).toBe(replid);
    // the replicas leave; the backlog stays (repl-backlog-ttl 3600): the next first replica keeps the id
    w.command('r1', ['REPLICAOF', 'NO', 'ONE']);
    w.runFor(70 * SEC);
    expect(f(w, 'p', 'connected_slaves')).toBe(0);
    expect(f(w, 'p', 'repl_backlog_active')).toBe(1);
    psync(w, 'p', ['?', '-1']);
    w.runFor(2 * SEC);
    expect(f(w, 'p', 'master_replid')).toBe(replid);
    // a master that never had a replica has no backlog: its first one starts a new history
    const q = world({ nodes: { q: {} } });
    const before = f(q, 'q', 'master_replid');
    expect(f(q, 'q', 'repl_backlog_active')).toBe(0);
    psync(q, 'q', ['?', '-1']);
    expect(f(q, 'q', 'master_replid')).not.toBe(before);
  });
});
