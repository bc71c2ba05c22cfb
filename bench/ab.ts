// `npm run bench -- --ab REV`: the chosen sections on REV's code and on this tree, in turns, each
// section in a fresh process, and per figure the median of each side. On a machine whose speed drifts (a
// shared VM: ±20% within an hour here), two runs minutes apart measure the drift as much as the
// change; taking turns, and swapping who goes first every round, spreads the drift over both sides.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtNumber, fmtValue, verdict, type BenchResult, type Figure } from './figures.js';

/** Per figure key, the median of the values the runs measured (a figure missing from a run is left out of its median). */
export function medians(runs: BenchResult[]): Map<string, { figure: Figure; median: number; min: number; max: number }> {
  const byKey = new Map<string, { figure: Figure; values: number[] }>();
  for (const r of runs) {
    for (const f of r.figures) {
      const e = byKey.get(f.key) ?? { figure: f, values: [] };
      e.values.push(f.value);
      byKey.set(f.key, e);
    }
  }
  const out = new Map<string, { figure: Figure; median: number; min: number; max: number }>();
  for (const [key, { figure, values }] of byKey) {
    const v = [...values].sort((a, b) => a - b);
    const mid = v.length >> 1;
    out.set(key, { figure, median: v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2, min: v[0]!, max: v[v.length - 1]! });
  }
  return out;
}

/** The report: per figure both medians with their spread, the ratio of the medians (new/base) and the verdict. */
export function abLines(baseName: string, base: BenchResult[], now: BenchResult[]): string[] {
  const b = medians(base);
  const n = medians(now);
  const lines = [`${baseName} against this tree, medians of ${base.length} and ${now.length} runs taken in turns (min..max): new/base per figure`];
  for (const [key, x] of n) {
    const f = x.figure;
    const spread = (m: { min: number; max: number }) => `(${fmtNumber(m.min)}..${fmtNumber(m.max)})`;
    const o = b.get(key);
    if (!o) {
      lines.push(`  ${f.label}: ${fmtValue(x.median, f.unit)} ${spread(x)} (not measured on the base)`);
      continue;
    }
    const ratio = o.median === 0 ? Number.NaN : x.median / o.median;
    lines.push(`  ${f.label}: ${fmtValue(o.median, f.unit)} ${spread(o)} -> ${fmtValue(x.median, f.unit)} ${spread(x)}  x${ratio.toFixed(3)} ${verdict(f, ratio)}`.trimEnd());
  }
  const missing = [...b.keys()].filter((k) => !n.has(k));
  if (missing.length > 0) lines.push(`  measured on the base only: ${missing.join(', ')}`);
  return lines;
}

export interface AbOptions {
  /** The repository this tree is (its root). */
  root: string;
  rev: string;
  rounds: number;
  /** The sections to run: each in a process of its own, so that one section's heap and JIT state cannot move the next one's figures. */
  sections: string[];
  /** The other arguments for each side's bench (the options that go with the sections). */
  benchArgs: string[];
  log: (line: string) => void;
}

/** Thrown for what the user can fix (bench/index.ts prints it and exits 2). */
export class AbInputError extends Error {}

/** A Ctrl-C stopped a side's bench (bench/index.ts says so and exits 130, the worktree removed). */
export class AbInterrupted extends Error {}

function git(root: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() || (r.error ? r.error.message : '') };
}

/** One side's bench, each section in a fresh process, the results read back from --json as one. */
function runSide(dir: string, sections: string[], benchArgs: string[], out: string, who: string): BenchResult {
  const figures: Figure[] = [];
  let first: BenchResult | null = null;
  for (const section of sections) {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join('bench', 'index.ts'), '--only', section, ...benchArgs, '--json', out], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.signal === 'SIGINT') throw new AbInterrupted(`--ab: interrupted during section ${section} of ${who}`);
    if (r.status !== 0) {
      const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
      throw new AbInputError(`--ab: section ${section} of ${who} failed (exit ${r.status ?? r.signal}): ${why || 'no output'}`);
    }
    const result = JSON.parse(readFileSync(out, 'utf8')) as BenchResult;
    first ??= result;
    figures.push(...result.figures);
  }
  return { ...first!, sections, figures };
}

/**
 * REV checked out in a temporary worktree (this tree's node_modules linked in, its dist/ built),
 * then `rounds` rounds of both benches, the base first in odd rounds and this tree first in even
 * ones. The worktree is removed at the end, also after a failure.
 */
export function runAb(o: AbOptions): string[] {
  const sha = git(o.root, ['rev-parse', '--verify', '--quiet', `${o.rev}^{commit}`]);
  if (!sha.ok || sha.out === '') throw new AbInputError(`--ab "${o.rev}": not a commit of the repository at ${o.root}; give a commit, branch or tag (e.g. --ab HEAD~1 or --ab main)`);
  const scratch = mkdtempSync(join(tmpdir(), 'replsim-bench-ab-'));
  const dir = join(scratch, 'base');
  const added = git(o.root, ['worktree', 'add', '--detach', dir, sha.out]);
  const cleanUp = () => {
    git(o.root, ['worktree', 'remove', '--force', dir]);
    git(o.root, ['worktree', 'prune']);
    rmSync(scratch, { recursive: true, force: true });
  };
  // a Ctrl-C reaches the running bench too (one process group): it ends as AbInterrupted, through
  // the finally below; this process only waits for it
  const onInterrupt = () => {};
  process.on('SIGINT', onInterrupt);
  try {
    if (!added.ok) throw new AbInputError(`--ab: cannot check out ${o.rev} in a worktree: ${added.err}`);
    if (!existsSync(join(dir, 'bench', 'index.ts'))) throw new AbInputError(`--ab "${o.rev}": that commit has no bench/index.ts to run`);
    symlinkSync(join(o.root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    if (existsSync(join(dir, 'scripts', 'build.mjs'))) {
      const b = spawnSync(process.execPath, [join('scripts', 'build.mjs')], { cwd: dir, encoding: 'utf8' });
      if (b.status !== 0) throw new AbInputError(`--ab: building ${o.rev}'s dist/ failed: ${(b.stderr ?? '').trim().split('\n').at(-1) ?? ''}`);
    }
    const short = sha.out.slice(0, 10);
    o.log(`--ab: ${o.rev} (${short}) checked out in ${dir}; ${o.rounds} round(s), each section of each side in a fresh process`);
    const base: BenchResult[] = [];
    const now: BenchResult[] = [];
    for (let round = 1; round <= o.rounds; round++) {
      const sides = [
        { who: `${o.rev} (${short})`, dir, into: base },
        { who: 'this tree', dir: o.root, into: now },
      ];
      if (round % 2 === 0) sides.reverse();
      for (const s of sides) {
        const t0 = performance.now();
        s.into.push(runSide(s.dir, o.sections, o.benchArgs, join(scratch, `round-${round}.json`), s.who));
        o.log(`  round ${round}/${o.rounds}: ${s.who} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
    return abLines(`${o.rev} (${short})`, base, now);
  } finally {
    process.off('SIGINT', onInterrupt);
    cleanUp();
  }
}
