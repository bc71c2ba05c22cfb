// Continuous fuzzing (replsim fuzz, in the style of TigerBeetle's CFO): seeds from a caller's source
// run on the thread pool until a count or a stop; failures go into a small seed record file, one
// entry per failure signature with its first and smallest seed and a count, merged with the file.

import { existsSync, readFileSync } from 'node:fs';
import { runBatchOn, seedPool } from './pool.js';
import { UserError } from '../errors.js';
import type { MutantName } from '../redis/mutants.js';
import { parseJsonText } from '../scenario/load.js';
import { reproduceCommand, writeJsonAtomic } from './artifacts.js';
import { failureGroupKey, failureLabel, primaryFailure } from './groups.js';
import { TOOL_VERSION } from './simulate.js';
import { sourceName, type ScenarioSource } from './sources.js';
import { BATCH } from './sweep.js';
import { scenarioOf, type RunLimits, type SweepOutcome, type SweepTask } from './task.js';

export const RECORD_FORMAT = 1;

export interface RecordEntry {
  /** The scenario's name, with " --mutant NAME" when a mutant was on. */
  scenario: string;
  key: string;
  label: string;
  status: SweepOutcome['status'];
  first_seed: number;
  smallest_seed: number;
  count: number;
  /** The primary failure's message at the smallest seed, and the command that replays it. */
  message: string;
  reproduce: string;
}

export interface SeedRecord {
  record_format: number;
  tool_version: string;
  /** Seeds run per scenario (with " --mutant NAME"), over every fuzz run that wrote the file. */
  seeds_run: Record<string, number>;
  entries: RecordEntry[];
}

export function readRecord(path: string): SeedRecord {
  if (!existsSync(path)) return { record_format: RECORD_FORMAT, tool_version: TOOL_VERSION, seeds_run: {}, entries: [] };
  const doc = parseJsonText(readFileSync(path, 'utf8'), path) as Partial<SeedRecord> | null;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || doc.record_format === undefined) throw new UserError(`--record: ${path} is not a seed record (no record_format); give a new path or a file "replsim fuzz --record" wrote`);
  if (doc.record_format !== RECORD_FORMAT) throw new UserError(`--record: ${path}: record_format ${JSON.stringify(doc.record_format)}; this replsim reads format ${RECORD_FORMAT}`);
  if (!Array.isArray(doc.entries) || typeof doc.seeds_run !== 'object' || doc.seeds_run === null) throw new UserError(`--record: ${path}: "entries" must be an array and "seeds_run" an object`);
  return doc as SeedRecord;
}

