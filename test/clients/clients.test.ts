// Application clients on the virtual network: what a step through a client waits for, the outcome
// each operation gets in the history (ok / fail / info), re-discovery, partitions that carry
// clients with their node, transactions, WAIT, and the scenario checks.
import { describe, expect, it } from 'vitest';
import { simulate, type RunResult } from '../../sim/harness/simulate.js';
import { validateScenario } from '../../sim/scenario/load.js';
import type { ClientEvent, TraceEvent } from '../../sim/trace-events.js';

function run(extra: Record<string, unknown>, steps: unknown[]): { r: RunResult; ops: ClientEvent[]; seen: TraceEvent[] } {
  const seen: TraceEvent[] = [];
  const sc = validateScenario(
    {
      name: 'clients',
      config: { save: '', 'repl-diskless-sync': 'no' },
      network: { latency: '5ms', jitter: 0 },
      nodes: { p: {}, r: { replicaof: 'p' } },
      clients: { app: { near: 'p', timeoutMs: 300 } },
      ...extra,
      steps: [{ op: 'wait-sync' }, ...steps],
    },
    'test',
  );
  const r = simulate(sc, { seed: 1, observers: [(e) => seen.push(e)] });
  return { r, ops: seen.filter((e): e is ClientEvent => e.type === 'client.op'), seen };
}

const setVia = (client: string, key: string, value: string, more: Record<string, unknown> = {}) => ({ op: 'command', client, args: ['SET', key, value], ...more });

