// comparableEvents(): PSYNC reason codes for the simulator's and the log's reason strings, role
// changes, id labels, the canonical order; firstDifference() and the fixtures' comparable form.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { comparableEvents, firstDifference, formatComparable, psyncWhy, PSYNC_REASONS, type EventLike } from '../../../sim/backends/real/comparable.js';
import { mergeLogEvents, parseRedisLog } from '../../../sim/backends/real/log-events.js';
import { simulate } from '../../../sim/harness/simulate.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ID = (c: string) => c.repeat(40);
const ZERO = ID('0');

describe('PSYNC reasons', () => {
  it('every reason decidePartial() in sim/redis/psync.ts can give has a code', () => {
    const src = readFileSync(join(ROOT, 'sim', 'redis', 'psync.ts'), 'utf8');
    const at = src.indexOf('export function decidePartial(');
    expect(at).toBeGreaterThan(0);
    const body = src.slice(at, src.indexOf('\n}\n', at));
    // the string literals after "reason:" on each line, with 7 for every ${...}
    const reasons = body
      .split('\n')
      .filter((l) => l.includes('reason:'))
      .flatMap((l) => [...l.slice(l.indexOf('reason:')).matchAll(/(['`])(.*?)\1/g)].map((m) => m[2]!.replace(/\$\{[^}]*\}/g, '7')));
    expect(reasons.length).toBe(7);
    const codes = reasons.map(psyncWhy);
    for (const c of codes) expect(c).not.toMatch(/^unknown|^unresolved/);
    expect(new Set(codes)).toEqual(new Set(['requested-full', 'second-id-offset', 'replid-mismatch', 'lack-of-backlog', 'replid', 'replid2']));
  });

  it('the log side: each reason log-events.ts writes maps to the same code as the simulator\'s', () => {
    expect(psyncWhy('lack of backlog (wanted 1)')).toBe(psyncWhy('lack of backlog (wanted 1, have 2..9)'));
    expect(psyncWhy('lack of backlog (wanted 1)')).toBe(psyncWhy('lack of backlog (no backlog)'));
    expect(psyncWhy('requested offset for second ID was 105, but I can reply up to 78')).toBe('second-id-offset');
    expect(psyncWhy('accepted')).toBe('unresolved');
    expect(psyncWhy('some new reason')).toBe('unknown: some new reason');
    expect(new Set(PSYNC_REASONS.map((r) => r.why)).size).toBe(PSYNC_REASONS.length);
  });
});

const ev = (type: string, node: string, f: Record<string, unknown> = {}): EventLike => ({ t: 0, type, node, ...f });

describe('comparableEvents', () => {
  it('role records are changes from the start or the previous role event', () => {
    const c = comparableEvents([
      ev('redis.start', 'a', { role: 'slave', master_host: 'b' }),
      ev('redis.role', 'a', { role: 'slave', master_host: 'b' }),
      ev('redis.role', 'a', { role: 'slave', master_host: 'c' }),
      ev('redis.role', 'a', { role: 'master', master_host: null }),
      ev('redis.start', 'a', { role: 'master', master_host: null }),
      ev('redis.role', 'a', { role: 'master', master_host: null }),
    ]);
    expect(c.map(formatComparable)).toEqual(['a: role slave of c', 'a: role master']);
  });

  it('ids become labels in order of first appearance over nodes sorted by name; zeros are 0; a TTL change has no id', () => {
    const c = comparableEvents([
      ev('redis.replid', 'z', { reason: 'first-replica', replid: ID('e'), replid2: ZERO }),
      ev('redis.replid', 'b', { reason: 'full-sync', replid: ID('e'), replid2: ZERO }),
      ev('redis.replid', 'b', { reason: 'replicaof-no-one', replid: ID('f'), replid2: ID('e') }),
      ev('redis.replid', 'z', { reason: 'backlog-ttl', replid: ID('9'), replid2: ZERO }),
      ev('redis.replid', 'z', { reason: 'full-sync', replid: ID('f'), replid2: ZERO }),
    ]);
    expect(c.map(formatComparable)).toEqual([
      'b: replid A, replid2 0 (full-sync)',
      'b: replid B, replid2 A (replicaof-no-one)',
      'z: replid A, replid2 0 (first-replica)',
      'z: replid (not logged), replid2 0 (backlog-ttl)',
      'z: replid B, replid2 0 (full-sync)',
    ]);
  });

  it("a first replica's new id and the backlog TTL's: the simulator reports replid2 cleared, as the log line does (Redis logs after clearReplicationId2())", () => {
    // r promoted (replid2 = m's id, kept by its backlog), alone until repl-backlog-ttl frees the
    // backlog (a new id, replid2 cleared); then m becomes its first replica (another new id)
    const events: EventLike[] = [];
    simulate({
      name: 'ttl', config: { save: '', 'repl-backlog-ttl': 1 }, nodes: { m: {}, r: { replicaof: 'm' } },
      steps: [{ op: 'wait-sync' }, { op: 'replicaof', node: 'r', primary: null }, { op: 'sleep', ms: 3000 }, { op: 'replicaof', node: 'm', primary: 'r' }, { op: 'wait-sync' }],
    }, { seed: 1, observers: [(e) => void events.push(e)] });
    const r = events.filter((e) => e.type === 'redis.replid' && e.node === 'r').map((e) => [e.reason, e.replid2 === ZERO ? '0' : 'set', e.second_repl_offset]);
    expect(r).toEqual([['full-sync', '0', -1], ['replicaof-no-one', 'set', expect.any(Number)], ['backlog-ttl', '0', -1], ['first-replica', '0', -1]]);
  });

  it('a master\'s PSYNC decisions come after its own changes, replica by replica; other events are left out', () => {
    const c = comparableEvents([
      ev('redis.psync', 'm', { replica: 'r2', result: 'full', reason: 'replication ID mismatch' }),
      ev('redis.psync', 'm', { replica: 'r1', result: 'continue', reason: 'replid2 match' }),
      ev('redis.link', 'm', { status: 'up' }),
      ev('redis.role', 'm', { role: 'master', master_host: null }),
      ev('redis.psync', 'm', { replica: 'r2', result: 'continue', reason: 'replid match' }),
      { t: 0, type: 'net.partition', blocked: [] },
    ]);
    expect(c.map(formatComparable)).toEqual([
      'm: role master',
      'm: PSYNC from r1 continue (replid2)',
      'm: PSYNC from r2 full (replid-mismatch)',
      'm: PSYNC from r2 continue (replid)',
    ]);
  });

  it('the same behaviour with other ids and other timing between nodes gives the same list', () => {
    const run = (x: string, y: string, swap: boolean, shift = true) => {
      const m = [ev('redis.replid', 'm', { reason: 'first-replica', replid: ID(x), replid2: ZERO }), ev('redis.psync', 'm', { replica: 'r', result: 'full', reason: 'replication ID mismatch' })];
      const r = [ev('redis.role', 'r', { role: 'slave', master_host: 'm' }), ev('redis.replid', 'r', { reason: 'full-sync', replid: ID(x), replid2: ZERO })];
      if (shift) r.push(ev('redis.replid', 'r', { reason: 'replicaof-no-one', replid: ID(y), replid2: ID(x) }));
      r.push(ev('redis.role', 'r', { role: 'master', master_host: null }));
      return comparableEvents(swap ? [...r, ...m] : [...m, ...r]);
    };
    expect(run('a', 'b', false).length).toBe(6);
    expect(firstDifference(run('a', 'b', false), run('c', 'd', true))).toBeNull();
    // a promotion that keeps its id is a difference, named where it is
    expect(firstDifference(run('a', 'b', false), run('a', 'b', false, false))).toEqual({
      stream: 'r',
      index: 2,
      a: { kind: 'replid', node: 'r', why: 'replicaof-no-one', replid: 'B', replid2: 'A' },
      b: { kind: 'role', node: 'r', role: 'master', master: null },
    });
    // one list a prefix of the other
    expect(firstDifference(run('a', 'b', false), run('a', 'b', false).slice(0, 3))).toEqual({ stream: 'r', index: 1, a: expect.objectContaining({ kind: 'replid', why: 'full-sync' }), b: null });
  });
});

describe('firstDifference', () => {
  const psync = (node: string, replica: string, why: string, t: number) => ev('redis.psync', node, { t, replica, result: 'full', reason: why });
  it('with times, names the difference that came first, whichever sequence it is in; times are not compared', () => {
    const a = comparableEvents([psync('a', 'x', 'replication ID mismatch', 900), psync('b', 'x', 'replication ID mismatch', 100)], { time: true });
    const b = comparableEvents([psync('a', 'x', 'full resync requested by replica', 950), psync('b', 'x', 'lack of backlog (wanted 5)', 120)], { time: true });
    expect(a.map((c) => c.t)).toEqual([900, 100]);
    expect(firstDifference(a, b)).toMatchObject({ stream: 'b <- x', index: 0, a: { why: 'replid-mismatch' }, b: { why: 'lack-of-backlog' } });
    // without times: the first in list order
    expect(firstDifference(comparableEvents([psync('a', 'x', 'replication ID mismatch', 900), psync('b', 'x', 'replication ID mismatch', 100)]), comparableEvents([psync('a', 'x', 'full resync requested by replica', 950), psync('b', 'x', 'lack of backlog (wanted 5)', 120)]))).toMatchObject({ stream: 'a <- x' });
    const same = comparableEvents([psync('a', 'x', 'replication ID mismatch', 1)], { time: true });
    expect(firstDifference(same, comparableEvents([psync('a', 'x', 'replication ID mismatch', 7)], { time: true }))).toBeNull();
    expect(comparableEvents([psync('a', 'x', 'replication ID mismatch', 1)])).toEqual([{ kind: 'psync', node: 'a', replica: 'x', decision: 'full', why: 'replid-mismatch' }]);
  });
});

describe('the fixtures', () => {
  it('the promotion logs give the comparable form of what the capture script did', () => {
    const ports: Record<number, string> = { 23101: 'm', 23102: 'r1', 23103: 'r2', 23104: 'x' };
    const nodes = ['m', 'r1', 'r2', 'x'];
    const logs = nodes.map((n) => parseRedisLog(readFileSync(join(ROOT, 'test', 'fixtures', 'real-logs', `promotion-${n}.log`), 'utf8'), { node: n, nameOf: (_h, p) => ports[p] ?? null }));
    const c = comparableEvents(mergeLogEvents(logs)).map(formatComparable);
    expect(c).toEqual([
      'm: replid A, replid2 0 (first-replica)',
      'm: role slave of r1',
      'm: replid B, replid2 0 (full-sync)',
      'm: replid C, replid2 B (continue-new-id)',
      'm: PSYNC from r1 full (replid-mismatch)',
      'm: PSYNC from r1 continue (replid)',
      'm: PSYNC from r2 full (replid-mismatch)',
      'r1: role slave of m',
      'r1: replid A, replid2 0 (full-sync)',
      'r1: replid B, replid2 A (replicaof-no-one)',
      'r1: role master',
      'r1: role slave of r2',
      'r1: replid C, replid2 B (continue-new-id)',
      'r1: PSYNC from m full (second-id-offset)',
      'r1: PSYNC from m continue (replid2)',
      'r1: PSYNC from r2 continue (replid2)',
      'r1: PSYNC from x full (replid-mismatch)',
      'r1: PSYNC from x continue (replid2)',
      'r2: role slave of m',
      'r2: replid A, replid2 0 (full-sync)',
      'r2: role slave of r1',
      'r2: replid B, replid2 A (continue-new-id)',
      'r2: replid C, replid2 B (psync-failover)',
      'r2: role master',
      'r2: PSYNC from r1 continue (replid2)',
      'x: role slave of r1',
      'x: replid B, replid2 0 (full-sync)',
      'x: replid C, replid2 B (continue-new-id)',
    ]);
  });
});
