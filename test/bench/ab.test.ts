// bench --ab REV: medians per side, the ratio of the medians with the figure's direction, the
// figures one side lacks; and end to end, a run against a commit leaves no worktree behind, and a
// name that is no commit is one line and exit 2.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { abLines, medians } from '../../bench/ab.js';
import { RESULT_FORMAT, type BenchResult, type Figure } from '../../bench/figures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const fig = (key: string, value: number, better: Figure['better'] = 'higher'): Figure => ({ key, label: key, value, unit: 'x', better, goal: null, met: null, detail: [] });
const result = (...figures: Figure[]): BenchResult => ({ format: RESULT_FORMAT, measured_at: 'then', node: 'v20', sections: [], figures });
const bench = (...args: string[]) => spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/index.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
const worktrees = () => spawnSync('git', ['-C', ROOT, 'worktree', 'list', '--porcelain'], { encoding: 'utf8' }).stdout;

describe('bench --ab', () => {
  it('takes the median of each side per figure (odd and even counts), with its spread', () => {
    const m = medians([result(fig('a', 5), fig('b', 1)), result(fig('a', 1)), result(fig('a', 3), fig('b', 4))]);
    expect(m.get('a')).toMatchObject({ median: 3, min: 1, max: 5 });
    expect(m.get('b')).toMatchObject({ median: 2.5, min: 1, max: 4 });
  });

  it('reports the ratio of the medians (not of the means), the verdict by direction, and figures on one side only', () => {
    const base = [result(fig('rate', 100), fig('time', 10, 'lower'), fig('old', 1)), result(fig('rate', 100), fig('time', 10, 'lower')), result(fig('rate', 1000), fig('time', 10, 'lower'))];
    const now = [result(fig('rate', 150), fig('time', 10.2, 'lower'), fig('new', 2)), result(fig('rate', 150), fig('time', 9.9, 'lower')), result(fig('rate', 150), fig('time', 20, 'lower'))];
    const lines = abLines('HEAD~1', base, now);
    expect(lines[0]).toContain('medians of 3 and 3 runs');
    expect(lines.find((l) => l.startsWith('  rate:'))).toBe('  rate: 100.0 x (100.0..1000.0) -> 150.0 x (150.0..150.0)  x1.500 better');
    expect(lines.find((l) => l.startsWith('  time:'))).toMatch(/x1\.020 same$/);
    expect(lines.find((l) => l.startsWith('  new:'))).toContain('not measured on the base');
    expect(lines.at(-1)).toBe('  measured on the base only: old');
  });

  it('runs a section on a commit and on this tree in turns, and removes the worktree it made', () => {
    const before = worktrees();
    const r = bench('--only', 'trace', '--ab', 'HEAD', '--rounds', '2');
    expect(r.status, r.stderr).toBe(0);
    const rounds = r.stdout.split('\n').filter((l) => /round \d\/2:/.test(l));
    expect(rounds).toHaveLength(4);
    expect(rounds[0]).toContain('HEAD (');
    expect(rounds[2]).toContain('this tree'); // the second round starts with this tree
    expect(r.stdout).toMatch(/trace hash, events\/s .*: [\d.]+M events\/s \([\d.]+M\.\.[\d.]+M\) -> [\d.]+M events\/s \([\d.]+M\.\.[\d.]+M\)  x\d\.\d{3} (better|worse|same)/);
    expect(worktrees()).toBe(before);
  }, 120_000);

  it('a name that is no commit, or --ab with --json, is one line and exit 2', () => {
    const r = bench('--only', 'trace', '--ab', 'no-such-rev-xyz');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^bench: --ab "no-such-rev-xyz": not a commit of the repository at .*; give a commit, branch or tag/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const j = bench('--only', 'trace', '--ab', 'HEAD', '--json', '/tmp/x.json');
    expect(j.status).toBe(2);
    expect(j.stderr.trim()).toBe('bench: --ab runs both sides itself: it does not take --compare, --against or --json');
    const k = bench('--only', 'trace', '--rounds', '2');
    expect(k.status).toBe(2);
    expect(k.stderr.trim()).toBe('bench: --rounds goes with --ab REV: the number of rounds of both sides');
  }, 60_000);
});
