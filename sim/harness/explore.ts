// replsim explore: a what-if grid. Each --vary names a scenario knob (a config key, a network or
// workload setting, or a declared scenario parameter such as $outage) and its values; every point
// of the grid runs over the seeds, in the sweep's worker threads, and each run is measured (PSYNC
// answers, lost writes, time to converge). The result is a table per run and a summary per point.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBatchOn, seedPool } from './pool.js';
import { UserError } from '../errors.js';
import { canonicalConfigName } from '../redis/config.js';
import { validateScenario } from '../scenario/load.js';
import { bindParameters, declaredParameters, type ParamValue } from '../scenario/parameters.js';
import { BUILTIN_DIR, GENERATORS } from './sources.js';
import { isArtifactDocument } from './artifacts.js';
import { runTask, type SweepOutcome, type SweepTask } from './task.js';
import { BATCH, batchesOf, type SweepProgress } from './sweep.js';
import { yieldToEventLoop } from './wall-clock.js';
import type { Scenario } from '../scenario/types.js';

export interface Vary {
  key: string;
  values: ParamValue[];
}

export const METRICS = {
  'full-sync-rate': 'share of the PSYNCs that asked to continue (not "? -1") and got FULLRESYNC',
  'full-syncs': 'FULLRESYNC answers to PSYNCs that asked to continue, per run',
  'lost-writes': 'acknowledged writes lost, per run',
  'time-to-converge': 'simulated ms from the end of the fault phase to convergence (runs with a settle step)',
  'failure-rate': 'share of the runs that did not pass',
} as const;
export type MetricName = keyof typeof METRICS;

const NETWORK_KEYS = ['latency', 'jitter', 'loss', 'bandwidth'];
const WORKLOAD_KEYS = ['writesPerSec', 'valueSize', 'keys', 'dbs'];
const WHAT_VARIES = `a config key (e.g. repl-backlog-size), network.<${NETWORK_KEYS.join('|')}>, workload.<${WORKLOAD_KEYS.join('|')}>, faults.phaseMs, or a declared parameter ($name)`;

/** A value as typed on the command line: a number when it reads as one, else the text. */
function valueOf(s: string): ParamValue {
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
}

/** `key=v1,v2,...`, where a value may be a numeric range `lo..hi:step` (e.g. 1000..5000:1000). */
export function parseVary(spec: string): Vary {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) throw new UserError(`--vary: expected key=v1,v2,... (e.g. repl-backlog-size=16kb,1mb or '$outage=1000..5000:1000'), got "${spec}"`);
  const key = spec.slice(0, eq).trim();
  const values: ParamValue[] = [];
  for (const part of spec.slice(eq + 1).split(',').map((p) => p.trim())) {
    const m = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(part);
    if (m) {
      const [lo, hi, step] = [Number(m[1]), Number(m[2]), Number(m[3])];
      if (step <= 0 || hi < lo || (hi - lo) / step > 1000) throw new UserError(`--vary ${key}: the range "${part}" must go up from lo to hi in steps above 0, at most 1000 of them`);
      for (let i = 0; lo + i * step <= hi + 1e-9; i++) values.push(Number((lo + i * step).toFixed(9)));
    } else if (part === '') throw new UserError(`--vary ${key}: an empty value in "${spec}"`);
    else values.push(valueOf(part));
  }
  return { key, values };
}

/** The scenario document as written (parameters not yet bound): a file, an artifact's, or a built-in's. */
export function rawScenario(ref: string): unknown {
  if (Object.hasOwn(GENERATORS, ref)) throw new UserError(`explore: "${ref}" is generated from each seed, so it has no knobs to vary; give a scenario file or a built-in scenario`);
  const builtin = join(BUILTIN_DIR, `${ref}.json`);
  const path = /^[A-Za-z0-9_.-]+$/.test(ref) && !ref.endsWith('.json') ? builtin : ref;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`explore: cannot read "${ref}"; give a built-in scenario name (replsim list) or a path to a scenario .json file`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UserError(`${ref}: not JSON (${(e as Error).message})`);
  }
  return isArtifactDocument(doc) ? (doc as { scenario: unknown }).scenario : doc;
}

