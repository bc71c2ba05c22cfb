// `replsim diff a.jsonl b.jsonl` on real traces: two seeds of a built-in, a seed against itself, a
// clean run against a mutant, ids and times rewritten, a prefix, and bad input (exit 2, one message).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, expectUserError, json, tempDir } from './cli.js';

type Line = Record<string, unknown>;
type Side = { index: number; line: number; t: number; event: Line };
type Diff = {
  same: boolean;
  equal_events: number;
  a: Line;
  b: Line;
  context: { index: number; event: Line }[];
  divergence: { index: number; kind: string; a: Side | null; b: Side | null; fields: { field: string; a?: unknown; b?: unknown }[] } | null;
  ids: { label: string; a: string | null; b: string | null }[];
};

const lines = (path: string): Line[] => readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
const events = (path: string): Line[] => lines(path).filter((l) => typeof l.t === 'number');
const writeLines = (path: string, ls: Line[]) => writeFileSync(path, ls.map((l) => JSON.stringify(l)).join('\n') + '\n');

/** The test's own view of "the same event": ids of 40 hex digits renamed by order of first appearance. */
function normalized(evs: Line[]): string[] {
  const seen = new Map<string, number>();
  return evs.map((e) => JSON.stringify(e).replace(/\b[0-9a-f]{40}\b/g, (id) => (/^0+$/.test(id) ? id : `id${seen.get(id) ?? seen.set(id, seen.size).get(id)!}`)));
}

