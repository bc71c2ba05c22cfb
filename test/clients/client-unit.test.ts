// NetClient on a bare World (no runner): queueing of operations, ids, discovery defaults, back-off
// growth, reply timeouts that close the connection, WAIT's own timeout, transactions refused while
// queueing, and the end of a run. Written against the mutants Stryker left alive in client.ts.
import { describe, expect, it } from 'vitest';
import { world, MS } from '../support/redis.js';
import type { ClientEvent, TraceEvent } from '../../sim/trace-events.js';
import type { ClientSpec, OpResult } from '../../sim/clients/client.js';

function setup(clients: Record<string, ClientSpec>, master: string | null = 'p') {
  const w = world({ config: { save: '', 'repl-diskless-sync': 'no' }, network: { latencyUs: 5000, jitterUs: 0 }, nodes: { p: {}, r: { replicaof: 'p' } }, clients });
  w.masterHint = () => master;
  expect(w.waitSync()).toBe(true);
  const ops = () => w.events().filter((e: TraceEvent): e is ClientEvent => e.type === 'client.op');
  const run = (name: string, cmds: string[][], opts = {}): OpResult => {
    let res: OpResult | null = null;
    w.netClient(name).op(cmds, opts, (r) => (res = r));
    expect(w.runUntil(() => res !== null, 10_000 * MS)).toBe(true);
    return res!;
  };
  return { w, ops, run };
}

describe('NetClient', () => {
  it('runs one operation at a time: the second starts when the first completes; ids count up', () => {
    const { w, ops } = setup({ app: { near: 'p' } });
    const c = w.netClient('app');
    const done: number[] = [];
    c.op([['SET', 'a', '1']], {}, () => done.push(1));
    c.op([['SET', 'b', '2']], {}, () => done.push(2));
    c.op([['SET', 'c', '3']], {}, () => done.push(3));
    w.runFor(200 * MS);
    expect(done).toEqual([1, 2, 3]);
    const o = ops();
    expect(o.map((x) => x.id)).toEqual([1, 2, 3]);
    expect(o[1]!.invoked).toBe(o[0]!.t);
    expect(o[2]!.invoked).toBe(o[1]!.t);
    // one round trip on the open connection (5 ms each way, plus the bytes at 1 Gbit/s)
    expect(o[1]!.t - o[1]!.invoked).toBeGreaterThanOrEqual(10 * MS);
    expect(o[1]!.t - o[1]!.invoked).toBeLessThan(11 * MS);
  });

  it('with a node and no discovery it is fixed; without either, it follows the orchestrator', () => {
    const { run } = setup({ pinned: { node: 'r' }, free: {} });
    expect(run('pinned', [['SET', 'a', '1']]).node).toBe('r');
    expect(run('free', [['SET', 'a', '1']]).node).toBe('p');
  });

  it('with no master known the operation fails unsent', () => {
    const { run, ops } = setup({ app: {} }, null);
    expect(run('app', [['SET', 'a', '1']])).toMatchObject({ outcome: 'fail', node: null, error: 'no master known' });
    expect(ops()[0]!.reply).toBe('no master known');
  });

  it('a reply timeout closes the connection from the client side and asks the orchestrator again', () => {
    let hint = 'p';
    const { w, run } = setup({ app: { timeoutUs: 100 * MS } });
    w.masterHint = () => hint;
    run('app', [['SET', 'a', '1']]);
    w.pause('p', 500 * MS);
    const r = run('app', [['SET', 'b', '1']]);
    expect(r).toMatchObject({ outcome: 'info', error: 'no reply from p within 100 ms' });
    const closes = w.events().filter((e) => e.type === 'net.close' && (e as { host: string }).host === 'app');
    expect(closes.map((e) => (e as { reason: string }).reason)).toEqual(['closed']);
    hint = 'r';
    expect(run('app', [['GET', 'a']]).node).toBe('r');
  });

  it('back-off doubles with each failed connection, from 100 ms', () => {
    const { w, run } = setup({ app: { near: 'r', timeoutUs: 50 * MS } });
    w.partition([['p'], ['r']]);
    const t0 = w.sched.nowUs;
    expect(run('app', [['SET', 'a', '1']]).error).toMatch(/connection to p timeout/);
    expect(run('app', [['SET', 'a', '1']]).error).toBe(`reconnecting to p (back-off until ${((t0 + 50 * MS + 100 * MS) / 1000).toFixed(3)} ms)`);
    w.runFor(100 * MS);
    const t1 = w.sched.nowUs;
    expect(run('app', [['SET', 'a', '1']]).error).toMatch(/connection to p timeout/);
    expect(run('app', [['SET', 'a', '1']]).error).toBe(`reconnecting to p (back-off until ${((t1 + 50 * MS + 200 * MS) / 1000).toFixed(3)} ms)`);
  });

  it('WAIT gets its own timeout on top of the client\'s, so a long WAIT is not cut short', () => {
    const { w, run } = setup({ app: { timeoutUs: 100 * MS } });
    w.pause('r', 2000 * MS);
    const r = run('app', [['SET', 'a', '1']], { wait: { replicas: 1, timeoutMs: 300 } });
    expect(r.outcome).toBe('ok');
    const op = w.events().filter((e): e is ClientEvent => e.type === 'client.op').at(-1)!;
    expect(op.wait).toEqual({ replicas: 0, acked_by: [] });
    expect(op.t - op.invoked).toBeGreaterThanOrEqual(300 * MS);
  });

  it('a transaction refused while queueing is sent to its EXEC: the reply is EXECABORT and the connection leaves MULTI', () => {
    const { run, ops } = setup({ app: { node: 'r' } });
    const tx = [['MULTI'], ['SET', 'a', '1'], ['INCR', 'n'], ['EXEC']];
    expect(run('app', tx)).toMatchObject({ outcome: 'fail', error: expect.stringMatching(/^EXECABORT/) });
    expect(run('app', [['GET', 'a']])).toMatchObject({ outcome: 'ok', reply: null });
    expect(ops().map((o) => [o.args[0], o.outcome])).toEqual([['SET', 'fail'], ['INCR', 'fail'], ['GET', 'ok']]);
  });

  it('an EXEC (or DISCARD) with nothing queued is recorded as itself', () => {
    const { run, ops } = setup({ app: {} });
    run('app', [['EXEC']]);
    expect(ops().map((o) => [o.args, o.outcome])).toEqual([[['EXEC'], 'fail']]);
  });

  it('endRun records the operation in flight once, as info, even if its reply comes later', () => {
    const { w, ops } = setup({ app: { timeoutUs: 1000 * MS } });
    w.pause('p', 100 * MS);
    let calls = 0;
    w.netClient('app').op([['SET', 'a', '1']], {}, () => calls++);
    w.runFor(20 * MS);
    w.netClient('app').endRun();
    w.runFor(500 * MS); // the reply arrives after the end
    expect(calls).toBe(1);
    expect(ops().map((o) => o.outcome)).toEqual(['info']);
  });
});
