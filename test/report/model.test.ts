// The data an HTML report is drawn from, computed from hand-written traces whose answers are known:
// spans of role, id and link; RDB transfers (loaded or cut short); PSYNC arrows; partitions open
// while either direction is blocked; backlog windows bounded by repl-backlog-size; the id tree;
// violations as markers; the aggregation of long series.
import { describe, expect, it } from 'vitest';
import { aggregate, backlogSizes, buildReport, MAX_EVENT_ROWS, POINT_BUCKETS } from '../../sim/report/model.js';
import type { TraceLine } from '../../sim/report/state.js';
import { UserError } from '../../sim/errors.js';

const ID = (c: string) => c.repeat(40);
const ZERO = ID('0');
const start = (t: number, node: string, role: 'master' | 'slave', replid: string, master: string | null = null, offset = 0): TraceLine => ({
  t, type: 'redis.start', node, role, master_host: master, replid, replid2: ZERO, master_repl_offset: offset, keys: 0, rdb_repl_id: null, rdb_repl_offset: null,
});
const psync = (t: number, server: string, replica: string, result: 'full' | 'continue', o: { first?: number; histlen?: number; master?: number; replid?: string } = {}): TraceLine => ({
  t, type: 'redis.psync', node: server, replica, requested_replid: '?', requested_offset: -1, result, reason: result === 'full' ? 'full resync requested by replica' : 'replid match',
  master_replid: o.replid ?? ID('a'), master_replid2: ZERO, second_repl_offset: -1, master_repl_offset: o.master ?? 0, repl_backlog_first_byte_offset: o.first ?? 1, repl_backlog_histlen: o.histlen ?? 0,
});
const stream = (t: number, node: string, start: number, bytes: number, replid = ID('a')): TraceLine => ({ t, type: 'redis.stream', node, replid, start, bytes, h: 'x' });
const applied = (t: number, node: string, start: number, bytes: number, replid = ID('a')): TraceLine => ({ t, type: 'redis.applied', node, replid, start, bytes, h: 'x' });
const header = (resolved?: unknown): TraceLine => ({ type: 'trace.header', trace_version: 1, tool_version: '0.1.0', scenario: 'hand', scenario_hash: '0', seed: 3, mutant: null, source: 'hand.json', ...(resolved ? { resolved } : {}) });

/** p master on A; r replica of p: full sync, link up, a crash and restart as master on its own id. */
function crashRun(): TraceLine[] {
  return [
    header(),
    start(0, 'p', 'master', ID('a')),
    start(0, 'r', 'slave', ID('b'), 'p'),
    psync(100, 'p', 'r', 'full'),
    { t: 300, type: 'redis.replid', node: 'r', reason: 'full-sync', prev_replid: ID('b'), replid: ID('a'), replid2: ZERO, second_repl_offset: -1, master_repl_offset: 0 },
    { t: 300, type: 'redis.sync', node: 'r', master: 'p', kind: 'full', replid: ID('a'), offset: 0 },
    { t: 300, type: 'redis.link', node: 'r', master_host: 'p', status: 'up', master_repl_offset: 0, replid: ID('a') },
    stream(400, 'p', 1, 50),
    applied(450, 'r', 1, 50),
    { t: 500, type: 'redis.stop', node: 'r', how: 'crash', saved: false },
    start(800, 'r', 'master', ID('c'), null, 0),
    stream(900, 'p', 51, 50),
    { type: 'trace.failure', kind: 'property', property: 'convergence', message: 'convergence: r and p differ', time_us: 900, node: ['r', 'p'] },
    { type: 'trace.verdict', property: 'convergence', held: false, violations: 1, checked: 2, stats: { checks: 2 }, notes: ['a note'] },
    { type: 'trace.footer', status: 'fail', failures: 1, trace_hash: 'v1-x', trace_events: 11 },
  ];
}