describe('replsim diff: two traces', () => {
  const tmp = tempDir();
  const p = (name: string) => join(tmp.dir, name);
  afterAll(tmp.cleanup);

  beforeAll(() => {
    for (const [file, args] of [
      ['s7.jsonl', ['--seed', '7']],
      ['s7-again.jsonl', ['--seed', '7']],
      ['s8.jsonl', ['--seed', '8']],
      ['s7-mutant.jsonl', ['--seed', '7', '--mutant', 'promotion-keeps-replid']],
    ] as const) {
      const r = cli('run', 'failover-clean', ...args, '--trace', p(file), '--quiet');
      expect([0, 1], r.stderr).toContain(r.code);
    }
  }, 60_000); // four CLI runs: a few seconds each on a busy machine

  it('a seed against itself: exit 0, SAME, every event of the run compared', () => {
    const r = cli('diff', p('s7.jsonl'), p('s7-again.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    const n = events(p('s7.jsonl')).length;
    expect(r.stdout).toContain(`SAME: all ${n} events are equal`);
    const d = json<Diff>(cli('diff', p('s7.jsonl'), p('s7-again.jsonl'), '--json'));
    expect(d).toMatchObject({ same: true, equal_events: n, divergence: null });
  });

  it('two seeds: exit 1 at the first event that differs, all events before it equal', () => {
    const r = cli('diff', p('s7.jsonl'), p('s8.jsonl'), '--json');
    expect(r.code, r.stderr).toBe(1);
    const d = json<Diff>(r);
    const [a, b] = [normalized(events(p('s7.jsonl'))), normalized(events(p('s8.jsonl')))];
    const i = d.divergence!.index;
    expect(a.slice(0, i)).toEqual(b.slice(0, i));
    expect(a[i]).not.toBe(b[i]);
    expect(d.divergence!.kind).toBe('differ');
    // the fields named are exactly the ones whose values differ
    const [ea, eb] = [events(p('s7.jsonl'))[i]!, events(p('s8.jsonl'))[i]!];
    for (const f of d.divergence!.fields) expect(JSON.stringify(ea[f.field])).not.toBe(JSON.stringify(eb[f.field]));
    expect(d.context.map((c) => c.index)).toEqual([i - 5, i - 4, i - 3, i - 2, i - 1].filter((x) => x >= 0));
    expect(d.a).toMatchObject({ seed: 7, status: 'pass' });
    expect(d.b).toMatchObject({ seed: 8 });
    // the human form says the same
    const h = cli('diff', p('s7.jsonl'), p('s8.jsonl'), '--context', '2');
    expect(h.code).toBe(1);
    expect(h.stdout).toContain(`DIFFERENT at event ${i} `);
    expect(h.stdout).toContain('the 2 events before, the same on both sides:');
  });

  it('a clean run against a mutant: the promotion where the mutant keeps its replication id', () => {
    const r = cli('diff', p('s7.jsonl'), p('s7-mutant.jsonl'), '--json');
    expect(r.code, r.stderr).toBe(1);
    const d = json<Diff>(r);
    expect(d.b).toMatchObject({ mutant: 'promotion-keeps-replid', seed: 7 });
    const v = d.divergence!;
    // the clean model changes the id when it promotes; the mutant goes straight to the role change
    expect(v.a!.event).toMatchObject({ type: 'redis.replid', replid2: v.a!.event.prev_replid });
    expect(v.b!.event).toMatchObject({ type: 'redis.role', role: 'master', node: v.a!.event.node });
    expect(v.a!.event.replid).not.toBe(v.a!.event.prev_replid);
    // the new id is seen on a only
    expect(d.ids.find((x) => x.label === v.a!.event.replid)).toMatchObject({ b: null });
    expect(cli('diff', p('s7.jsonl'), p('s7-mutant.jsonl')).stdout).toContain('different events: a redis.replid, b redis.role');
  });

  it('other ids standing for the same ones are the same run; one id swapped is a difference', () => {
    const ls = lines(p('s7.jsonl'));
    const ids = [...new Set(JSON.stringify(ls).match(/\b[0-9a-f]{40}\b/g)!.filter((id) => !/^0+$/.test(id)))];
    expect(ids.length).toBeGreaterThan(2);
    const fresh = (k: number) => (k + 1).toString(16).padStart(40, 'f');
    const renamed = ls.map((l) => JSON.parse(ids.reduce((s, id, k) => s.replaceAll(id, fresh(k)), JSON.stringify(l))) as Line);
    writeLines(p('renamed.jsonl'), renamed);
    expect(cli('diff', p('s7.jsonl'), p('renamed.jsonl')).code).toBe(0);
    // one event names another (already seen) id in place of its own
    const k = renamed.findIndex((l, i) => i > 0 && l.type === 'redis.link');
    const other = renamed[k]!.replid === fresh(0) ? fresh(1) : fresh(0); // both seen at the start (redis.start)
    writeLines(p('swapped.jsonl'), renamed.map((l, i) => (i === k ? { ...l, replid: other } : l)));
    const d = json<Diff>(cli('diff', p('s7.jsonl'), p('swapped.jsonl'), '--json'));
    expect(d.divergence!.index).toBe(k - 1); // the header is line 1, not an event
    expect(d.divergence!.fields.map((f) => f.field)).toEqual(['replid']);
  });

  it('--ignore t: every time shifted is the same run; without it, event 0 differs in t', () => {
    writeLines(p('later.jsonl'), lines(p('s7.jsonl')).map((l) => (typeof l.t === 'number' ? { ...l, t: l.t + 1000 } : l)));
    const d = json<Diff>(cli('diff', p('s7.jsonl'), p('later.jsonl'), '--json'));
    expect(d.divergence).toMatchObject({ index: 0, fields: [{ field: 't' }] });
    const r = cli('diff', p('s7.jsonl'), p('later.jsonl'), '--ignore', 't');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ignoring t');
  });

  it('a prefix: the shorter trace ends at index i, exit 1', () => {
    const ls = lines(p('s7.jsonl'));
    writeLines(p('cut.jsonl'), ls.slice(0, 21)); // the header and 20 events, no footer
    const r = cli('diff', p('cut.jsonl'), p('s7.jsonl'), '--json');
    expect(r.code).toBe(1);
    expect(json<Diff>(r).divergence).toMatchObject({ index: 20, kind: 'a-ended', a: null, b: { index: 20, line: 22 } });
    const h = cli('diff', p('cut.jsonl'), p('s7.jsonl'));
    expect(h.stdout).toContain('a is a prefix of b: a ends at event 20');
    expect(h.stdout).toContain('no footer: the run did not finish');
  });

  it('bad input: exit 2 and one message naming the file (and line)', () => {
    expectUserError(cli('diff', p('missing.jsonl'), p('s7.jsonl')), 'missing.jsonl: no such file');
    const ls = readFileSync(p('s7.jsonl'), 'utf8').split('\n');
    writeFileSync(p('torn.jsonl'), [...ls.slice(0, 4), ls[4]!.slice(0, 30), ...ls.slice(5)].join('\n'));
    expectUserError(cli('diff', p('torn.jsonl'), p('s7.jsonl')), 'torn.jsonl: line 5 is not JSON');
    writeFileSync(p('odd.jsonl'), `${ls[0]}\n${ls[1]}\n{"type": "redis.stream"}\n`);
    expectUserError(cli('diff', p('s7.jsonl'), p('odd.jsonl')), 'odd.jsonl: line 3 is not a trace event');
    expectUserError(cli('diff', p('s7.jsonl'), p('s8.jsonl'), '--ignore', 'a.b'), '--ignore: "a.b" is not a field name');
    expectUserError(cli('diff', p('s7.jsonl'), p('s8.jsonl'), p('s7.jsonl')), 'or exactly two trace files');
    expectUserError(cli('diff', p('s7.jsonl'), p('s8.jsonl'), '--seed', '3'), '--seed: two traces are compared as they are');
    expectUserError(cli('diff', p('s7.jsonl'), p('s8.jsonl'), '--network', 'netns'), '--network is for one scenario');
    expectUserError(cli('diff', p('s7.jsonl'), p('s8.jsonl'), '--keep', p('kept')), '--keep is for one scenario');
    expectUserError(cli('diff', 'no-such-scenario'), 'no-such-scenario');
  });
});
