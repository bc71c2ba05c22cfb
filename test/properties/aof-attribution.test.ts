// acknowledged-writes with appendonly yes: a crash (or unsaved restart) of the acknowledging node
// excuses a lost write only when the write was in the node's unfsynced AOF tail, or the node did
// not come back from its AOF. Hand-made event sequences for each branch, then whole runs of the
// master-restart-aof built-in, clean and with the aof-always-fsyncs-late mutant.
import { describe, expect, it } from 'vitest';
import { PropertySet } from '../../properties/index.js';
import type { FinalView } from '../../properties/types.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import { simulate } from '../../sim/harness/simulate.js';
import { loadBuiltin } from '../../sim/harness/sources.js';

type Ev = Record<string, unknown>;
const A = 'a'.repeat(40);
const Z = '0'.repeat(40);
const start = (t: number): Ev => ({ t, type: 'redis.start', node: 'm', role: 'master', master_host: null, replid: A, replid2: Z, master_repl_offset: 0, keys: 0, rdb_repl_id: null, rdb_repl_offset: null });
const open = (t: number, appendfsync: string, loaded: boolean): Ev => ({ t, type: 'redis.aof', node: 'm', what: 'open', appendfsync, loaded, keys: 0 });
const fsync = (t: number, until = t): Ev => ({ t, type: 'redis.aof', node: 'm', what: 'fsync', durable_until: until, size: 100 });
const write = (t: number): Ev => ({ t, type: 'x.write', node: 'm', db: 0, cmd: 'SET', key: 'k', value: '2', acked: true });
const crash = (t: number): Ev => ({ t, type: 'redis.stop', node: 'm', how: 'crash', saved: false });
const shutdownNosave = (t: number): Ev => ({ t, type: 'redis.stop', node: 'm', how: 'shutdown', saved: false });
const LOST: FinalView = { master: 'm', get: () => null };

function run(events: Ev[]) {
  const set = new PropertySet();
  for (const e of events) set.onEvent(e as unknown as TraceEvent);
  set.finish(LOST);
  const p = set.get('acknowledged-writes')!;
  return { messages: p.violations.map((v) => v.message), report: set.report()['acknowledged-writes']! };
}

/** A write at 10 ms on an AOF node with this policy, events in between, a crash at 20 ms, a boot at 30 ms. */
const crashed = (policy: string, between: Ev[], loaded = true, stop = crash(20_000)) => run([start(0), open(0, policy, false), write(10_000), ...between, stop, start(30_000), open(30_000, policy, loaded)]);

describe('acknowledged-writes with AOF', () => {
  it('everysec, no fsync between the write and the crash: allowed, attributed to the unfsynced AOF tail', () => {
    const r = crashed('everysec', []);
    expect(r.messages).toEqual([]);
    expect(r.report.notes).toEqual(["1 acknowledged write(s) lost across the crash of m at 20.000 ms (acknowledged by m; allowed: in m's unfsynced AOF tail (appendfsync everysec: no fsync covered it before the crash))"]);
  });

  it('everysec, an fsync before the write only: still the unfsynced tail', () => {
    expect(run([start(0), open(0, 'everysec', false), fsync(5_000), write(10_000), crash(20_000), start(30_000), open(30_000, 'everysec', true)]).messages).toEqual([]);
  });

  it('everysec, an fsync after the write and before the crash: the loss is a violation that names the fsync', () => {
    const r = crashed('everysec', [fsync(15_000)]);
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/nothing after it may lose it \(crash of m at 20\.000 ms\).*; m's AOF had it on disk at the crash of m at 20\.000 ms \(fsynced at 15\.000 ms\) and m reloaded it at 30\.000 ms\.$/);
  });

  it('no (kernel writeback): a writeback that covers only older writes does not make it durable', () => {
    expect(crashed('no', [{ t: 15_000, type: 'redis.aof', node: 'm', what: 'writeback', durable_until: 9_000, size: 1 }]).messages).toEqual([]);
    expect(crashed('no', [{ t: 15_000, type: 'redis.aof', node: 'm', what: 'writeback', durable_until: 10_000, size: 1 }]).messages).toHaveLength(1);
  });

  it('always: a crash never excuses the loss', () => {
    expect(crashed('always', []).messages[0]).toMatch(/\(appendfsync always\) and m reloaded it at 30\.000 ms\.$/);
  });

  it('always, but the node came back without its AOF (a wiped disk): allowed', () => {
    const r = crashed('always', [], false);
    expect(r.messages).toEqual([]);
    expect(r.report.notes[0]).toMatch(/; allowed: m did not come back from its AOF after the crash\)$/);
  });

  it('SHUTDOWN NOSAVE fsyncs the AOF: the loss is a violation whatever the policy', () => {
    expect(crashed('no', [], true, shutdownNosave(20_000)).messages[0]).toMatch(/\(SHUTDOWN fsyncs it\)/);
  });

  it('without AOF a crash excuses the loss as before (asynchronous replication)', () => {
    const r = run([start(0), write(10_000), crash(20_000), start(30_000)]);
    expect(r.messages).toEqual([]);
    expect(r.report.notes[0]).toMatch(/; allowed: asynchronous replication\)$/);
  });

  it('after CONFIG SET appendonly no a crash excuses the loss again', () => {
    const events = [start(0), open(0, 'always', false), { t: 5_000, type: 'redis.aof', node: 'm', what: 'off' }, write(10_000), crash(20_000), start(30_000), open(30_000, 'always', true)];
    expect(run(events).messages).toEqual([]);
  });

  it('a policy changed by CONFIG SET applies to writes after it', () => {
    const events = [start(0), open(0, 'everysec', false), { t: 5_000, type: 'redis.aof', node: 'm', what: 'policy', appendfsync: 'always' }, write(10_000), crash(20_000), start(30_000), open(30_000, 'always', true)];
    expect(run(events).messages).toHaveLength(1);
  });
});

describe('master-restart-aof (built-in)', () => {
  it('passes: the appendfsync always crash loses nothing, the everysec crash loses the 20 writes of its last second, counted as the AOF tail', () => {
    const r = simulate(loadBuiltin('master-restart-aof', 1), { seed: 1 });
    expect({ status: r.status, failures: r.failures }).toEqual({ status: 'pass', failures: [] });
    const p = r.properties['acknowledged-writes']!;
    expect(p.stats.lost).toBe(20);
    expect(p.notes).toEqual([expect.stringMatching(/^20 acknowledged write\(s\) lost across the crash of m at [\d.]+ ms \(acknowledged by m; allowed: in m's unfsynced AOF tail \(appendfsync everysec/)]);
  });

  it('kills aof-restart-restores-rdb-offset: the restarted master would keep a backlog and the old id as replid2', () => {
    const r = simulate(loadBuiltin('master-restart-aof', 1), { seed: 1, mutant: 'aof-restart-restores-rdb-offset' });
    expect(r.status).toBe('fail');
    expect(r.failures.map((x) => x.message)).toContain('step 7 (expect): m.repl_backlog_active expected 0, actual 1');
  });

  it('kills aof-always-fsyncs-late through acknowledged-writes', () => {
    const r = simulate(loadBuiltin('master-restart-aof', 1), { seed: 1, mutant: 'aof-always-fsyncs-late' });
    expect(r.status).toBe('fail');
    const f = r.failures.find((x) => x.property === 'acknowledged-writes');
    expect(f?.message).toMatch(/was acknowledged by m at .* m's AOF had it on disk at the crash of m at [\d.]+ ms \(appendfsync always\)/);
  });
});
