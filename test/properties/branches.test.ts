// Each property on its own: hand-made event sequences, one test per violation branch, one that a
// correct sequence passes, and one that a property which saw nothing says so (checked: 0).
import { describe, expect, it } from 'vitest';
import { PropertySet, PROPERTIES, PROPERTY_NAMES, type PropertyName } from '../../properties/index.js';
import type { FinalView } from '../../properties/types.js';
import type { TraceEvent } from '../../sim/trace-events.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const Z = '0'.repeat(40);
const NOBODY: FinalView = { master: null, get: () => null };

type Ev = Record<string, unknown>;
const start = (node: string, role: 'master' | 'slave', replid: string, offset = 0, master_host: string | null = null): Ev => ({ t: 0, type: 'redis.start', node, role, master_host, replid, replid2: Z, master_repl_offset: offset, keys: 0, rdb_repl_id: null, rdb_repl_offset: null });
const gen = (node: string, replid: string, start: number, bytes: number, h: string, t = start): Ev => ({ t, type: 'redis.stream', node, replid, start, bytes, h });
const app = (node: string, replid: string, start: number, bytes: number, h: string, t = start + 1): Ev => ({ t, type: 'redis.applied', node, replid, start, bytes, h });
const link = (node: string, master: string, replid: string, offset: number, status: 'up' | 'down' = 'up', t = 0): Ev => ({ t, type: 'redis.link', node, master_host: master, status, master_repl_offset: offset, replid });
const promote = (node: string, prev: string, replid: string, offset: number, t = 500): Ev[] => [
  { t, type: 'redis.replid', node, reason: 'replicaof-no-one', prev_replid: prev, replid, replid2: prev, second_repl_offset: offset + 1, master_repl_offset: offset },
  { t, type: 'redis.role', node, role: 'master', master_host: null },
];
const obs = (node: string, replid: string, offset: number, digest: string, o: Partial<Record<'full' | 'ok' | 'err', number>> = {}, t = 900, role = 'slave'): Ev => ({ t, type: 'redis.obs', node, why: 'cron', role, replid, offset, digest, meaningful: true, sync_full: o.full ?? 0, sync_partial_ok: o.ok ?? 0, sync_partial_err: o.err ?? 0 });
/** A PSYNC as the server reports it; the property judges it against the model, not these fields. */
const psync = (node: string, replica: string, id: string, offset: number, result: 'continue' | 'full', backlogFirst = 1, t = 1000): Ev => ({ t, type: 'redis.psync', node, replica, requested_replid: id, requested_offset: offset, result, reason: 'x', master_replid: 'f'.repeat(40), master_replid2: Z, second_repl_offset: -1, master_repl_offset: 0, repl_backlog_first_byte_offset: backlogFirst, repl_backlog_histlen: 0 });

/** Feed events to a full property set (the shared model included) and return one property's violations. */
function run(name: PropertyName, events: Ev[], view: FinalView = NOBODY) {
  const set = new PropertySet();
  for (const e of events) set.onEvent(e as unknown as TraceEvent);
  set.finish(view);
  const p = set.get(name)!;
  return { messages: p.violations.map((v) => v.message), nodes: p.violations.map((v) => v.nodes), report: set.report()[name]! };
}

/** m generated 100 bytes on A; r applied them. */
const base: Ev[] = [start('m', 'master', A), start('r', 'slave', A, 0, 'm'), link('r', 'm', A, 0), gen('m', A, 1, 60, 'h1'), gen('m', A, 61, 40, 'h2'), app('r', A, 1, 60, 'h1'), app('r', A, 61, 40, 'h2')];