/** Adds a run's findings to a record: counts add up, the smallest seed wins, the first seed stays. */
export function mergeRecord(into: SeedRecord, add: { seeds_run: Record<string, number>; entries: RecordEntry[] }): SeedRecord {
  const seedsRun = { ...into.seeds_run };
  for (const [k, n] of Object.entries(add.seeds_run)) seedsRun[k] = (seedsRun[k] ?? 0) + n;
  const byKey = new Map(into.entries.map((e) => [`${e.scenario}\0${e.key}`, { ...e }]));
  for (const e of add.entries) {
    const cur = byKey.get(`${e.scenario}\0${e.key}`);
    if (!cur) byKey.set(`${e.scenario}\0${e.key}`, { ...e });
    else {
      cur.count += e.count;
      if (e.smallest_seed < cur.smallest_seed) Object.assign(cur, { smallest_seed: e.smallest_seed, status: e.status, message: e.message, reproduce: e.reproduce, label: e.label });
    }
  }
  const entries = [...byKey.values()].sort((a, b) => (a.scenario < b.scenario ? -1 : a.scenario > b.scenario ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { record_format: RECORD_FORMAT, tool_version: TOOL_VERSION, seeds_run: Object.fromEntries(Object.entries(seedsRun).sort(([a], [b]) => (a < b ? -1 : 1))), entries };
}

export interface FuzzOptions {
  ref: string;
  source: ScenarioSource;
  mutant: MutantName | null;
  limits?: RunLimits;
  workers: number;
  /** How many seeds to run; null runs until the signal. */
  count: number | null;
  nextSeed: () => number;
  signal: AbortSignal;
  /** Where the record goes; it is written after every batch with a failure and at the end. */
  recordPath?: string;
  onSeed: (o: SweepOutcome, key: string | null) => void;
}

export interface FuzzResult {
  seeds: number;
  failed: number;
  liveness: number;
  /** This run's entries (the record file holds them merged with earlier runs). */
  entries: RecordEntry[];
  interrupted: boolean;
}

export async function fuzz(o: FuzzOptions): Promise<FuzzResult> {
  const scenarioKey = `${sourceName(o.source)}${o.mutant ? ` --mutant ${o.mutant}` : ''}`;
  if (o.recordPath) readRecord(o.recordPath); // a bad file is refused before anything runs
  const mine = new Map<string, RecordEntry>();
  let delta = { seeds: 0, entries: new Map<string, RecordEntry>() };
  const flush = () => {
    if (!o.recordPath) return;
    const merged = mergeRecord(readRecord(o.recordPath), { seeds_run: { [scenarioKey]: delta.seeds }, entries: [...delta.entries.values()] });
    writeJsonAtomic(o.recordPath, merged);
    delta = { seeds: 0, entries: new Map() };
  };
  const note = (m: Map<string, RecordEntry>, r: SweepOutcome, key: string) => {
    const f = primaryFailure(r.failures);
    const e = m.get(key);
    const fresh = { scenario: scenarioKey, key, label: f ? failureLabel(f) : r.status, status: r.status, message: f?.message ?? '', reproduce: reproduceCommand(o.ref, r.seed, o.mutant) };
    if (!e) m.set(key, { ...fresh, first_seed: r.seed, smallest_seed: r.seed, count: 1 });
    else {
      e.count++;
      if (r.seed < e.smallest_seed) Object.assign(e, fresh, { smallest_seed: r.seed, first_seed: e.first_seed, count: e.count });
    }
  };
  let seeds = 0;
  let failed = 0;
  let liveness = 0;
  let handedOut = 0;
  const pool = await seedPool(o.workers); // tinypool loaded when a fuzz starts, not at every replsim start
  let destroyed: Promise<void> | null = null;
  const stop = () => (destroyed ??= pool.destroy());
  o.signal.addEventListener('abort', () => void stop(), { once: true });
  const feed = async () => {
    while (!o.signal.aborted && (o.count === null || handedOut < o.count)) {
      const n = o.count === null ? BATCH : Math.min(BATCH, o.count - handedOut);
      handedOut += n;
      const batch: SweepTask[] = Array.from({ length: n }, () => ({ source: o.source, seed: o.nextSeed(), mutant: o.mutant, ...(o.limits ? { limits: o.limits } : {}) }));
      let rs: SweepOutcome[];
      try {
        rs = await runBatchOn(pool, batch);
      } catch (e) {
        if (o.signal.aborted) return; // the pool was destroyed under it
        throw e;
      }
      let found = false;
      for (const r of rs) {
        seeds++;
        delta.seeds++;
        let key: string | null = null;
        if (r.status !== 'pass') {
          found = true;
          if (r.status === 'fail') failed++;
          else liveness++;
          const f = primaryFailure(r.failures);
          key = f ? failureGroupKey(f, Object.keys(scenarioOf({ source: o.source, seed: r.seed, mutant: o.mutant }).nodes)) : r.status;
          note(mine, r, key);
          note(delta.entries, r, key);
        }
        o.onSeed(r, key);
      }
      if (found) flush();
    }
  };
  try {
    // two batches per thread in flight keep the threads busy while results are handled
    await Promise.all(Array.from({ length: o.workers * 2 }, feed));
  } finally {
    await stop();
    flush();
  }
  return { seeds, failed, liveness, entries: [...mine.values()], interrupted: o.signal.aborted };
}