describe('spans', () => {
  const r = buildReport(crashRun());
  it('role, id and link spans per node, closed at each change and at the end; down while crashed', () => {
    expect(r.nodes).toEqual(['p', 'r']);
    expect(r.t_end).toBe(900);
    expect(r.roles.filter((s) => s.node === 'r')).toEqual([
      { node: 'r', from: 0, to: 500, value: 'slave' },
      { node: 'r', from: 500, to: 800, value: 'down' },
      { node: 'r', from: 800, to: 900, value: 'master' },
    ]);
    expect(r.replids.filter((s) => s.node === 'r').map((s) => [s.from, s.to, s.value[0]])).toEqual([[0, 300, 'b'], [300, 500, 'a'], [800, 900, 'c']]);
    expect(r.links.filter((s) => s.node === 'r').map((s) => [s.from, s.to, s.value])).toEqual([[0, 300, 'down'], [300, 500, 'up']]);
    expect(r.links.some((s) => s.node === 'p')).toBe(false); // a master has no link
    expect(r.masters.filter((s) => s.node === 'r')).toEqual([{ node: 'r', from: 0, to: 500, value: 'p' }, { node: 'r', from: 500, to: 900, value: null }]);
  });

  it('an RDB transfer runs from the FULLRESYNC to the load; one cut short by a crash is marked so', () => {
    expect(r.rdb).toEqual([{ node: 'r', from: 100, to: 300, value: 'p', complete: true }]);
    const cut = buildReport([header(), start(0, 'p', 'master', ID('a')), start(0, 'r', 'slave', ID('b'), 'p'), psync(100, 'p', 'r', 'full'), { t: 150, type: 'redis.stop', node: 'r', how: 'crash', saved: false }]);
    expect(cut.rdb).toEqual([{ node: 'r', from: 100, to: 150, value: 'p', complete: false }]);
    const open = buildReport([header(), start(0, 'p', 'master', ID('a')), start(0, 'r', 'slave', ID('b'), 'p'), psync(100, 'p', 'r', 'full'), stream(700, 'p', 1, 10)]);
    expect(open.rdb).toEqual([{ node: 'r', from: 100, to: 700, value: 'p', complete: false }]);
  });

  it('a pause is a marker on its host, saying how long', () => {
    const paused = buildReport([header(), start(0, 'p', 'master', ID('a')), { t: 200, type: 'host.pause', host: 'p', until: 700_200 }]);
    expect(paused.markers).toEqual([{ t: 200, node: 'p', kind: 'pause', text: 'host p paused for 700.0 ms' }]);
  });

  it('PSYNC arrows with their figures; crash and restart markers; a violation marker per node it names', () => {
    expect(r.psyncs).toEqual([{ t: 100, replica: 'r', server: 'p', result: 'full', reason: 'full resync requested by replica', requested: '?', requested_offset: -1, master_offset: 0, backlog_first: 1, backlog_histlen: 0 }]);
    expect(r.markers.map((m) => [m.kind, m.node, m.t])).toEqual([['crash', 'r', 500], ['restart', 'r', 800], ['violation', 'r', 900], ['violation', 'p', 900]]);
    expect(r.markers.filter((m) => m.kind === 'violation').map((m) => m.failure)).toEqual([0, 0]);
    expect(r.failures).toEqual([{ t: 900, kind: 'property', property: 'convergence', message: 'convergence: r and p differ', nodes: ['r', 'p'] }]);
    expect(r.verdicts).toEqual([{ property: 'convergence', held: false, checked: 2, stats: { checks: 2 }, notes: ['a note'] }]);
    expect(r.meta).toMatchObject({ scenario: 'hand', seed: 3, status: 'fail', trace_hash: 'v1-x', complete: true, reproduce: 'replsim run hand.json --seed 3', trace_events: 11 });
  });

  it('ids are labelled in order of first appearance; offsets follow the stream and the applied bytes', () => {
    expect(r.ids.map((x) => [x.label, x.id[0]])).toEqual([['A', 'a'], ['B', 'b'], ['C', 'c']]);
    expect(r.offsets.p).toEqual([[0, 0], [400, 50], [900, 100]]);
    expect(r.offsets.r).toEqual([[0, 0], [450, 50], [800, 0]]);
  });

  it('a trace without a footer is reported as incomplete', () => {
    const lines = crashRun().filter((l) => l.type !== 'trace.footer');
    expect(buildReport(lines).meta).toMatchObject({ complete: false, status: null, trace_hash: null });
  });
});

describe('the id tree', () => {
  it('each id with its parent and fork offset (the lineage oracle), and which nodes were on it when', () => {
    const r = buildReport([
      header(),
      start(0, 'p', 'master', ID('a')),
      start(0, 'r', 'slave', ID('a'), 'p'),
      stream(10, 'p', 1, 100),
      applied(20, 'r', 1, 100),
      { t: 30, type: 'redis.replid', node: 'r', reason: 'replicaof-no-one', prev_replid: ID('a'), replid: ID('d'), replid2: ID('a'), second_repl_offset: 101, master_repl_offset: 100 },
      stream(40, 'r', 101, 5, ID('d')),
    ]);
    const byLabel = Object.fromEntries(r.lineage.map((h) => [h.label, h]));
    expect(byLabel.A).toMatchObject({ parent: null, fork_offset: null, on: [{ node: 'p', from: 0, to: 40 }, { node: 'r', from: 0, to: 30 }] });
    expect(byLabel.B).toMatchObject({ id: ID('d'), parent: ID('a'), fork_offset: 100, on: [{ node: 'r', from: 30, to: 40 }] });
  });
});