describe('the registry', () => {
  it('names each property once, with its kind, in the order reports list them', () => {
    expect(Object.keys(new PropertySet().report())).toEqual(PROPERTY_NAMES);
    expect(PROPERTIES.filter((p) => p.kind === 'liveness').map((p) => p.name)).toEqual(['convergence', 'sentinel-convergence']);
  });

  it('a scenario turning one off builds the others only', () => {
    expect(Object.keys(new PropertySet({ 'counter-sanity': false }).report())).toEqual(PROPERTY_NAMES.filter((n) => n !== 'counter-sanity'));
  });

  it('a property that saw nothing says so: checked 0, for every property of a run without events', () => {
    const set = new PropertySet();
    set.finish(NOBODY);
    for (const r of Object.values(set.report())) expect(r).toMatchObject({ violations: 0, checked: 0 });
  });

  it('a property that judged something reports how much', () => {
    const set = new PropertySet();
    for (const e of [...base, obs('m', A, 100, 'd', {}, 900, 'master'), obs('r', A, 100, 'd'), psync('m', 'r', A, 101, 'continue', 1)]) set.onEvent(e as unknown as TraceEvent);
    set.finish(NOBODY);
    const r = set.report();
    expect(r['stream-prefix']!.checked).toBe(2);
    expect(r['equal-id-offset-equal-data']!.checked).toBe(1);
    expect(r['counter-sanity']!.checked).toBe(2);
    expect(r['partial-sync-when-ancestor']!.checked).toBe(1);
    expect(r['convergence']!.checked).toBe(0);
  });
});

describe('equal-id-offset-equal-data', () => {
  it('passes equal digests at one position', () => {
    expect(run('equal-id-offset-equal-data', [...base, obs('m', A, 100, 'd1'), obs('r', A, 100, 'd1')]).messages).toEqual([]);
  });
  it('flags two readings at one (replid, offset) with different data', () => {
    expect(run('equal-id-offset-equal-data', [...base, obs('m', A, 100, 'd1'), obs('r', A, 100, 'd2', {}, 950)]).messages[0]).toMatch(/m at 0\.900 ms and r at 0\.950 ms both report replid aaaaaaaa offset 100, but their data differ \(digest d1 vs d2\)/);
  });
  it('a reading where the offset is not meaningful is not compared', () => {
    const r = run('equal-id-offset-equal-data', [...base, obs('m', A, 100, 'd1'), { ...obs('r', A, 100, 'd2'), meaningful: false }]);
    expect(r.messages).toEqual([]);
    expect(r.report.checked).toBe(0);
  });
});

