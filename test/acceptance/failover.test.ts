// Ported from Redis's tests/integration/failover.tcl: coordinated FAILOVER. Roles swap, the state
// returns to no-failover and the other nodes follow by partial sync; an aborted one leaves the old
// master a master with a new replid.
import { describe, expect, it } from 'vitest';
import { world, f, counters, expectConverged, startWriter, SEC, MS } from '../support/redis.js';
import { isError } from '../../sim/redis/reply.js';

function three() {
  const w = world({ config: { save: '' }, nodes: { node_0: {}, node_1: { replicaof: 'node_0' }, node_2: { replicaof: 'node_0' } } });
  expect(w.waitSync()).toBe(true);
  return w;
}

describe('FAILOVER', () => {
  it('argument errors', () => {
    const w = world({ config: { save: '' }, nodes: { a: {}, b: {} } });
    const msg = (r: unknown) => (isError(r) ? r.message : r);
    expect(msg(w.command('a', ['FAILOVER']))).toBe('ERR FAILOVER requires connected replicas.');
    w.call('b', ['REPLICAOF', 'a']);
    expect(w.waitSync()).toBe(true);
    expect(msg(w.command('b', ['FAILOVER']))).toBe('ERR FAILOVER is not valid when server is a replica.');
    expect(msg(w.command('a', ['FAILOVER', 'TO', 'nobody']))).toBe('ERR FAILOVER target HOST and PORT is not a replica.');
    expect(msg(w.command('a', ['FAILOVER', 'FORCE', 'TIMEOUT', '10']))).toMatch(/requires both a timeout and target/);
    expect(msg(w.command('a', ['FAILOVER', 'ABORT']))).toBe('ERR No failover in progress.');
  });

  it('to a specific replica: roles swap, the target serves two partial syncs and no full sync', () => {
    const w = three();
    const t0 = w.sched.nowUs;
    startWriter(w, 'node_0', { everyUs: 10 * MS, untilUs: t0 + 2 * SEC });
    w.sched.at(t0 + 500 * MS, () => w.pause('node_1', 1 * SEC), null);
    w.runFor(2 * SEC);
    const before = counters(w, ['node_1']).node_1!;
    expect(w.command('node_0', ['FAILOVER', 'TO', 'node_1'])).toBe('OK');
    expect(f(w, 'node_0', 'master_failover_state')).toBe('waiting-for-sync');
    expect(w.runUntil(() => f(w, 'node_0', 'master_failover_state') === 'no-failover', 10 * SEC)).toBe(true);
    w.call('node_2', ['REPLICAOF', 'node_1']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    expect([f(w, 'node_0', 'role'), f(w, 'node_1', 'role'), f(w, 'node_2', 'role')]).toEqual(['slave', 'master', 'slave']);
    const after = counters(w, ['node_1']).node_1!;
    expect(after.ok - before.ok).toBe(2);
    expect(after.full - before.full).toBe(0);
    expectConverged(w, ['node_1', 'node_0', 'node_2']);
  });

  it('to any replica: the first one to catch up is chosen', () => {
    const w = three();
    w.pause('node_1', 5 * SEC);
    w.call('node_0', ['SET', 'case', '1']);
    expect(w.command('node_0', ['FAILOVER'])).toBe('OK');
    expect(w.runUntil(() => f(w, 'node_0', 'master_failover_state') === 'no-failover', 4 * SEC)).toBe(true);
    expect(f(w, 'node_2', 'role')).toBe('master');
    expect(f(w, 'node_0', 'master_host')).toBe('node_2');
    w.runFor(5 * SEC);
    w.call('node_1', ['REPLICAOF', 'node_2']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['node_2']).node_2).toEqual({ full: 0, ok: 2, err: 0 });
    expectConverged(w, ['node_2', 'node_0', 'node_1']);
  });

  it('with force: the timeout expires, the master fails over anyway, never two masters', () => {
    const w = three();
    w.pause('node_1', 2 * SEC);
    w.call('node_0', ['SET', 'case', '2']);
    expect(w.command('node_0', ['FAILOVER', 'TO', 'node_1', 'TIMEOUT', '100', 'FORCE'])).toBe('OK');
    let twoMasters = false;
    const masters = () => ['node_0', 'node_1', 'node_2'].filter((n) => f(w, n, 'role') === 'master').length;
    expect(w.runUntil(() => {
      if (masters() > 1) twoMasters = true;
      return f(w, 'node_0', 'master_failover_state') === 'failover-in-progress';
    }, 300 * MS)).toBe(true);
    expect(f(w, 'node_0', 'role')).toBe('slave');
    expect(w.runUntil(() => {
      if (masters() > 1) twoMasters = true;
      return f(w, 'node_0', 'master_failover_state') === 'no-failover';
    }, 5 * SEC)).toBe(true);
    expect(twoMasters).toBe(false);
    w.call('node_2', ['REPLICAOF', 'node_1']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'node_1', 'role')).toBe('master');
    expect(counters(w, ['node_1']).node_1).toEqual({ full: 0, ok: 2, err: 0 });
    expectConverged(w, ['node_1', 'node_0', 'node_2']);
  });

  it('a timeout aborts when the replica never catches up: roles unchanged, no syncs', () => {
    const w = three();
    const before = counters(w, ['node_0']).node_0;
    w.pause('node_1', 3 * SEC);
    w.call('node_0', ['SET', 'case', '3']);
    expect(w.command('node_0', ['FAILOVER', 'TO', 'node_1', 'TIMEOUT', '500'])).toBe('OK');
    w.runFor(600 * MS);
    expect(f(w, 'node_0', 'master_failover_state')).toBe('no-failover');
    expect(f(w, 'node_0', 'role')).toBe('master');
    w.runFor(3 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['node_0']).node_0).toEqual(before);
    expectConverged(w, ['node_0', 'node_1', 'node_2']);
  });

  it('can be aborted; writes wait during the failover and run after the abort', () => {
    const w = three();
    w.pause('node_1', 5 * SEC);
    w.pause('node_2', 5 * SEC);
    w.call('node_0', ['SET', 'a', '1']);
    expect(w.command('node_0', ['FAILOVER', 'TO', 'node_1', 'TIMEOUT', '60000'])).toBe('OK');
    w.runFor(100 * MS);
    expect(f(w, 'node_0', 'master_failover_state')).toBe('waiting-for-sync');
    expect(w.command('node_0', ['GET', 'a'])).toBe('1');
    let reply: unknown = 'pending';
    // from a second connection, as Redis's test does (a deferring client): the paused SET blocks
    // its own client, whose later commands wait behind it
    const rd = w.node('node_0').createClient();
    w.node('node_0').call(rd, ['SET', 'b', '2'], (r) => (reply = r));
    w.runFor(100 * MS);
    expect(reply).toBe('pending');
    expect(w.command('node_0', ['FAILOVER', 'ABORT'])).toBe('OK');
    expect(f(w, 'node_0', 'master_failover_state')).toBe('no-failover');
    expect(reply).toBe('OK');
    w.runFor(6 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['node_0']).node_0).toEqual({ full: 2, ok: 0, err: 0 });
    expectConverged(w, ['node_0', 'node_1', 'node_2']);
  });
});
