// Integer arguments as Redis 7.0.15 reads them (string2ll(), sim/redis/ints.ts), and which error
// each command gives: the replies in test/support/refusals.ts were measured on redis-server 7.0.15,
// and test/real/refusals.test.ts plays the same commands on both.
import { describe, expect, it } from 'vitest';
import { world } from '../support/redis.js';
import { FAILOVER_ARG_CASES, INTEGER_ARG_CASES } from '../support/refusals.js';

describe('integer arguments, as redis-server 7.0.15 reads them', () => {
  it('SELECT and WAIT: what each refuses, and with which error', () => {
    const w = world({ nodes: { p: {} } });
    const got = INTEGER_ARG_CASES.map(([args]) => [args, w.callAndWait('p', args)]);
    expect(got).toEqual(INTEGER_ARG_CASES);
  });

  it('a refused SELECT leaves the db as it was', () => {
    const w = world({ nodes: { p: {} } });
    w.callAndWait('p', ['SELECT', '3']);
    w.callAndWait('p', ['SET', 'k', 'v']);
    for (const bad of ['03', '+3', '16', '-1', 'x']) w.callAndWait('p', ['SELECT', bad]);
    expect(w.callAndWait('p', ['GET', 'k'])).toBe('v');
  });

  it('FAILOVER: its options once each, TIMEOUT and the port as integers, with its errors', () => {
    const w = world({ nodes: { p: {}, r: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    const got = FAILOVER_ARG_CASES.map(([args]) => [args, w.callAndWait('p', args)]);
    expect(got).toEqual(FAILOVER_ARG_CASES);
    expect(w.info('p').master_failover_state).toBe('no-failover');
  });

  it('FAILOVER on a node already failing over (now a replica of its target): "already in progress" comes first', () => {
    const w = world({ nodes: { p: {}, r: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    w.pause('r', 5_000_000); // r will not answer the PSYNC ... FAILOVER for a while
    expect(w.callAndWait('p', ['FAILOVER', 'TO', 'r', '6379', 'TIMEOUT', '10000'])).toBe('OK');
    expect(w.runUntil(() => w.info('p').master_failover_state === 'failover-in-progress', 3_000_000)).toBe(true);
    expect(w.callAndWait('p', ['FAILOVER'])).toEqual({ message: 'ERR FAILOVER already in progress.' });
  });
});