describe('partial-sync-when-ancestor, judged against the model', () => {
  // r2 was promoted at offset 100 of A (fork B), then generated 20 bytes of its own
  const forked: Ev[] = [...base, start('r2', 'slave', A, 0, 'm'), link('r2', 'm', A, 0), app('r2', A, 1, 60, 'h1'), app('r2', A, 61, 40, 'h2'), ...promote('r2', A, B, 100), gen('r2', B, 101, 20, 'h3', 600)];

  it('passes a +CONTINUE for a replica on the server\'s history, from bytes it fed', () => {
    expect(run('partial-sync-when-ancestor', [...forked, psync('r2', 'r', A, 101, 'continue', 1)]).messages).toEqual([]);
  });
  it('flags a +CONTINUE for a replica whose history is not a prefix of the server\'s', () => {
    // m kept writing on A after the fork: r at A:120 holds bytes r2 never had
    const r = run('partial-sync-when-ancestor', [...forked, gen('m', A, 101, 20, 'hX', 700), app('r', A, 101, 20, 'hX', 701), psync('r2', 'r', A, 121, 'continue', 1)]);
    expect(r.messages[0]).toMatch(/r asked r2 for aaaaaaaa:121 and got \+CONTINUE, but the replica's history is not a prefix of r2's \(replid bbbbbbbb at offset 120\)/);
  });
  it('flags a +CONTINUE from bytes the server never fed without a gap (stream facts)', () => {
    // r2 restarts at offset 100 from nothing: whatever its event says, it cannot hold bytes before 101
    const restarted: Ev[] = [start('m', 'master', A), { ...start('r2', 'master', A, 100), t: 10 }, gen('r2', A, 101, 20, 'h3', 600)];
    const r = run('partial-sync-when-ancestor', [...restarted, psync('r2', 'r', A, 50, 'continue', 1)]);
    expect(r.messages[0]).toMatch(/r asked r2 for aaaaaaaa:50 and got \+CONTINUE, but r2 fed only bytes 101\.\.120 without a gap: the bytes it must send are gone/);
  });
  it('flags a +CONTINUE from bytes the server\'s own backlog no longer holds', () => {
    const r = run('partial-sync-when-ancestor', [...forked, psync('r2', 'r', A, 61, 'continue', 80)]);
    expect(r.messages[0]).toMatch(/r2's backlog holds only 80\.\.120: the bytes it must send are gone/);
  });
  it('flags a full sync where Redis 7.0\'s rule allowed a partial one (replid2 up to the fork)', () => {
    const r = run('partial-sync-when-ancestor', [...forked, psync('r2', 'r', A, 101, 'full', 1)]);
    expect(r.messages[0]).toMatch(/got a full sync, although Redis 7\.0's rule allows a partial one here \(replid bbbbbbbb, replid2 aaaaaaaa up to 101/);
  });
  it('a full sync past the second offset is what Redis does, not a violation', () => {
    expect(run('partial-sync-when-ancestor', [...forked, psync('r2', 'r', A, 102, 'full', 1)]).messages).toEqual([]);
  });
  it('counts a missed partial sync: a common ancestor two forks back that replid2 cannot see', () => {
    const twice: Ev[] = [...forked, ...promote('r2', B, C, 120, 800), psync('r2', 'r', A, 101, 'full', 1)];
    const r = run('partial-sync-when-ancestor', twice);
    expect(r.messages).toEqual([]);
    expect(r.report.stats.missed_partial_syncs).toBe(1);
    expect(r.report.notes[0]).toMatch(/common ancestor existed and the backlog held the bytes, but replid2 remembers one step only/);
  });
  it('a violation names the server and the replica, in that order', () => {
    expect(run('partial-sync-when-ancestor', [...forked, psync('r2', 'r', A, 61, 'continue', 80)]).nodes).toEqual([['r2', 'r']]);
    expect(run('partial-sync-when-ancestor', [...forked, psync('r2', 'r', A, 101, 'full', 1)]).nodes).toEqual([['r2', 'r']]);
  });
  it('counts partial and full syncs; a PSYNC ? -1 is a full sync that is never judged', () => {
    const r = run('partial-sync-when-ancestor', [...forked, psync('r2', 'r', A, 101, 'continue', 1), psync('r2', 'r', B, 110, 'continue', 1), psync('r2', 'r', '?', -1, 'full', 1)]);
    expect(r.messages).toEqual([]);
    expect(r.report.stats).toMatchObject({ partial_syncs: 2, full_syncs: 1, missed_partial_syncs: 0 });
    expect(r.report.checked).toBe(3);
  });
  it('shows the first five missed partial syncs, each with its time in ms, and counts them all', () => {
    const twice: Ev[] = [...forked, ...promote('r2', B, C, 120, 800)];
    const missed = [1, 2, 3, 4, 5, 6].map((i) => psync('r2', 'r', A, 101, 'full', 1, 1000 * i + 500));
    const r = run('partial-sync-when-ancestor', [...twice, ...missed]);
    expect(r.report.stats.missed_partial_syncs).toBe(6);
    expect(r.report.notes).toHaveLength(5);
    expect(r.report.notes[0]).toMatch(/^1\.500 ms: r asked r2 for aaaaaaaa:101: a common ancestor existed/);
    expect(r.report.notes[4]).toMatch(/^5\.500 ms: /);
  });
  it('decides forks from facts: a new id a node takes is a fork, whatever reason the node gives', () => {
    const odd = [...forked.slice(0, -2), { ...promote('r2', A, B, 100)[0]!, reason: 'anything' }, promote('r2', A, B, 100)[1]!, gen('r2', B, 101, 20, 'h3', 600)];
    expect(run('partial-sync-when-ancestor', [...odd, psync('r2', 'r', A, 101, 'continue', 1)]).messages).toEqual([]);
  });
});

describe('stream-prefix', () => {
  it('passes a replica that applies exactly what was generated', () => {
    expect(run('stream-prefix', base).messages).toEqual([]);
  });
  it('flags skipped bytes', () => {
    expect(run('stream-prefix', [...base.slice(0, 5), app('r', A, 61, 40, 'h2')]).messages[0]).toMatch(/r applied from offset 61, skipping 1\.\.60/);
  });
  it('flags bytes applied twice', () => {
    expect(run('stream-prefix', [...base, app('r', A, 61, 40, 'h2')]).messages[0]).toMatch(/r applied bytes 61\.\.100 twice/);
  });
  it('flags bytes that differ from what the master generated', () => {
    expect(run('stream-prefix', [...base.slice(0, 5), app('r', A, 1, 60, 'hX')]).messages[0]).toMatch(/r applied a command at offset 1 of replid aaaaaaaa that differs from what m generated there/);
  });
  it('flags invented bytes', () => {
    expect(run('stream-prefix', [...base.slice(0, 3), app('r', A, 1, 14, 'h9')]).messages[0]).toMatch(/invented bytes/);
  });
  it('flags two nodes generating different bytes under one replid', () => {
    expect(run('stream-prefix', [...base.slice(0, 4), start('m2', 'master', A, 0), gen('m2', A, 1, 60, 'hY')]).messages[0]).toMatch(/m and m2 both generated bytes at offset 1 of replid aaaaaaaa, and they differ/);
  });
});

describe('convergence, judged from the model', () => {
  const settled = (t = 2000): Ev => ({ t, type: 'x.fault.settled', after_us: 500 });
  const timedOut = (t = 2000): Ev => ({ t, type: 'x.fault.not-converged', settle_us: 1000, report: 'the runner says so', nodes: ['m', 'r'] });

  it('passes a settle window that closes on one master every node has caught up with', () => {
    const r = run('convergence', [...base, obs('m', A, 100, 'd', {}, 900, 'master'), obs('r', A, 100, 'd'), settled()]);
    expect(r.messages).toEqual([]);
    expect(r.report.stats.settle_ms).toBe(1);
  });
  it('flags a window the runner called settled while a replica is behind', () => {
    expect(run('convergence', [...base.slice(0, 6), settled()]).messages[0]).toMatch(/the settle step ended at 2\.000 ms, but the trace shows no converged cluster then: r \(replica of m\): link up, offset 60 vs 100/);
  });
  it('flags two masters', () => {
    expect(run('convergence', [...base, ...promote('r', A, B, 100), settled()]).messages[0]).toMatch(/2 masters \(m, r\)/);
  });
  it('flags a node that is down', () => {
    expect(run('convergence', [...base, { t: 50, type: 'redis.stop', node: 'r', how: 'crash', saved: false }, settled()]).messages[0]).toMatch(/r is down/);
  });
  it('flags different data at the common position', () => {
    expect(run('convergence', [...base, obs('m', A, 100, 'd1', {}, 900, 'master'), obs('r', A, 100, 'd2'), settled()]).messages[0]).toMatch(/r holds other data \(digest d2 vs d1\)/);
  });
  it('a window that closed unsettled says why, from the model', () => {
    expect(run('convergence', [...base.slice(0, 6), timedOut()]).messages[0]).toMatch(/not converged 1 ms after the faults stopped and the network healed: r \(replica of m\): link up, offset 60 vs 100$/);
  });
  it('a window that closed unsettled while the model shows convergence is still a violation, and says they disagree', () => {
    expect(run('convergence', [...base, timedOut()]).messages[0]).toMatch(/the runner says so \(the trace itself shows a converged cluster\)/);
  });
});

describe('counter-sanity', () => {
  const served = [start('m', 'master', A), psync('m', 'r', B, 5, 'full', 1, 1)];
  it('passes counters that follow the PSYNCs served', () => {
    expect(run('counter-sanity', [...served, obs('m', A, 100, 'd', { full: 1, err: 1 }, 5, 'master')]).messages).toEqual([]);
  });
  it('flags counters that do not follow the PSYNCs served', () => {
    expect(run('counter-sanity', [...served, obs('m', A, 100, 'd', { full: 1, ok: 1, err: 1 })]).messages[0]).toMatch(/m reports sync_partial_ok=1 sync_full=1 sync_partial_err=1, but it served 0 partial and 1 full syncs.*each PSYNC must move exactly one/);
  });
  it('flags sync_partial_err above sync_full', () => {
    const r = run('counter-sanity', [start('m', 'master', A), obs('m', A, 100, 'd', { full: 0, err: 1 })]).messages;
    expect(r.some((m) => /sync_partial_err \(1\) exceeds sync_full \(0\)/.test(m))).toBe(true);
  });
  it('flags an offset that goes back within one replid', () => {
    expect(run('counter-sanity', [start('m', 'master', A), obs('m', A, 100, 'd', {}, 5), obs('m', A, 90, 'e', {}, 6)]).messages[0]).toMatch(/m's offset went back from 100 to 90 within replid aaaaaaaa/);
  });
  it('a full sync may move the offset back', () => {
    const full = { t: 6, type: 'redis.replid', node: 'm', reason: 'full-sync', prev_replid: A, replid: A, replid2: Z, second_repl_offset: -1, master_repl_offset: 90 };
    expect(run('counter-sanity', [start('m', 'master', A), obs('m', A, 100, 'd', {}, 5), full, obs('m', A, 90, 'e', {}, 7)]).messages).toEqual([]);
  });
});

describe('acknowledged-writes', () => {
  const write = (node: string, key: string, value: string, t = 10): Ev => ({ t, type: 'x.write', node, db: 0, cmd: 'SET', key, value, acked: true });
  const holding = (v: string | null): FinalView => ({ master: 'm', get: () => v });
  it('passes when the final master holds the last acknowledged value', () => {
    expect(run('acknowledged-writes', [start('m', 'master', A), write('m', 'k', '1'), write('m', 'k', '2', 11)], holding('2')).messages).toEqual([]);
  });
  it('flags an acknowledged write lost with nothing that may lose it', () => {
    expect(run('acknowledged-writes', [start('m', 'master', A), write('m', 'k', '2')], holding(null)).messages[0]).toMatch(/SET k 2 \(db 0\) was acknowledged by m at 0\.010 ms but the final master m has no such key; no failover, crash or unsaved restart came after it/);
  });
  it('flags a loss that only an unrelated node\'s crash follows', () => {
    const r = run('acknowledged-writes', [start('m', 'master', A), write('m', 'k', '2'), { t: 20, type: 'redis.stop', node: 'r', how: 'crash', saved: false }], holding('1'));
    expect(r.messages[0]).toMatch(/has "1"; nothing after it may lose it \(crash of r at 0\.020 ms\)/);
  });
  it('counts a loss across the writer\'s crash as allowed, with a note', () => {
    const r = run('acknowledged-writes', [start('m', 'master', A), write('m', 'k', '2'), { t: 20, type: 'redis.stop', node: 'm', how: 'crash', saved: false }], holding(null));
    expect(r.messages).toEqual([]);
    expect(r.report.stats.lost_allowed).toBe(1);
    expect(r.report.notes).toEqual(['1 acknowledged write(s) lost across the crash of m at 0.020 ms (acknowledged by m; allowed: asynchronous replication)']);
  });
});