describe('a client on the network', () => {
  it('a step through a client completes when the reply has crossed the network both ways', () => {
    const { r, ops } = run({}, [setVia('app', 'k', 'v'), { op: 'wait-sync' }]);
    expect(r.failures).toEqual([]);
    expect(ops).toHaveLength(1);
    const op = ops[0]!;
    expect([op.node, op.outcome, op.reply, op.args]).toEqual(['p', 'ok', 'OK', ['SET', 'k', 'v']]);
    // 5 ms each way, plus the connection's handshake (one round trip) for the first operation
    expect(op.t - op.invoked).toBeGreaterThanOrEqual(20_000);
    expect(op.t - op.invoked).toBeLessThan(21_000);
    expect(r.history!.by_client).toEqual({ app: { ok: 1, fail: 0, info: 0 } });
    expect(r.properties['acknowledged-writes']!.stats.acknowledged).toBe(1);
  });

  it('a write sent to a node that then stops answering is indeterminate (info), one never sent is fail', () => {
    const { ops } = run({ clients: { app: { near: 'r', timeoutMs: 300 } } }, [
      setVia('app', 'a', '1'),
      { op: 'partition', groups: [['p'], ['r']] },
      { ...setVia('app', 'b', '2'), mayFail: true },
      { ...setVia('app', 'c', '3'), mayFail: true },
      { op: 'heal' },
    ]);
    expect(ops.map((o) => [o.args[1], o.outcome])).toEqual([['a', 'ok'], ['b', 'info'], ['c', 'fail']]);
    expect(ops[1]!.reply).toMatch(/no reply from p within 300 ms/);
    expect(ops[1]!.t - ops[1]!.invoked).toBe(300_000);
    // the timeout closed the connection; the next connect cannot get through the partition
    expect(ops[2]!.reply).toMatch(/connection to p timeout/);
  });

  it('after a failed connection the node backs off: an operation meanwhile fails at once, unsent', () => {
    const { ops } = run({ clients: { app: { near: 'r', timeoutMs: 300 } } }, [
      { op: 'partition', groups: [['p'], ['r']] },
      { ...setVia('app', 'a', '1'), mayFail: true },
      { ...setVia('app', 'b', '2'), mayFail: true },
      { op: 'heal' },
      { op: 'sleep', ms: 200 },
      setVia('app', 'c', '3'),
    ]);
    expect(ops.map((o) => [o.args[1], o.outcome])).toEqual([['a', 'fail'], ['b', 'fail'], ['c', 'ok']]);
    expect(ops[1]!.reply).toMatch(/^reconnecting to p/);
    expect(ops[1]!.t).toBe(ops[1]!.invoked);
  });

  it('a partition that does not name a client puts it with the node it is near', () => {
    // near r: cut off from p with r; near p: unaffected
    const cut = run({ clients: { app: { near: 'r', timeoutMs: 300 } } }, [{ op: 'partition', groups: [['p'], ['r']] }, { ...setVia('app', 'a', '1'), mayFail: true }]);
    const with_p = run({ clients: { app: { near: 'p', timeoutMs: 300 } } }, [{ op: 'partition', groups: [['p'], ['r']] }, setVia('app', 'a', '1')]);
    expect(cut.ops.map((o) => o.outcome)).toEqual(['fail']);
    expect(with_p.ops.map((o) => o.outcome)).toEqual(['ok']);
    const iso = run({ clients: { app: { near: 'p', timeoutMs: 300 } } }, [{ op: 'isolate', node: 'p' }, setVia('app', 'a', '1')]);
    expect(iso.ops.map((o) => o.outcome)).toEqual(['ok']);
  });

  it('READONLY makes a follow-orchestrator client ask again: the next write goes to the new master', () => {
    const { r, ops } = run({}, [
      setVia('app', 'a', '1'),
      { op: 'wait-sync' },
      { op: 'replicaof', node: 'r', primary: null },
      { op: 'replicaof', node: 'p', primary: 'r' },
      { ...setVia('app', 'b', '2'), expectError: 'READONLY' },
      setVia('app', 'c', '3'),
      { op: 'wait-sync' },
    ]);
    expect(ops.map((o) => [o.args[1], o.node, o.outcome])).toEqual([['a', 'p', 'ok'], ['b', 'p', 'fail'], ['c', 'r', 'ok']]);
    expect(r.failures).toEqual([]);
  });

  it('a fixed client keeps its node: a write to a replica is refused, every time', () => {
    const { ops } = run({ clients: { app: { discovery: 'fixed', node: 'r' } } }, [
      { ...setVia('app', 'a', '1'), expectError: 'READONLY' },
      { ...setVia('app', 'b', '1'), expectError: 'READONLY' },
    ]);
    expect(ops.map((o) => [o.node, o.outcome])).toEqual([['r', 'fail'], ['r', 'fail']]);
  });

  it('a transaction across command steps is recorded at EXEC; DISCARD drops it', () => {
    const { r, ops } = run({}, [
      { op: 'command', client: 'app', args: ['MULTI'] },
      setVia('app', 'x', '1'),
      { op: 'command', client: 'app', args: ['EXEC'] },
      { op: 'command', client: 'app', args: ['MULTI'] },
      setVia('app', 'y', '1'),
      { op: 'command', client: 'app', args: ['DISCARD'] },
      { op: 'wait-sync' },
    ]);
    expect(ops.filter((o) => o.args[0] === 'SET').map((o) => [o.args[1], o.outcome, o.reply])).toEqual([['x', 'ok', 'OK'], ['y', 'fail', 'DISCARD']]);
    expect(r.failures).toEqual([]);
  });

  it('a write step through a client runs each SET as one operation and reports refusals', () => {
    const { r, ops } = run({ clients: { app: { discovery: 'fixed', node: 'r' } } }, [{ op: 'write', client: 'app', count: 3 }]);
    expect(ops.map((o) => o.outcome)).toEqual(['fail', 'fail', 'fail']);
    expect(r.refused_writes).toEqual([{ step: 1, node: 'r', refused: 3, of: 3, error: expect.stringMatching(/^READONLY.*\(client app\)$/) }]);
  });

  it('WAIT after each write records how many replicas, and which, had it', () => {
    const { ops } = run({ workload: { clients: ['app'], writesPerSec: 20, wait: { replicas: 1, timeoutMs: 100 } } }, [
      { op: 'workload', action: 'start' },
      { op: 'sleep', ms: 1000 },
      { op: 'partition', groups: [['p'], ['r']] },
      { op: 'sleep', ms: 1000 },
      { op: 'workload', action: 'stop' },
      { op: 'heal' },
    ]);
    const before = ops.filter((o) => o.t < 3_000_000 && o.outcome === 'ok');
    expect(before.length).toBeGreaterThan(5);
    const waited = ops.filter((o) => o.wait !== undefined);
    expect(waited.length).toBeGreaterThan(10);
    for (const o of waited) expect(o.wait!.acked_by.length).toBe(o.wait!.replicas);
    expect(waited.some((o) => o.wait!.replicas === 1 && o.wait!.acked_by[0] === 'r')).toBe(true);
    expect(waited.some((o) => o.wait!.replicas === 0)).toBe(true); // during the partition
  });

  it('the workload on clients writes unique values from each client\'s own stream', () => {
    const { ops } = run({ clients: { a1: { near: 'p' }, a2: { near: 'r' } }, workload: { clients: ['a1', 'a2'], writesPerSec: 100, keys: 3 } }, [
      { op: 'workload', action: 'start' },
      { op: 'sleep', ms: 500 },
      { op: 'workload', action: 'stop' },
    ]);
    const values = ops.map((o) => o.args[2]);
    expect(new Set(values).size).toBe(values.length);
    expect(new Set(ops.map((o) => o.client))).toEqual(new Set(['a1', 'a2']));
    expect(values.every((v) => /^a[12]:\d+/.test(v!))).toBe(true);
  });

  it('an operation still in flight when the run ends is recorded as info', () => {
    const { ops } = run({ clients: { app: { near: 'r', timeoutMs: 5000 } }, workload: { clients: ['app'], writesPerSec: 1000 } }, [
      { op: 'workload', action: 'start' },
      { op: 'sleep', ms: 50 },
      { op: 'partition', groups: [['p'], ['r']] },
      { op: 'sleep', ms: 100 },
    ]);
    expect(ops.at(-1)!.outcome).toBe('info');
    expect(ops.at(-1)!.reply).toBe('the run ended before the reply');
  });
});

