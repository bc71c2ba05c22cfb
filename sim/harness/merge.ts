// A sweep's summary file (sweep --out writes one beside the artifacts) and the merge of several of
// them (replsim merge): shards of one sweep become one summary, grouped by failure signature, the
// same whatever the number of shards. Rules for inputs that do not fit together are in mergeSummaries.

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { parseJsonText } from '../scenario/load.js';
import { writeJsonAtomic } from './artifacts.js';
import type { FailureGroup } from './groups.js';
import { parseSeeds } from './seeds.js';
import { TOOL_VERSION } from './simulate.js';
import { hashText } from '../kernel/hash.js';
import type { ScenarioSource } from './sources.js';
import type { PastLimit, SweepSummary } from './sweep.js';
import type { RunLimits, SweepOutcome } from './task.js';

export const SUMMARY_FORMAT = 1;

/** One seed's line in a summary file: what `sweep --json` prints per seed. */
export interface ResultRow {
  seed: number;
  status: SweepOutcome['status'];
  trace_hash: string;
}

/** In the file, a failing seed's row also names its artifact, when one was written. */
export type FileRow = ResultRow & { artifact?: string };

/** What identifies the sweep a summary belongs to; shards of one sweep agree on all of it but `shard`. */
export interface SweepIdentity {
  summary_format: number;
  tool_version: string;
  scenario_ref: string;
  /** The hash of the scenario source (the generator's name, or the whole document), as the trace header's. */
  scenario_digest: string;
  mutant: string | null;
  /** The seeds of the whole sweep, before --shard, as --seeds takes them ("1..1000"). */
  seeds_spec: string;
  /** "i/n" for `sweep --shard i/n`, else null. */
  shard: string | null;
  limits: RunLimits;
}

/** The file: the identity, then the summary as `sweep --json` prints it (without wall time). */
export type SummaryFile = SweepIdentity & Omit<SweepSummary, 'results'> & { results: FileRow[] };

export function scenarioDigest(src: ScenarioSource): string {
  return hashText(JSON.stringify(src));
}

/** A seed list as --seeds text: ascending runs of three or more as a..b, in the list's order. */
export function seedsText(seeds: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${seeds[i]}..${seeds[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(seeds[k]));
    i = j + 1;
  }
  return parts.join(',');
}

/** sweep-summary.json, or sweep-summary-shard-2-of-3.json for --shard 2/3 (shards may share a folder). */
export function summaryFileName(shard: string | null): string {
  const m = shard ? /^(\d+)\/(\d+)$/.exec(shard) : null;
  return m ? `sweep-summary-shard-${m[1]}-of-${m[2]}.json` : 'sweep-summary.json';
}
const SUMMARY_NAME = /^sweep-summary(?:-shard-\d+-of-\d+)?\.json$/;

export function summaryFile(s: SweepSummary, id: Omit<SweepIdentity, 'summary_format' | 'tool_version'>): SummaryFile {
  const { results, ...rest } = s;
  // artifact names end in -seed-<seed>.json, or -seed-<seed>-<mutant>.json (writeArtifact)
  const tail = (seed: number) => `-seed-${seed}${id.mutant ? `-${id.mutant}` : ''}.json`;
  const artifactOf = (seed: number) => s.artifacts.find((a) => a.endsWith(tail(seed)));
  const row = ({ seed, status, trace_hash }: SweepOutcome): FileRow => {
    const a = status === 'pass' ? undefined : artifactOf(seed);
    return a === undefined ? { seed, status, trace_hash } : { seed, status, trace_hash, artifact: a };
  };
  return { summary_format: SUMMARY_FORMAT, tool_version: TOOL_VERSION, ...id, ...rest, results: results.map(row) };
}

export function writeSummaryFile(dir: string, file: SummaryFile): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, summaryFileName(file.shard));
  writeJsonAtomic(path, file);
  return path;
}

/** The summary files a merge argument names: a folder's sweep-summary*.json, or one file. */
export function summaryPaths(arg: string): string[] {
  if (!existsSync(arg)) throw new UserError(`merge: "${arg}" does not exist; give folders written by "replsim sweep --out DIR" (or their sweep-summary*.json files)`);
  if (!statSync(arg).isDirectory()) return [arg];
  const names = readdirSync(arg).filter((n) => SUMMARY_NAME.test(n)).sort();
  if (!names.length) throw new UserError(`merge: "${arg}" holds no sweep summary (sweep-summary*.json); give folders written by "replsim sweep --out DIR"`);
  return names.map((n) => join(arg, n));
}

