// Commands whose replies were measured on redis-server 7.0.15, shared by the simulator's tests
// (test/redis/integer-args.test.ts, psync-refusals.test.ts) and the differential test that plays
// them on both (test/real/refusals.test.ts).
import { expect } from 'vitest';
import { world, f, rawCommands, SEC } from './redis.js';
import type { Reply } from '../../sim/redis/reply.js';

const NOT_INT = { message: 'ERR value is not an integer or out of range' };

/** Integer arguments (string2ll(), sim/redis/ints.ts): each command and its reply on a master with no replica. */
export const INTEGER_ARG_CASES: [string[], unknown][] = [
  [['SELECT', 'x'], NOT_INT],
  [['SELECT', '01'], NOT_INT],
  [['SELECT', '+1'], NOT_INT],
  [['SELECT', ''], NOT_INT],
  [['SELECT', '-1'], { message: 'ERR DB index is out of range' }],
  [['SELECT', '16'], { message: 'ERR DB index is out of range' }],
  [['SELECT', '2147483648'], { message: 'ERR value is out of range, value must between -2147483648 and 2147483647' }],
  [['SELECT', '-2147483649'], { message: 'ERR value is out of range, value must between -2147483648 and 2147483647' }],
  [['SELECT', '-2147483648'], { message: 'ERR DB index is out of range' }],
  [['SELECT', '99999999999999999999'], NOT_INT],
  [['SELECT', '15'], 'OK'],
  [['SELECT', '0'], 'OK'],
  [['WAIT', 'x', '0'], NOT_INT],
  [['WAIT', '01', '0'], NOT_INT],
  [['WAIT', '9223372036854775808', '0'], NOT_INT],
  [['WAIT', '0', 'x'], { message: 'ERR timeout is not an integer or out of range' }],
  [['WAIT', '0', '01'], { message: 'ERR timeout is not an integer or out of range' }],
  [['WAIT', '0', '-1'], { message: 'ERR timeout is negative' }],
  [['WAIT', 'x', '-1'], NOT_INT],
  [['WAIT', '-1', '0'], 0],
  [['WAIT', '0', '9223372036854775807'], 0],
  [['WAIT', '1', '1'], 0],
];

const SYNTAX = { message: 'ERR syntax error' };

/** FAILOVER's parse (failoverCommand()) on a master with one replica: each command and its reply. */
export const FAILOVER_ARG_CASES: [string[], unknown][] = [
  [['FAILOVER', 'TIMEOUT', 'x'], NOT_INT],
  [['FAILOVER', 'TIMEOUT', '01'], NOT_INT],
  [['FAILOVER', 'TIMEOUT', '9223372036854775808'], NOT_INT],
  [['FAILOVER', 'TIMEOUT', '-1'], { message: 'ERR FAILOVER timeout must be greater than 0' }],
  [['FAILOVER', 'TIMEOUT', '0'], { message: 'ERR FAILOVER timeout must be greater than 0' }],
  [['FAILOVER', 'TO', 'nosuch', 'x'], NOT_INT],
  [['FAILOVER', 'TIMEOUT', '100', 'TIMEOUT', '100'], SYNTAX],
  [['FAILOVER', 'FORCE', 'FORCE'], SYNTAX],
  [['FAILOVER', 'TO', 'nosuch', '6379', 'TO', 'nosuch', '6379'], SYNTAX],
  [['FAILOVER', 'BOGUS'], SYNTAX],
  [['FAILOVER', 'ABORT', 'x'], SYNTAX],
  [['FAILOVER', 'FORCE'], { message: 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.' }],
  [['FAILOVER', 'TO', 'nosuch', '6379'], { message: 'ERR FAILOVER target HOST and PORT is not a replica.' }],
  [['FAILOVER', 'TO', 'nosuch', '-1'], { message: 'ERR FAILOVER target HOST and PORT is not a replica.' }],
  [['FAILOVER', 'ABORT'], { message: 'ERR No failover in progress.' }],
];

const LOADING = { message: 'LOADING Redis is loading the dataset in memory' };

/**
 * What a node that is loading an RDB answers on one connection, in this order (a replica's handshake
 * and the PSYNCs it may send, then a command that has the LOADING flag). `replid` is for the FAILOVER.
 */
export const loadingCommands = (replid: string): string[][] => [['PING'], ['REPLCONF', 'listening-port', '6380'], ['PSYNC', '?', '-1'], ['SYNC'], ['PSYNC', replid, '1', 'FAILOVER'], ['SELECT', '1']];
export const LOADING_REPLIES: unknown[] = [LOADING, 'OK', LOADING, LOADING, LOADING, 'OK'];

/**
 * loadingCommands() sent to a simulated replica while it loads the RDB of its full sync (40 MB:
 * about 100 ms), its own replication id named in the FAILOVER; fails unless it was loading throughout.
 */
export function simLoadingReplies(): (Reply | null)[] {
  const w = world({ nodes: { p: {}, r1: {} } });
  const v = 'x'.repeat(1 << 20);
  for (let i = 0; i < 40; i++) w.call('p', ['SET', `big${i}`, v]);
  w.command('r1', ['REPLICAOF', 'p', '6379']);
  expect(w.runUntil(() => w.node('r1').loading, 30 * SEC), 'r1 never loaded').toBe(true);
  const replies = rawCommands(w, 'r1', loadingCommands(f(w, 'r1', 'master_replid') as string));
  expect(w.node('r1').loading, 'the load ended before the last reply').toBe(true);
  expect(f(w, 'r1', 'role')).toBe('slave'); // the FAILOVER was not taken
  expect(w.waitSync()).toBe(true);
  expect(rawCommands(w, 'r1', [['PING']])).toEqual(['PONG']);
  return replies;
}