describe('what a client\'s history says (review findings)', () => {
  it('records the database the connection is on: a SELECT step, then writes without db', () => {
    const { r, ops } = run({}, [{ op: 'command', client: 'app', args: ['SELECT', 3] }, { op: 'write', client: 'app', count: 2 }, { op: 'wait-sync' }]);
    expect(r.failures).toEqual([]);
    expect(ops.filter((o) => o.args[0] === 'SET').map((o) => o.db)).toEqual([3, 3]);
    expect(r.properties['acknowledged-writes']!.stats.present).toBe(2);
  });

  it('a READONLY while a transaction queues makes the client ask again, as a plain write does', () => {
    const { ops } = run({ workload: { clients: ['app'], writesPerSec: 50, commands: ['MULTI'] } }, [
      { op: 'workload', action: 'start' },
      { op: 'sleep', ms: 300 },
      { op: 'replicaof', node: 'r', primary: null },
      { op: 'replicaof', node: 'p', primary: 'r' },
      { op: 'sleep', ms: 500 },
      { op: 'workload', action: 'stop' },
    ]);
    const after = ops.filter((o) => o.invoked > ops.find((x) => x.outcome === 'fail')!.t);
    expect(after.length).toBeGreaterThan(5);
    expect(after.every((o) => o.node === 'r' && o.outcome !== 'fail')).toBe(true); // the last one: in flight at the end
  });

  it('values stay unique when the workload is started again', () => {
    const { ops } = run({ workload: { clients: ['app'], writesPerSec: 100, keys: 2 } }, [
      { op: 'workload', action: 'start' },
      { op: 'sleep', ms: 200 },
      { op: 'workload', action: 'stop' },
      { op: 'workload', action: 'start' },
      { op: 'sleep', ms: 200 },
      { op: 'workload', action: 'stop' },
    ]);
    const values = ops.map((o) => o.args[2]);
    expect(values.length).toBeGreaterThan(10);
    expect(new Set(values).size).toBe(values.length);
  });

  it('a transaction across steps whose EXEC times out records its queued commands as info', () => {
    const { ops } = run({}, [
      { op: 'command', client: 'app', args: ['MULTI'] },
      setVia('app', 'k', 'new'),
      { op: 'pause', node: 'p', ms: 1000 },
      { op: 'command', client: 'app', args: ['EXEC'], expectError: 'INDETERMINATE' },
      { op: 'sleep', ms: 1000 },
    ]);
    expect(ops.map((o) => [o.args.join(' '), o.outcome])).toEqual([['SET k new', 'info']]);
  });

  it('a nil reply through a client is a reply, not a node that is down', () => {
    const { r } = run({}, [{ op: 'command', client: 'app', args: ['GET', 'missing'] }, { op: 'command', node: 'p', args: ['GET', 'missing'] }]);
    expect(r.failures).toEqual([]);
  });

  it('a write postponed by FAILOVER is dropped when its client gives up and closes the connection (freeClient)', () => {
    const { r, ops } = run({ clients: { app: { near: 'p', timeoutMs: 100 } } }, [
      { op: 'pause', node: 'r', ms: 1000 },
      { op: 'write', node: 'p' }, // r cannot acknowledge it: FAILOVER waits for r, then gives up
      { op: 'failover', node: 'p', to: 'r', timeoutMs: 300 },
      { ...setVia('app', 'k', 'v'), mayFail: true },
      { op: 'sleep', ms: 2000 },
      { op: 'wait-sync' },
      { op: 'expect', node: 'p', role: 'master', dbsize: 1 },
    ]);
    expect(ops.map((o) => o.outcome)).toEqual(['info']);
    expect(r.failures).toEqual([]);
  });
});

