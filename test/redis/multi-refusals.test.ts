// processCommand()'s refusals inside MULTI at 7.0.15, each measured on a real redis-server 7.0.15:
// a write postponed by a FAILOVER's pause blocks its client (what the client sends next waits behind
// it), and when the pause ends with the node demoted the queued writes are refused with READONLY,
// which flags the transaction: EXEC aborts. (NOREPLICAS, READONLY, unknown commands and arity
// errors while queueing are compared with a real server in test/real/mismatches.test.ts.)
import { describe, expect, it } from 'vitest';
import { world, SEC } from '../support/redis.js';
import { PENDING } from '../../sim/redis/dispatch.js';
import { isError, type Reply } from '../../sim/redis/reply.js';

describe('MULTI during a FAILOVER pause', () => {
  it('the queued write waits for the pause, is refused with READONLY after the demotion, and EXEC aborts; a read sent after waits too', () => {
    const w = world({ config: { save: '', 'repl-ping-replica-period': 3600 }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.runFor(1200 * 1000);
    w.pause('r', 2 * SEC);
    w.command('m', ['SET', 'b', '1']);
    expect(w.call('m', ['FAILOVER', 'TO', 'r', 6379, 'TIMEOUT', 10000])).toBe('OK');
    w.runFor(200 * 1000);
    expect(w.info('m').master_failover_state).toBe('waiting-for-sync');
    const replies: [string, Reply][] = [];
    const send = (...args: (string | number)[]) => {
      const text = (x: Reply) => (isError(x) ? `-${x.message}` : x);
      const r = w.call('m', args, (x) => replies.push([String(args[0]), text(x)]));
      if (r !== PENDING) replies.push([String(args[0]), text(r)]);
    };
    send('MULTI');
    send('SET', 'c', '1');
    send('INCR', 'n');
    send('EXEC');
    send('GET', 'c');
    expect(replies).toEqual([['MULTI', 'OK']]); // everything after it waits
    expect(w.runUntil(() => replies.length === 5, 5 * SEC)).toBe(true);
    expect(w.info('m').role).toBe('slave');
    expect(replies.slice(1)).toEqual([
      ['SET', "-READONLY You can't write against a read only replica."],
      ['INCR', "-READONLY You can't write against a read only replica."],
      ['EXEC', '-EXECABORT Transaction discarded because of previous errors.'],
      ['GET', null],
    ]);
  });
});

describe('commands MULTI does not take', () => {
  it('SAVE and SHUTDOWN inside MULTI are refused and flag the transaction (measured on a real 7.0.15)', () => {
    const w = world({ config: { save: '' }, nodes: { m: {} } });
    const replies = [['MULTI'], ['SAVE'], ['SET', 'a', '1'], ['EXEC'], ['MULTI'], ['SHUTDOWN'], ['EXEC'], ['GET', 'a']].map((a) => {
      const r = w.command('m', a);
      return isError(r) ? `-${r.message}` : r;
    });
    expect(replies).toEqual([
      'OK', '-ERR Command not allowed inside a transaction', 'QUEUED', '-EXECABORT Transaction discarded because of previous errors.',
      'OK', '-ERR Command not allowed inside a transaction', '-EXECABORT Transaction discarded because of previous errors.',
      null,
    ]);
    expect(w.isRunning('m')).toBe(true);
  });
});
