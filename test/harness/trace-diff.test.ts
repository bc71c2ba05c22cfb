// The trace comparison behind `replsim diff a.jsonl b.jsonl`: equal traces, the first differing event
// and its fields, prefixes, ids as labels, --ignore, bad lines, and reading as a stream.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../sim/errors.js';
import { diffTraceFiles, diffTraces, traceFileSource, type TraceSource } from '../../sim/harness/trace-diff.js';

type Ev = Record<string, unknown>;
const ID = (c: string) => c.repeat(40);
const ZERO = ID('0');
const src = (name: string, lines: (Ev | string)[]): TraceSource => ({ name, lines: lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))) });
const header = (seed: number): Ev => ({ type: 'trace.header', trace_version: 1, tool_version: '0.1.0', scenario: 'unit', seed, mutant: null });
const footer = (status: string, hash: string): Ev => ({ type: 'trace.footer', status, failures: 0, trace_hash: hash, trace_events: 0 });
const write = (t: number, start: number): Ev => ({ t, type: 'redis.stream', node: 'p', replid: ID('a'), start, bytes: 40, h: `h${start}` });

/** A run of n stream events on one replid, then a replid change, with the given ids. */
function run(ids: { first: string; second: string }, n = 8): Ev[] {
  const out: Ev[] = [{ t: 0, type: 'redis.start', node: 'p', role: 'master', master_host: null, replid: ids.first, replid2: ZERO, master_repl_offset: 0 }];
  for (let i = 0; i < n; i++) out.push({ t: 100 * (i + 1), type: 'redis.stream', node: 'p', replid: ids.first, start: 1 + 40 * i, bytes: 40, h: `h${i}` });
  out.push({ t: 100 * (n + 1), type: 'redis.replid', node: 'p', reason: 'promotion', prev_replid: ids.first, replid: ids.second, replid2: ids.first, second_repl_offset: 1 + 40 * n, master_repl_offset: 40 * n });
  return out;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UserError);
  return (e as Error).message;
}