describe('partitions', () => {
  const cut = (t: number, pairs: [string, string][], heal = false): TraceLine => (heal ? { t, type: 'net.heal', unblocked: pairs } : { t, type: 'net.partition', blocked: pairs });
  it('a pair is cut while either direction is blocked; one still cut at the end closes at the last event', () => {
    const r = buildReport([
      header(), start(0, 'p', 'master', ID('a')), start(0, 'r', 'slave', ID('a'), 'p'), start(0, 'q', 'slave', ID('a'), 'p'),
      cut(100, [['p', 'r'], ['r', 'p']]),
      cut(150, [['q', 'p']]),
      cut(200, [['p', 'r']], true),
      cut(300, [['r', 'p']], true),
      stream(500, 'p', 1, 1),
    ]);
    expect(r.partitions).toEqual([
      { from: 100, to: 300, a: 'p', b: 'r', dirs: 'p<->r' },
      { from: 150, to: 500, a: 'p', b: 'q', dirs: 'q->p' },
    ]);
  });
});

describe('backlog windows', () => {
  it('from the last PSYNC\'s backlog figures, never wider than repl-backlog-size (node config over global)', () => {
    const params = { config: { 'repl-backlog-size': '1mb' }, nodes: { p: { config: { 'repl-backlog-size': '16kb' } } } };
    const r = buildReport([
      header(params), start(0, 'p', 'master', ID('a')), start(0, 'r', 'slave', ID('b'), 'p'),
      stream(10, 'p', 1, 100),
      psync(20, 'p', 'r', 'continue', { first: 1, histlen: 100, master: 100 }),
      stream(30, 'p', 101, 16384),
      stream(40, 'p', 16485, 10),
    ]);
    expect(r.backlog.p).toEqual([[20, 1, 100], [30, 101, 16484], [40, 111, 16494]]);
    expect(r.backlog.r).toEqual([]); // no PSYNC served: no window
  });

  it('a crash forgets the window (the backlog is gone); an empty backlog starts after the offset', () => {
    const r = buildReport([
      header(), start(0, 'p', 'master', ID('a')), start(0, 'r', 'slave', ID('b'), 'p'),
      psync(20, 'p', 'r', 'full', { first: 0, histlen: 0, master: 0 }),
      stream(30, 'p', 1, 10),
      { t: 40, type: 'redis.stop', node: 'p', how: 'crash', saved: false },
      start(50, 'p', 'master', ID('c')),
      stream(60, 'p', 1, 10, ID('c')),
    ]);
    expect(r.backlog.p).toEqual([[20, 1, 0], [30, 1, 10]]);
  });

  it('sizes: the default 1mb, the 16kb floor, and a bad value is the user\'s error', () => {
    expect(backlogSizes(null, ['p'])).toEqual({ p: 1 << 20 });
    expect(backlogSizes({ config: { 'repl-backlog-size': 100 } }, ['p'])).toEqual({ p: 16384 });
    expect(() => backlogSizes({ config: { 'repl-backlog-size': 'lots' } }, ['p'])).toThrow(UserError);
  });
});

describe('aggregation for long runs', () => {
  it('a short series is kept as it is', () => {
    const pts: [number, number][] = [[0, 0], [5, 3], [9, 1]];
    expect(aggregate(pts, 10)).toBe(pts);
  });

  it('a long one keeps the first, lowest, highest and last point of each bucket, in time order', () => {
    const pts: [number, number][] = [];
    for (let i = 0; i < 10_000; i++) pts.push([i, i % 100 === 50 ? -1 : i % 100 === 70 ? 999_999 : i]);
    const out = aggregate(pts, 10_000, 100);
    expect(out.length).toBeLessThanOrEqual(400);
    expect(out.slice(0, 4)).toEqual([[0, 0], [50, -1], [70, 999_999], [99, 99]]);
    expect(out.at(-1)).toEqual([9999, 9999]);
    for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThan(out[i - 1]![0]);
  });

  it('a run of many state changes keeps the series and the event list bounded', () => {
    const lines: TraceLine[] = [header(), start(0, 'p', 'master', ID('a')), start(0, 'r', 'slave', ID('a'), 'p')];
    for (let i = 0; i < 30_000; i++) {
      lines.push(stream(10 * i + 1, 'p', 1 + i, 1));
      lines.push({ t: 10 * i + 2, type: 'redis.link', node: 'r', master_host: 'p', status: i % 2 ? 'up' : 'down', master_repl_offset: i, replid: ID('a') });
    }
    const r = buildReport(lines);
    expect(r.offsets.p!.length).toBeLessThanOrEqual(POINT_BUCKETS * 4);
    expect(r.events.length).toBe(MAX_EVENT_ROWS);
    expect(r.events_omitted).toBe(30_002 - MAX_EVENT_ROWS);
    expect(r.links.length).toBe(29_999); // every change is still a span (the first 'down' continues the start's)
  });
});
