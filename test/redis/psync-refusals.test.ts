// syncCommand() (sim/redis/psync.ts) before the decision: the PSYNCs a node refuses, with Redis
// 7.0.15's replies, and the counters a decision moves (sync_partial_err counts only the PSYNCs that
// asked to continue: not "PSYNC ? -1"). Sent over a plain connection, as redis-cli would.
import { describe, expect, it } from 'vitest';
import { world, f, SEC } from '../support/redis.js';
import { RespConnection } from '../../sim/clients/connection.js';
import type { Reply } from '../../sim/redis/reply.js';
import type { World } from '../../sim/cluster/world.js';

function psync(w: World, to: string, args: string[]): Reply | null {
  if (!w.net.hostNames().includes('cli')) w.net.addHost('cli');
  const c = new RespConnection(w.net, 'cli', to, 5 * SEC, {});
  let out: Reply | null | undefined;
  c.command(['PSYNC', ...args], (r) => (out = r));
  w.runUntil(() => out !== undefined, 5 * SEC);
  return out ?? null;
}

const setup = () => {
  const w = world({ nodes: { p: {}, r1: { replicaof: 'p' } } });
  expect(w.waitSync()).toBe(true);
  return w;
};

describe('PSYNC refused before the decision', () => {
  it('an offset that is not an integer', () => {
    const w = setup();
    for (const off of ['x', '12a', 'a12', '1.5', '']) expect(psync(w, 'p', ['?', off]), `offset ${JSON.stringify(off)}`).toEqual({ message: 'ERR value is not an integer or out of range' });
    expect(f(w, 'p', 'sync_full')).toBe(1); // r1's first sync only
  });

  it('PSYNC ... FAILOVER to a master, or with an id that is not the replica\'s', () => {
    const w = setup();
    const replid = f(w, 'p', 'master_replid') as string;
    expect(psync(w, 'p', [replid, '1', 'FAILOVER'])).toEqual({ message: "ERR PSYNC FAILOVER can't be sent to a master." });
    expect(psync(w, 'r1', ['c'.repeat(40), '1', 'failover'])).toEqual({ message: 'ERR PSYNC FAILOVER replid must match my replid.' });
    expect(f(w, 'r1', 'role')).toBe('slave');
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