describe('diffTraces', () => {
  it('equal traces: same, every event counted, header and footer read, no context or divergence', async () => {
    const events = run({ first: ID('a'), second: ID('b') });
    const d = await diffTraces(src('a', [header(1), ...events, footer('pass', 'v1-x')]), src('b', [header(1), ...events, footer('pass', 'v1-x')]));
    expect(d.same).toBe(true);
    expect(d.equal_events).toBe(events.length);
    expect(d.divergence).toBeNull();
    expect(d.context).toEqual([]);
    expect(d.a).toMatchObject({ scenario: 'unit', seed: 1, complete: true, status: 'pass', trace_hash: 'v1-x', events_read: events.length, ids: 2 });
  });

  it('a field that differs: its index, time, lines, the fields named with both values, the equal events before it', async () => {
    const a = run({ first: ID('a'), second: ID('b') });
    const b = run({ first: ID('a'), second: ID('b') });
    b[6] = { ...b[6]!, t: 650, bytes: 41 };
    const d = await diffTraces(src('a', [header(1), ...a]), src('b', [header(2), ...b]), { context: 3 });
    expect(d.same).toBe(false);
    expect(d.equal_events).toBe(6);
    const v = d.divergence!;
    expect(v).toMatchObject({ index: 6, kind: 'differ', a: { index: 6, line: 8, t: a[6]!.t }, b: { index: 6, line: 8, t: 650 } });
    expect(v.fields).toEqual([
      { field: 't', a: a[6]!.t, b: 650 },
      { field: 'bytes', a: 40, b: 41 },
    ]);
    expect(d.context.map((c) => c.index)).toEqual([3, 4, 5]);
    expect(d.context.map((c) => c.event.start)).toEqual([a[3]!.start, a[4]!.start, a[5]!.start]);
    expect(d.context[0]!.line).toEqual({ a: 5, b: 5 });
    // the events after the divergence, on each side
    expect(v.a_next.map((e) => e.index)).toEqual([7, 8, 9]);
    expect(v.b_next.map((e) => e.event.type)).toEqual(b.slice(7, 10).map((e) => e.type));
    // neither side was read to its end: whether it has a footer is not known
    expect([d.a.complete, d.b.complete]).toEqual([null, null]);
  });

  it('a field only one side has is named with that side\'s value alone', async () => {
    const a = run({ first: ID('a'), second: ID('b') });
    const b = a.map((e, i) => (i === 2 ? { ...e, extra: 1 } : e));
    const d = await diffTraces(src('a', a), src('b', b));
    expect(d.divergence!.index).toBe(2);
    expect(d.divergence!.fields).toEqual([{ field: 'extra', b: 1 }]);
  });

  it('fields in another order are the same event', async () => {
    const a = run({ first: ID('a'), second: ID('b') });
    const b = a.map((e) => Object.fromEntries(Object.entries(e).reverse()));
    expect((await diffTraces(src('a', a), src('b', b))).same).toBe(true);
  });

  it('a prefix: the shorter side ends at index i, the other goes on', async () => {
    const events = run({ first: ID('a'), second: ID('b') });
    const d = await diffTraces(src('short', [header(1), ...events.slice(0, 4)]), src('long', [header(1), ...events]), { context: 2 });
    expect(d.same).toBe(false);
    expect(d.divergence).toMatchObject({ index: 4, kind: 'a-ended', a: null, b: { index: 4, line: 6 }, fields: [], a_next: [] });
    expect(d.divergence!.b_next.map((e) => e.index)).toEqual([5, 6]);
    expect(d.a.complete).toBe(false);
    const flipped = await diffTraces(src('long', events), src('short', events.slice(0, 4)));
    expect(flipped.divergence).toMatchObject({ index: 4, kind: 'b-ended', b: null });
  });

  it('replication ids are labels in order of first appearance: other random ids, same run', async () => {
    const a = run({ first: ID('a'), second: ID('b') });
    const b = run({ first: ID('c'), second: ID('d') });
    const d = await diffTraces(src('a', a), src('b', b));
    expect(d.same).toBe(true);
    expect(d.a.ids).toBe(2);
  });

  it('ids that do not map one to one differ, named with their labels and the legend of both sides', async () => {
    const a = run({ first: ID('a'), second: ID('b') });
    // b's promotion keeps its id: the second id is the first one again
    const b = run({ first: ID('c'), second: ID('c') });
    const d = await diffTraces(src('a', a), src('b', b));
    const v = d.divergence!;
    expect(v.index).toBe(a.length - 1);
    expect(v.fields).toEqual([{ field: 'replid', a: '#B', b: '#A' }]);
    expect(v.a!.event.prev_replid).toBe('#A');
    expect(d.ids).toEqual([
      { label: '#A', a: ID('a'), b: ID('c') },
      { label: '#B', a: ID('b'), b: null },
    ]);
  });

  it('the same line on both sides still differs when its id stands for another label on each', async () => {
    const ev = (replid: string): Ev => ({ t: 1, type: 'redis.link', node: 'r', status: 'up', replid });
    // a: x y x; b: y x x. The third lines are the same text, but x is #A on a and #B on b
    const d = await diffTraces(src('a', [ev(ID('1')), ev(ID('2')), ev(ID('1'))]), src('b', [ev(ID('2')), ev(ID('1')), ev(ID('1'))]));
    expect(d.divergence).toMatchObject({ index: 2, fields: [{ field: 'replid', a: '#A', b: '#B' }] });
  });

  it('the all-zero id is not a label; ids inside text (Sentinel run ids) are', async () => {
    const line = (replid2: string, runid: string): Ev => ({ t: 1, type: 'sentinel.event', sentinel: 's1', event: '+sentinel', instance: `sentinel ${runid} s2 26379 @ mymaster p 6379`, detail: '', epoch: 0, replid2 });
    expect((await diffTraces(src('a', [line(ZERO, ID('e'))]), src('b', [line(ZERO, ID('f'))]))).same).toBe(true);
    const d = await diffTraces(src('a', [line(ZERO, ID('e'))]), src('b', [line(ID('9'), ID('f'))]));
    expect(d.divergence!.fields).toEqual([{ field: 'replid2', a: ZERO, b: '#B' }]);
    expect(d.divergence!.a!.event.instance).toBe('sentinel #A s2 26379 @ mymaster p 6379');
  });

  it('--ignore t: events that differ only in time are the same; another field still differs', async () => {
    const a = run({ first: ID('a'), second: ID('b') });
    const shifted: Ev[] = a.map((e) => ({ ...e, t: (e.t as number) + 7 }));
    expect((await diffTraces(src('a', a), src('b', shifted))).same).toBe(false);
    const d = await diffTraces(src('a', a), src('b', shifted), { ignore: ['t'] });
    expect(d.same).toBe(true);
    expect(d.ignored).toEqual(['t']);
    shifted[3] = { ...shifted[3]!, node: 'q' };
    const d2 = await diffTraces(src('a', a), src('b', shifted), { ignore: ['t'], context: 2 });
    expect(d2.divergence).toMatchObject({ index: 3, fields: [{ field: 'node', a: 'p', b: 'q' }] });
    // the times are still reported, each side's own
    expect(d2.divergence!.b!.t).toBe((a[3]!.t as number) + 7);
    expect(d2.context.map((c) => c.t)).toEqual([1, 2].map((i) => ({ a: a[i]!.t, b: (a[i]!.t as number) + 7 })));
    await expect(diffTraces(src('a', a), src('b', a), { ignore: ['t.x'] })).rejects.toThrow(/--ignore: "t\.x" is not a field name/);
  });

  it('a line that is not JSON, not an object with a type, or an event without t: one message naming the source and line', async () => {
    const ok = [header(1), write(1, 1)];
    expect(await refusal(diffTraces(src('good', ok), src('b.jsonl', [header(1), '', '{"t": 1, "type": "x"', write(2, 41)])))).toBe(
      'b.jsonl: line 3 is not JSON; a trace has one JSON object per line, as "replsim run --trace" writes it',
    );
    expect(await refusal(diffTraces(src('a.jsonl', [header(1), '[1, 2]']), src('good', ok)))).toMatch(/^a\.jsonl: line 2 is not a trace event/);
    expect(await refusal(diffTraces(src('a.jsonl', ['{"type": "redis.stream"}']), src('good', ok)))).toMatch(/^a\.jsonl: line 1 is not a trace event/);
    expect(await refusal(diffTraces(src('a.jsonl', ['{"t": "1", "type": "x"}']), src('good', ok)))).toMatch(/^a\.jsonl: line 1 is not a trace event/);
    expect(await refusal(diffTraces(src('good', ok), src('e.jsonl', ['', '  '])))).toMatch(/^e\.jsonl: is empty/);
    // both bad: the message is about a
    expect(await refusal(diffTraces(src('a.jsonl', ['x']), src('b.jsonl', ['y'])))).toMatch(/^a\.jsonl: line 1/);
  });

  it('stops reading at the divergence: a side that never ends is fine', async () => {
    let pulled = 0;
    function* endless(): Generator<string> {
      for (let i = 0; ; i++) {
        pulled++;
        yield JSON.stringify(write(i, 1 + 40 * i));
      }
    }
    const a = Array.from({ length: 50 }, (_, i) => write(i, 1 + 40 * i));
    a[40] = { ...a[40]!, h: 'other' };
    const d = await diffTraces(src('a', a), { name: 'endless', lines: endless() }, { context: 4 });
    expect(d.divergence!.index).toBe(40);
    expect(d.context).toHaveLength(4);
    expect(pulled).toBe(45);
  });
});

