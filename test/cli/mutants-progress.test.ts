// replsim mutants is not silent: on a pipe it prints plain progress lines on stderr, every 50
// seeds (or 10 s) of each stage and once when a stage ends, while stdout keeps the report.
import { describe, expect, it } from 'vitest';
import { cli } from './cli.js';
import type { MutantProgress } from '../../sim/harness/mutants.js';
import { mutantProgress } from '../../sim/cli/progress.js';

describe('replsim mutants progress', () => {
  it('prints "mutants: <name> <done>/<total> seeds" lines on stderr when not on a terminal', () => {
    // a small budget (the 50-seed lines are checked below, without simulating); the mutant dies at seed 5
    const r = cli('mutants', '--seeds', '1..12', '--mutant', 'promotion-keeps-replid', '--no-shrink', '--workers', '1');
    const ctx = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
    expect(r.code, ctx).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    for (const l of lines) expect(l, ctx).toMatch(/^mutants: (unmutated|promotion-keeps-replid) \d+\/12 seeds(: .+)?$/);
    expect(lines, ctx).toContain('mutants: unmutated 12/12 seeds: clean');
    expect(lines.at(-1), ctx).toMatch(/^mutants: promotion-keeps-replid \d+\/12 seeds: killed by [\w-]+ at seed \d+$/);
    expect(r.stdout, ctx).toContain('1 of 1 mutants killed');
    expect(r.stdout, ctx).not.toContain('mutants: ');
  }, 30_000);

  it('lines: every 50 done, at each stage end, and for the regression and shrink stages', () => {
    const out: string[] = [];
    const p = mutantProgress(false, (s) => out.push(s));
    const at = (x: Partial<MutantProgress>) => p.onProgress({ name: 'm', stage: 'swarm', done: 0, total: 120, ...x });
    for (const done of [8, 16, 48, 56, 96, 104, 112]) at({ done });
    at({ done: 112, result: 'not killed by the swarm' });
    at({ stage: 'regression', done: 1, total: 39 });
    at({ stage: 'regression', done: 39, total: 39, result: 'survived' });
    at({ stage: 'shrink', done: 0, total: 1 });
    at({ stage: 'shrink', done: 1, total: 1, result: 'wrote x.json' });
    expect(out.join('')).toBe([
      'mutants: m 56/120 seeds',
      'mutants: m 104/120 seeds',
      'mutants: m 112/120 seeds: not killed by the swarm',
      'mutants: m 39/39 regression runs: survived',
      'mutants: m shrinking the kill',
      'mutants: m shrink: wrote x.json',
      '',
    ].join('\n'));
  });
});
