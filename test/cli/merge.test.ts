// replsim merge: a sweep as 1 shard and as 3 shards merges to the same bytes (summary and
// artifacts), equal to the unsharded sweep's own summary; inputs that do not fit are refused or warned about.
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MergedSummary } from '../../sim/harness/merge.js';
import { cli, expectUserError, FIX, json, tempDir, type CliResult } from './cli.js';

// two failure groups; the second group's lowest seed (2) is in shard 2 of 3, the first's (3) in shard 3
const TWO = `${FIX}/flaky-two.json`;
const SEEDS = '1..30';

const files = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('replsim merge', () => {
  const tmp = tempDir();
  const one = join(tmp.dir, 'one');
  const three = join(tmp.dir, 'three');
  const merged = join(tmp.dir, 'merged');
  let whole: CliResult;
  let fromOne: CliResult;
  let fromThree: CliResult;
  let dirFromOne: Record<string, string>;

  beforeAll(() => {
    whole = cli('sweep', TWO, '--seeds', SEEDS, '--workers', '1', '--json', '--out', one);
    for (const i of [1, 2, 3]) {
      const r = cli('sweep', TWO, '--seeds', SEEDS, '--workers', '1', '--shard', `${i}/3`, '--out', three);
      expect(r.code, r.stderr).toBe(1);
    }
    fromOne = cli('merge', one, '--json', '--out', merged);
    dirFromOne = files(merged);
    rmSync(merged, { recursive: true });
    fromThree = cli('merge', three, '--json', '--out', merged);
  }, 180_000);
  afterAll(tmp.cleanup);

  it('1 shard and 3 shards merge to the same bytes, and the same files in --out', () => {
    expect(fromOne.code, fromOne.stderr).toBe(1);
    expect(fromThree.code, fromThree.stderr).toBe(1);
    expect(fromThree.stderr).toBe('');
    expect(readdirSync(three).filter((f) => f.startsWith('sweep-summary')).sort()).toEqual([1, 2, 3].map((i) => `sweep-summary-shard-${i}-of-3.json`));
    expect(fromThree.stdout).toBe(fromOne.stdout);
    expect(files(merged)).toEqual(dirFromOne);
  });

  it('the merge equals the unsharded sweep: counts, results, groups (lowest seed, message, reproduce), artifacts', () => {
    const s = json<MergedSummary>(fromThree);
    const w = json<MergedSummary>(whole);
    expect(s.groups.length, 'the fixture makes two groups').toBe(2);
    expect(s.groups.map((g) => g.lowest_seed)).toEqual([2, 3]);
    for (const k of ['scenario', 'seeds', 'seeds_planned', 'passed', 'failed', 'liveness', 'stopped', 'results'] as const) expect(s[k], k).toEqual(w[k]);
    const noPath = (g: MergedSummary['groups'][number]) => ({ ...g, artifact: g.artifact?.split('/').pop() });
    expect(s.groups.map(noPath)).toEqual(w.groups.map(noPath));
    expect(s.artifacts.map((a) => a.split('/').pop())).toEqual(w.artifacts.map((a) => a.split('/').pop()));
    expect(s.artifacts.every((a) => a.startsWith(merged + '/'))).toBe(true);
    expect(s).toMatchObject({ seeds_missing: 0, seeds_spec: SEEDS, mutant: null, scenario_ref: TWO });
    // the copied artifacts are the shards' own
    for (const a of s.artifacts) expect(readFileSync(a, 'utf8')).toBe(readFileSync(join(three, a.split('/').pop()!), 'utf8'));
  });

  it('a merged folder merges again to the same summary; the text form names the groups and totals', () => {
    const again = cli('merge', merged, '--json');
    expect(again.stdout).toBe(fromOne.stdout);
    const text = cli('merge', three);
    expect(text.code).toBe(1);
    const s = json<MergedSummary>(fromThree);
    expect(text.stdout).toContain(`merge cli-flaky-two: 30 seeds from 3 summaries, ${s.passed} passed, ${s.failed} failed, 0 liveness failures in 2 groups`);
    expect(text.stdout).toContain(`reproduce: replsim run ${TWO} --seed 2\n`);
  });

  it('a missing shard is a warning: the summary covers the seeds present and counts the missing', () => {
    const part = join(tmp.dir, 'part');
    cpSync(three, part, { recursive: true });
    rmSync(join(part, 'sweep-summary-shard-2-of-3.json'));
    const r = cli('merge', part, '--json');
    const s = json<MergedSummary>(r);
    expect(s.seeds_missing).toBe(10);
    expect(s.seeds).toBe(20);
    expect(s.results.map((x) => x.seed)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1).filter((x) => x % 3 !== 2));
    expect(s.groups.map((g) => g.lowest_seed)).not.toContain(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('10 of 30 planned seeds are in no input (2, 5, 8, 11, 14, 17, 20, 23, 26, 29)');
  });

  it('sweeps of two --seeds ranges of one scenario merge into the sweep of both ranges', () => {
    const lo = join(tmp.dir, 'lo');
    const hi = join(tmp.dir, 'hi');
    cli('sweep', TWO, '--seeds', '1..12', '--workers', '1', '--out', lo);
    cli('sweep', TWO, '--seeds', '13..30', '--workers', '1', '--out', hi);
    const s = json<MergedSummary>(cli('merge', hi, lo, '--json'));
    const w = json<MergedSummary>(whole);
    expect(s).toMatchObject({ seeds_spec: SEEDS, seeds_missing: 0 });
    expect(s.results).toEqual(w.results);
    expect(s.groups.map((g) => [g.key, g.seeds, g.lowest_seed, g.message])).toEqual(w.groups.map((g) => [g.key, g.seeds, g.lowest_seed, g.message]));
  }, 180_000);

  it('a mutant sweep: shards merge to the unsharded sweep with its artifacts; a sweep without the mutant is refused', () => {
    const MUT = ['--mutant', 'promotion-keeps-replid'];
    const m1 = join(tmp.dir, 'mut1');
    const m2 = join(tmp.dir, 'mut2');
    const unsharded = json<MergedSummary>(cli('sweep', 'failover-clean', '--seeds', '1..4', '--workers', '1', '--json', ...MUT));
    for (const i of [1, 2]) cli('sweep', 'failover-clean', '--seeds', '1..4', '--workers', '1', '--shard', `${i}/2`, '--out', m1, ...MUT);
    const s = json<MergedSummary>(cli('merge', m1, '--json', '--out', m2));
    expect(s.failed, 'the mutant fails every seed of failover-clean').toBe(4);
    expect(s).toMatchObject({ mutant: 'promotion-keeps-replid', results: unsharded.results });
    expect(s.groups.map((g) => [g.key, g.seeds, g.reproduce])).toEqual(unsharded.groups.map((g) => [g.key, g.seeds, g.reproduce]));
    expect(s.artifacts.map((a) => a.split('/').pop())).toEqual([1, 2, 3, 4].map((n) => `failover-clean-seed-${n}-promotion-keeps-replid.json`));
    const clean = join(tmp.dir, 'clean');
    cli('sweep', 'failover-clean', '--seeds', '5', '--workers', '1', '--out', clean);
    expectUserError(cli('merge', m1, clean), 'are of different sweeps (mutant: null and "promotion-keeps-replid")');
  }, 180_000);

  it('overlapping inputs, another scenario, a folder without a summary and a missing path are refused (exit 2)', () => {
    expectUserError(cli('merge', one, three), 'merge: seed 1 is in both', 'shards must not overlap');
    const other = join(tmp.dir, 'other');
    cli('sweep', `${FIX}/flaky.json`, '--seeds', '31..32', '--workers', '1', '--out', other);
    expectUserError(cli('merge', one, other), 'are of different sweeps (scenario cli-flaky-two vs cli-flaky');
    const empty = join(tmp.dir, 'empty');
    cpSync(one, empty, { recursive: true, filter: (src) => !src.endsWith('.json') });
    expectUserError(cli('merge', empty), 'holds no sweep summary');
    expectUserError(cli('merge', join(tmp.dir, 'nope')), 'does not exist');
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, '{"a": 1}');
    expectUserError(cli('merge', bad), 'not a sweep summary');
    expectUserError(cli('merge', one, '--out', one), 'is also an input');
  }, 180_000);
});