/** Check each --vary names something the scenario has, before anything runs. */
export function checkVaries(doc: unknown, varies: Vary[], source: string): void {
  const params = Object.keys(declaredParameters(doc));
  const seen = new Set<string>();
  for (const v of varies) {
    if (seen.has(v.key)) throw new UserError(`--vary ${v.key}: given twice; give all its values in one --vary`);
    seen.add(v.key);
    const name = v.key.replace(/^\$/, '');
    if (v.key.startsWith('$') || params.includes(name)) {
      if (!params.includes(name)) throw new UserError(`--vary ${v.key}: ${source} declares no parameter "$${name}"; ${params.length ? `it declares ${params.map((p) => `$${p}`).join(', ')}` : 'it has no "parameters"'}`);
      continue;
    }
    const [head, sub] = v.key.split('.', 2);
    if (head === 'network' && sub && NETWORK_KEYS.includes(sub)) continue;
    if (head === 'workload' && sub && WORKLOAD_KEYS.includes(sub)) {
      if (!(doc as { workload?: unknown }).workload) throw new UserError(`--vary ${v.key}: ${source} has no "workload" to change`);
      continue;
    }
    if (v.key === 'faults.phaseMs') {
      if (!(doc as { faults?: unknown }).faults) throw new UserError(`--vary ${v.key}: ${source} has no "faults" phase`);
      continue;
    }
    if (!v.key.includes('.') && canonicalConfigName(v.key)) continue;
    throw new UserError(`--vary: unknown knob "${v.key}"; vary ${WHAT_VARIES}${params.length ? ` (this scenario declares ${params.map((p) => `$${p}`).join(', ')})` : ''}`);
  }
}

