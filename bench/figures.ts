// What `npm run bench` reports: one Figure per measured quantity (its value, unit, which way is
// better and the goal it is held against), the result file `--json` writes and `--compare` reads.

import { readFileSync } from 'node:fs';

export interface Figure {
  /** Stable key, used by --compare to pair a figure with its saved value. */
  key: string;
  label: string;
  value: number;
  unit: string;
  better: 'higher' | 'lower';
  /** The goal as text (issue 13), or null when the figure has none. */
  goal: string | null;
  /** Whether the goal is met (null: no goal, or not decidable from this run). */
  met: boolean | null;
  /** Supporting lines printed under the figure. */
  detail: string[];
}

/** One selectable part of the bench (`--only`): its figures, measured in this process. */
export interface Section {
  name: string;
  about: string;
  run(o: BenchOptions): Promise<Figure[]> | Figure[];
}

export interface BenchOptions {
  /** Seeds of the sweep figure (default 1..2000, the range of issue 13). */
  sweepSeeds: number[];
  /** Seeds of the cost-distribution figure (each is run and timed alone, in this process). */
  costSeeds: number[];
  workers: number;
}

/**
 * CPU time of this process (all its threads), in ms: on a machine shared with other work, wall
 * time measures the neighbours as much as the code, so the in-process figures are CPU time.
 */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU time of this process and of its children that have ended (the sweep's worker processes, once
 * the pool is destroyed), in ms. The children's share is read from /proc/self/stat (cutime and
 * cstime, in clock ticks of 10 ms): null where there is no /proc, as it would be left out.
 */
export function cpuMsWithChildren(): number | null {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return null;
  }
  // the fields after the command name (which may hold spaces), from field 3 (state) on
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return cpuMs() + (Number(f[13]) + Number(f[14])) * 10; // fields 16 and 17: cutime, cstime
}

export const RESULT_FORMAT = 'replsim-bench/1';

export interface BenchResult {
  format: typeof RESULT_FORMAT;
  /** When it was measured and where (only for the reader: compare never uses them). */
  measured_at: string;
  node: string;
  sections: string[];
  figures: Figure[];
}

export function goalLine(f: Figure): string {
  if (f.goal === null) return '';
  const mark = f.met === null ? '' : f.met ? ' met' : ' NOT met';
  return `  [goal ${f.goal}:${mark}]`;
}

/** A figure's number without its unit: 1.23M, 12345, 123.4, 1.23. */
export function fmtNumber(v: number): string {
  const abs = Math.abs(v);
  return abs >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : abs >= 1e4 ? v.toFixed(0) : abs >= 100 ? v.toFixed(1) : v.toFixed(2);
}

export function fmtValue(v: number, unit: string): string {
  const s = fmtNumber(v);
  return unit === '%' ? `${s}%` : `${s} ${unit}`;
}

export function printFigures(figs: Figure[], out: (line: string) => void): void {
  for (const f of figs) {
    out(`  ${f.label}: ${fmtValue(f.value, f.unit)}${goalLine(f)}`);
    for (const d of f.detail) out(`      ${d}`);
  }
}

/** Which way a figure moved by the ratio new/old, given its direction: beyond 5% (the noise of a quiet run), better or worse. */
export function verdict(f: Pick<Figure, 'better'>, ratio: number): string {
  const gain = f.better === 'higher' ? ratio : 1 / ratio;
  return !Number.isFinite(gain) ? '' : gain > 1.05 ? 'better' : gain < 0.95 ? 'worse' : 'same';
}

/**
 * new/old per figure present in both results; for a figure where lower is better the ratio is
 * still new/old, and the verdict says which way it moved (beyond 5%, the noise of a quiet run).
 */
export function compareLines(base: BenchResult, now: BenchResult): string[] {
  const old = new Map(base.figures.map((f) => [f.key, f]));
  const lines = [`compared with ${base.measured_at} (${base.node}): new/old per figure`];
  for (const f of now.figures) {
    const o = old.get(f.key);
    if (!o) {
      lines.push(`  ${f.label}: ${fmtValue(f.value, f.unit)} (not in the base)`);
      continue;
    }
    const ratio = o.value === 0 ? Number.NaN : f.value / o.value;
    lines.push(`  ${f.label}: ${fmtValue(o.value, o.unit)} -> ${fmtValue(f.value, f.unit)}  x${ratio.toFixed(2)} ${verdict(f, ratio)}`);
  }
  const missing = base.figures.filter((f) => !now.figures.some((g) => g.key === f.key));
  if (missing.length > 0) lines.push(`  not measured now: ${missing.map((f) => f.key).join(', ')}`);
  return lines;
}