export function readSummaryFile(path: string): SummaryFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`merge: ${path}: cannot read the file`);
  }
  const doc = parseJsonText(text, path) as Partial<SummaryFile> | null;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || doc.summary_format === undefined) {
    throw new UserError(`merge: ${path}: not a sweep summary (no summary_format); give folders written by "replsim sweep --out DIR"`);
  }
  if (doc.summary_format !== SUMMARY_FORMAT) throw new UserError(`merge: ${path}: summary_format ${JSON.stringify(doc.summary_format)}; this replsim reads format ${SUMMARY_FORMAT}`);
  const need = ['tool_version', 'scenario', 'scenario_ref', 'scenario_digest', 'seeds_spec', 'results', 'groups', 'artifacts', 'past_limit'] as const;
  for (const k of need) if (doc[k] === undefined) throw new UserError(`merge: ${path}: missing "${k}"; the file is damaged or not a sweep summary`);
  if (!Array.isArray(doc.results) || !Array.isArray(doc.groups)) throw new UserError(`merge: ${path}: "results" and "groups" must be arrays`);
  return doc as SummaryFile;
}

/** The merged summary: what `merge --json` prints. Nothing in it depends on how the seeds were split. */
export interface MergedSummary {
  scenario: string;
  scenario_ref: string;
  mutant: string | null;
  tool_version: string;
  seeds_spec: string;
  seeds: number;
  seeds_planned: number;
  /** Planned seeds that no input reported (a shard missing, or stopped early). */
  seeds_missing: number;
  passed: number;
  failed: number;
  liveness: number;
  artifacts: string[];
  groups: FailureGroup[];
  stopped: SweepSummary['stopped'];
  past_limit: PastLimit[];
  results: ResultRow[];
}