/** The scenario for one grid point: the knobs set, the parameters bound, validated. */
export function scenarioAt(doc: unknown, point: Record<string, ParamValue>, source: string): Scenario {
  const d = structuredClone(doc) as Record<string, Record<string, unknown> | undefined>;
  const params = Object.keys(declaredParameters(doc));
  const overrides: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries(point)) {
    const name = key.replace(/^\$/, '');
    if (key.startsWith('$') || params.includes(name)) overrides[name] = value;
    else if (key.startsWith('network.')) d.network = { ...(d.network ?? {}), [key.slice(8)]: value };
    else if (key.startsWith('workload.')) d.workload = { ...(d.workload ?? {}), [key.slice(9)]: value };
    else if (key === 'faults.phaseMs') d.faults = { ...(d.faults ?? {}), phaseMs: value };
    else d.config = { ...(d.config ?? {}), [key]: value };
  }
  const where = `${source} at ${Object.entries(point).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  return validateScenario(bindParameters(d, overrides, where), where);
}

/** Every combination of the values, the first --vary changing slowest. */
export function gridOf(varies: Vary[]): Record<string, ParamValue>[] {
  let out: Record<string, ParamValue>[] = [{}];
  for (const v of varies) out = out.flatMap((p) => v.values.map((x) => ({ ...p, [v.key]: x })));
  return out;
}

/** One run's value of a metric (null: the run has none, e.g. no PSYNC asked to continue). */
export function metricOf(r: SweepOutcome, metric: MetricName): number | null {
  const m = r.metrics!;
  switch (metric) {
    case 'full-sync-rate':
      return m.full_resyncs + m.partial_syncs === 0 ? null : m.full_resyncs / (m.full_resyncs + m.partial_syncs);
    case 'full-syncs':
      return m.full_resyncs;
    case 'lost-writes':
      return m.lost_writes;
    case 'time-to-converge':
      return m.converge_ms;
    case 'failure-rate':
      return r.status === 'pass' ? 0 : 1;
  }
}

export interface PointSummary {
  point: Record<string, ParamValue>;
  runs: number;
  /** Runs with a value of the metric. */
  n: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  failed: number;
}

export function summarize(point: Record<string, ParamValue>, runs: SweepOutcome[], metric: MetricName): PointSummary {
  const xs = runs.map((r) => metricOf(r, metric)).filter((x): x is number => x !== null);
  const round = (x: number) => Number(x.toFixed(6));
  return {
    point,
    runs: runs.length,
    n: xs.length,
    mean: xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null,
    min: xs.length ? Math.min(...xs) : null,
    max: xs.length ? Math.max(...xs) : null,
    failed: runs.filter((r) => r.status !== 'pass').length,
  };
}

export interface ExploreResult {
  scenario: string;
  metric: MetricName;
  varies: Vary[];
  seeds: number[];
  points: PointSummary[];
  /** Every run: the point's values, the seed, the status and each measure. */
  runs: { point: Record<string, ParamValue>; seed: number; status: string; metrics: NonNullable<SweepOutcome['metrics']> }[];
}

/** Run the grid over the seeds: all (point, seed) runs in one pool of the sweep's workers, in batches. */
export async function explore(o: { ref: string; varies: Vary[]; seeds: number[]; metric: MetricName; workers: number; onProgress?: (p: SweepProgress) => void }): Promise<ExploreResult> {
  const doc = rawScenario(o.ref);
  checkVaries(doc, o.varies, o.ref);
  const grid = gridOf(o.varies);
  const scenarios = grid.map((p) => scenarioAt(doc, p, o.ref)); // every point checked before any runs
  const tasks: SweepTask[] = scenarios.flatMap((sc) => o.seeds.map((seed) => ({ source: { document: sc }, seed, mutant: null, measure: true })));
  const results: SweepOutcome[][] = [];
  let done = 0;
  let failed = 0;
  const workers = Math.max(1, Math.min(o.workers, Math.ceil(tasks.length / BATCH)));
  const batches = batchesOf(tasks, workers);
  const record = (i: number, rs: SweepOutcome[]) => {
    results[i] = rs;
    done += rs.length;
    failed += rs.filter((r) => r.status !== 'pass').length;
    o.onProgress?.({ done, total: tasks.length, failed });
  };
  if (workers <= 1 || batches.length <= 1) {
    for (let i = 0; i < batches.length; i++) {
      record(i, batches[i]!.map(runTask));
      await yieldToEventLoop();
    }
  } else {
    const pool = await seedPool(workers); // made only when there are workers to start
    try {
      let next = 0;
      const feed = async () => {
        while (next < batches.length) {
          const i = next++;
          record(i, await runBatchOn(pool, batches[i]!));
        }
      };
      await Promise.all(Array.from({ length: workers }, feed));
    } finally {
      await pool.destroy();
    }
  }
  const flat = results.flat();
  const per = grid.map((_, i) => flat.slice(i * o.seeds.length, (i + 1) * o.seeds.length));
  return {
    scenario: scenarios[0]!.name,
    metric: o.metric,
    varies: o.varies,
    seeds: o.seeds,
    points: grid.map((p, i) => summarize(p, per[i]!, o.metric)),
    runs: grid.flatMap((p, i) => per[i]!.map((r) => ({ point: p, seed: r.seed, status: r.status, metrics: r.metrics! }))),
  };
}

/** The table of every run as CSV: one column per --vary, then seed, status and each measure. */
export function exploreCsv(r: ExploreResult): string {
  const keys = r.varies.map((v) => v.key);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const head = [...keys, 'seed', 'status', 'partial_syncs', 'full_resyncs', 'lost_writes', 'converge_ms'];
  const rows = r.runs.map((x) => [...keys.map((k) => x.point[k]), x.seed, x.status, x.metrics.partial_syncs, x.metrics.full_resyncs, x.metrics.lost_writes, x.metrics.converge_ms].map(cell).join(','));
  return [head.map(cell).join(','), ...rows].join('\n') + '\n';
}

/**
 * For each line of the plot (each setting of the knobs after the first), the smallest value of the
 * first knob from which the metric's mean is 0 at every larger value tried: with the backlog size
 * first and full-sync-rate, the minimum backlog for each outage. null: never 0 up to the last value.
 */
export function zeroFrom(r: ExploreResult): { line: Record<string, ParamValue>; from: ParamValue | null }[] {
  const [x, ...rest] = r.varies;
  if (!x) return [];
  const out: { line: Record<string, ParamValue>; from: ParamValue | null }[] = [];
  for (const line of gridOf(rest)) {
    const pts = x.values.map((v) => r.points.find((p) => p.point[x.key] === v && rest.every((k) => p.point[k.key] === line[k.key])));
    let from: ParamValue | null = null;
    for (let i = pts.length - 1; i >= 0 && pts[i]?.mean === 0; i--) from = x.values[i]!;
    out.push({ line, from });
  }
  return out;
}