describe('scenario checks for clients', () => {
  const base = { name: 'x', nodes: { p: {} } };
  const error = (doc: unknown) => {
    try {
      validateScenario(doc, 's.json');
    } catch (e) {
      return (e as Error).message;
    }
    return null;
  };
  it('names what is wrong and what would be valid', () => {
    expect(error({ ...base, steps: [{ op: 'write', client: 'nope' }] })).toBe('s.json: steps[0].client: unknown client "nope"; declare it in a top-level "clients" block, e.g. {"clients": {"nope": {"near": "p"}}}');
    expect(error({ ...base, clients: { a: {} }, steps: [{ op: 'write', client: 'b' }] })).toBe('s.json: steps[0].client: unknown client "b"; clients in this scenario: a');
    expect(error({ ...base, clients: { p: {} } })).toBe('s.json: clients.p: "p" is already a node; give the client another name');
    expect(error({ ...base, clients: { a: { near: 'q' } } })).toBe('s.json: clients.a.near: unknown node "q"; nodes in this scenario: p');
    expect(error({ ...base, steps: [{ op: 'write' }] })).toBe('s.json: steps[0]: needs "node" (the node\'s local client) or "client" (an application client from "clients")');
    expect(error({ ...base, workload: { wait: { replicas: 1, timeoutMs: 10 } } })).toBe('s.json: workload.wait: needs "clients" (the workload\'s application clients)');
    expect(error({ ...base, steps: [{ op: 'workload', action: 'start' }] })).toBe('s.json: steps[0]: a "workload" step needs a top-level "workload" block (writesPerSec, clients ...)');
    expect(error({ ...base, clients: { a: { discovery: 'fixed' } } })).toBe('s.json: clients.a.discovery: "fixed" needs the node to talk to: add "node" (or "near")');
    expect(error({ ...base, clients: { a: { near: 'p' } }, steps: [{ op: 'partition', groups: [['p'], ['a']] }] })).toBeNull();
  });
});