export interface MergeOutcome {
  summary: MergedSummary;
  /** Lines for stderr: missing seeds, and artifacts that could not be found. */
  warnings: string[];
  /** The first missing seeds (at most 10), for the warning. */
  missing: number[];
  inputs: number;
  /** The merged summary as a summary file (merge --out writes it; a later merge reads it back). */
  file: SummaryFile;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Merge summary files. Errors (exit 2): files of another replsim version, scenario, mutant or run
 * limits, and a seed reported by two files (shards that overlap, or one folder given twice).
 * Warnings: planned seeds no file reported (a shard missing, or one that stopped early); the merge
 * still reports what it has, with seeds_missing. Files may come from different --seeds ranges of
 * one scenario: the planned seeds are then all their ranges, in order of their first seed.
 * With outDir, the artifacts are copied there and the summary refers to them there.
 */
export function mergeSummaries(paths: string[], outDir?: string): MergeOutcome {
  const files = paths.map((p) => ({ path: p, f: readSummaryFile(p) }));
  const first = files[0]!;
  for (const { path, f } of files.slice(1)) {
    const clash = (what: string, a: unknown, b: unknown) => new UserError(`merge: ${path} and ${first.path} are of different sweeps (${what}: ${JSON.stringify(b)} and ${JSON.stringify(a)}); merge only shards of one sweep`);
    if (f.tool_version !== first.f.tool_version) throw clash('replsim version', first.f.tool_version, f.tool_version);
    if (f.scenario_digest !== first.f.scenario_digest) throw clash(`scenario ${first.f.scenario} vs ${f.scenario}, digest`, first.f.scenario_digest, f.scenario_digest);
    if ((f.mutant ?? null) !== (first.f.mutant ?? null)) throw clash('mutant', first.f.mutant, f.mutant);
    if (!same(f.limits ?? {}, first.f.limits ?? {})) throw clash('run limits', first.f.limits, f.limits);
  }
  // the planned seeds: every distinct --seeds of the inputs, ranges ordered by their first seed
  const specs = [...new Set(files.map((x) => x.f.seeds_spec))].map((s) => parseSeeds(s)).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
  const planned: number[] = [];
  const index = new Map<number, number>();
  for (const list of specs) for (const s of list) if (!index.has(s)) (index.set(s, planned.length), planned.push(s));
  const pos = (s: number) => index.get(s) ?? Number.MAX_SAFE_INTEGER;

  const owner = new Map<number, string>();
  const results: ResultRow[] = [];
  for (const { path, f } of files) {
    for (const r of f.results) {
      const prev = owner.get(r.seed);
      if (prev !== undefined) throw new UserError(`merge: seed ${r.seed} is in both ${prev} and ${path}; shards must not overlap (a folder given twice, or shards of two different --shard splits in one folder?)`);
      owner.set(r.seed, path);
      results.push({ seed: r.seed, status: r.status, trace_hash: r.trace_hash });
    }
  }
  results.sort((a, b) => pos(a.seed) - pos(b.seed));
  const missingAll = planned.filter((s) => !owner.has(s));
  const warnings: string[] = [];
  if (missingAll.length) warnings.push(`merge: ${missingAll.length} of ${planned.length} planned seeds are in no input (${missingAll.slice(0, 10).join(', ')}${missingAll.length > 10 ? ', ...' : ''}): a shard is missing or stopped early; the summary covers the seeds present`);

  // artifacts: found beside their summary file (paths inside may be from another machine)
  const artifactFor = new Map<string, string>();
  const place = (path: string, p: string | null): string | null => {
    if (p === null) return null;
    const done = artifactFor.get(p + '\0' + path);
    if (done !== undefined) return done;
    const found = join(dirname(path), basename(p));
    let where = found;
    if (!existsSync(found)) {
      if (outDir) throw new UserError(`merge: ${path} lists the artifact ${basename(p)}, which is not in ${dirname(path)}; copy the shard's whole --out folder`);
      warnings.push(`merge: the artifact ${basename(p)} listed by ${path} is not in ${dirname(path)}`);
    } else if (outDir) {
      where = join(outDir, basename(p));
      if (resolve(where) !== resolve(found)) copyFileSync(found, where);
    }
    artifactFor.set(p + '\0' + path, where);
    return where;
  };
  if (outDir) mkdirSync(outDir, { recursive: true });

  const groups = new Map<string, FailureGroup>();
  for (const { path, f } of files) {
    for (const g of f.groups) {
      const cur = groups.get(g.key);
      const artifact = place(path, g.artifact);
      if (!cur) groups.set(g.key, { ...g, seeds: [...g.seeds], artifact });
      else {
        cur.seeds.push(...g.seeds);
        if (g.lowest_seed < cur.lowest_seed) Object.assign(cur, { label: g.label, status: g.status, lowest_seed: g.lowest_seed, message: g.message, reproduce: g.reproduce, artifact });
      }
    }
  }
  for (const g of groups.values()) {
    g.seeds.sort((a, b) => pos(a) - pos(b));
    g.count = g.seeds.length;
  }
  const artifactOf = new Map<number, string>();
  for (const { path, f } of files) for (const r of f.results) if (r.artifact) artifactOf.set(r.seed, place(path, r.artifact)!);
  const pastLimit = files.flatMap(({ path, f }) => f.past_limit.map((p) => ({ ...p, artifact: place(path, p.artifact) }))).sort((a, b) => pos(a.seed) - pos(b.seed));
  const stops = files.map((x) => x.f.stopped);
  const failing = results.filter((r) => r.status !== 'pass');
  const refOwner = files.find((x) => x.f.results.some((r) => r.seed === results[0]?.seed)) ?? first;
  const summary: MergedSummary = {
    scenario: first.f.scenario,
    scenario_ref: refOwner.f.scenario_ref,
    mutant: first.f.mutant ?? null,
    tool_version: first.f.tool_version,
    seeds_spec: seedsText(planned),
    seeds: results.length,
    seeds_planned: planned.length,
    seeds_missing: missingAll.length,
    passed: results.length - failing.length,
    failed: failing.filter((r) => r.status === 'fail').length,
    liveness: failing.filter((r) => r.status === 'liveness').length,
    artifacts: failing.flatMap((r) => (artifactOf.has(r.seed) ? [artifactOf.get(r.seed)!] : [])),
    groups: [...groups.values()].sort((a, b) => pos(a.seeds[0]!) - pos(b.seeds[0]!)),
    stopped: stops.includes('interrupted') ? 'interrupted' : stops.includes('max-failures') ? 'max-failures' : null,
    past_limit: pastLimit,
    results,
  };
  const { seeds_missing: _, ...kept } = summary;
  const file: SummaryFile = {
    ...kept,
    summary_format: SUMMARY_FORMAT,
    scenario_digest: first.f.scenario_digest,
    shard: null,
    limits: first.f.limits ?? {},
    workers: 0,
    workers_requested: 0,
    workers_capped: null,
    results: results.map((r) => (artifactOf.has(r.seed) ? { ...r, artifact: artifactOf.get(r.seed)! } : r)),
  };
  return { summary, warnings, missing: missingAll.slice(0, 10), inputs: files.length, file };
}