describe('diffTraceFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replsim-tdiff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, lines: Ev[], eol = '\n'): string => {
    const p = join(dir, name);
    writeFileSync(p, lines.map((l) => JSON.stringify(l)).join(eol) + eol);
    return p;
  };

  it('reads files as streams across chunk boundaries; a side stopped early still reports its footer', async () => {
    // about 3 MB per file: many 64 KB chunks, lines split between them; CRLF on one side
    const events = Array.from({ length: 30_000 }, (_, i) => ({ ...write(i, 1 + 40 * i), pad: 'x'.repeat(i % 50) }));
    const a = file('a.jsonl', [header(1), ...events, footer('pass', 'v1-a')]);
    const same = file('same.jsonl', [header(2), ...events, footer('pass', 'v1-a')], '\r\n');
    const d = await diffTraceFiles(a, same);
    expect(d).toMatchObject({ same: true, equal_events: events.length });
    const changed = events.map((e, i) => (i === 20_000 ? { ...e, h: 'changed' } : e));
    const b = file('b.jsonl', [header(3), ...changed, footer('fail', 'v1-b')]);
    const d2 = await diffTraceFiles(a, b);
    expect(d2.divergence).toMatchObject({ index: 20_000, a: { line: 20_002 }, fields: [{ field: 'h', a: 'h800001', b: 'changed' }] });
    expect(d2.b.events_read).toBeLessThan(events.length);
    expect(d2.b).toMatchObject({ seed: 3, complete: true, status: 'fail', trace_hash: 'v1-b' });
  });

  it('a side read later loses no lines (the other side is slow to start)', async () => {
    const events = run({ first: ID('a'), second: ID('b') });
    const b = file('late.jsonl', [header(1), ...events]);
    async function* slow(): AsyncGenerator<string> {
      for (const e of [header(1), ...events]) {
        await new Promise((r) => setTimeout(r, 20));
        yield JSON.stringify(e);
      }
    }
    const d = await diffTraces({ name: 'slow', lines: slow() }, traceFileSource(b));
    expect(d).toMatchObject({ same: true, equal_events: events.length });
  });

  it('a missing file or a folder is refused by name', async () => {
    const ok = file('ok.jsonl', [write(1, 1)]);
    expect(await refusal(diffTraceFiles(join(dir, 'nope.jsonl'), ok))).toMatch(/nope\.jsonl: no such file/);
    expect(await refusal(diffTraceFiles(ok, dir))).toMatch(/: is a folder/);
  });
});
