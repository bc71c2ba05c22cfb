// WAIT's queue (sim/redis/wait.ts) in time, not only in its final count: a waiter is answered as soon
// as enough replicas acknowledged (not at its timeout), at its timeout when they do not, never
// before; WAIT ... 0 waits for ever; one REPLCONF GETACK per event-loop turn however many clients
// wait; a master that becomes a replica unblocks its waiters with an error; a freed client's wait
// is dropped with its timer.
import { describe, expect, it } from 'vitest';
import { world, f, SEC, MS } from '../support/redis.js';
import type { Reply } from '../../sim/redis/reply.js';
import { PENDING } from '../../sim/redis/dispatch.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600 };
const pair = (nodes: Record<string, { replicaof?: string }> = { m: {}, r: { replicaof: 'm' } }) => {
  const w = world({ config: quiet, nodes });
  expect(w.waitSync()).toBe(true);
  return w;
};

/** WAIT from a client of its own on `node`: when it was answered (µs) and with what. */
function wait(w: ReturnType<typeof pair>, node: string, numReplicas: number, timeoutMs: number) {
  const n = w.node(node);
  const client = n.createClient();
  const out: { at: number; reply: Reply } [] = [];
  const r = n.call(client, ['SET', `k${client.id}`, 'v']);
  expect(r).toBe('OK');
  const started = w.sched.nowUs;
  const p = n.call(client, ['WAIT', String(numReplicas), String(timeoutMs)], (reply) => out.push({ at: w.sched.nowUs - started, reply }));
  expect(p).toBe(PENDING);
  return { out, client, node: n };
}

describe('WAIT in time', () => {
  it('is answered as soon as the replica acknowledges (a round trip), long before its timeout', () => {
    const w = pair();
    const a = wait(w, 'm', 1, 5000);
    w.runFor(100 * MS);
    expect(a.out).toHaveLength(1);
    expect(a.out[0]!.reply).toBe(1);
    expect(a.out[0]!.at).toBeLessThan(20 * MS);
    w.runFor(6 * SEC);
    expect(a.out).toHaveLength(1); // its timeout does not answer it a second time
  });

  it('is answered at its timeout, and not before, when too few replicas acknowledge', () => {
    const w = pair();
    const a = wait(w, 'm', 2, 300);
    w.runFor(299 * MS);
    expect(a.out).toEqual([]);
    w.runFor(2 * MS);
    expect(a.out.map((x) => x.reply)).toEqual([1]);
    expect(a.out[0]!.at).toBe(300 * MS);
  });

  it('WAIT n 0 waits for ever: a paused replica answers it when it resumes', () => {
    const w = pair();
    w.pause('r', 20 * SEC);
    const a = wait(w, 'm', 1, 0);
    w.runFor(15 * SEC);
    expect(a.out).toEqual([]);
    w.runFor(10 * SEC);
    expect(a.out.map((x) => x.reply)).toEqual([1]);
    expect(a.out[0]!.at).toBeGreaterThanOrEqual(20 * SEC);
  });

  it('sends one REPLCONF GETACK * (37 bytes) for all the clients that wait in one turn', () => {
    const w = pair();
    const before = f(w, 'm', 'master_repl_offset') as number;
    const a = wait(w, 'm', 1, 1000);
    const b = wait(w, 'm', 1, 1000);
    const sets = (f(w, 'm', 'master_repl_offset') as number) - before; // the two SETs
    w.runFor(100 * MS);
    expect([a.out[0]?.reply, b.out[0]?.reply]).toEqual([1, 1]);
    expect((f(w, 'm', 'master_repl_offset') as number) - before - sets).toBe(37);
    // the next turn with a waiter asks again
    const c = wait(w, 'm', 1, 1000);
    const afterC = f(w, 'm', 'master_repl_offset') as number;
    w.runFor(100 * MS);
    expect(c.out[0]?.reply).toBe(1);
    expect(f(w, 'm', 'master_repl_offset')).toBe(afterC + 37);
  });

  it('no GETACK when every waiter of the turn is gone before the turn ends', () => {
    const w = pair();
    const a = wait(w, 'm', 1, 1000);
    const off = f(w, 'm', 'master_repl_offset') as number;
    a.node.freeClient(a.client);
    w.runFor(100 * MS);
    expect(f(w, 'm', 'master_repl_offset')).toBe(off);
    expect(a.out).toEqual([]);
  });

  it('a master that becomes a replica unblocks its waiters with an error', () => {
    const w = pair({ m: {}, r: { replicaof: 'm' }, x: {} });
    w.pause('r', 10 * SEC);
    const a = wait(w, 'm', 1, 0);
    const b = wait(w, 'm', 1, 5000);
    w.runFor(10 * MS);
    w.command('m', ['REPLICAOF', 'x', '6379']);
    expect(a.out.map((x) => x.reply)).toEqual([{ message: 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)' }]);
    expect(b.out.map((x) => x.reply)).toEqual([{ message: 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)' }]);
    w.runFor(6 * SEC);
    expect(b.out).toHaveLength(1); // its timer went with it
  });

  it('a freed client\'s wait ends without a reply, its timer with it; the others still wait', () => {
    const w = pair();
    w.pause('r', 10 * SEC);
    const a = wait(w, 'm', 1, 500);
    const b = wait(w, 'm', 1, 500);
    const c = wait(w, 'm', 1, 500);
    w.runFor(10 * MS);
    b.node.freeClient(b.client); // the one in the middle
    w.runFor(SEC);
    expect(b.out).toEqual([]);
    expect(a.out.map((x) => x.reply)).toEqual([0]);
    expect(c.out.map((x) => x.reply)).toEqual([0]);
  });
});
