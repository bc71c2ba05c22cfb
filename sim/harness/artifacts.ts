// Failure artifacts: everything needed to reproduce one run (format and tool versions, the full
// resolved scenario, seed, mutant, failures, trace hash and the command), written atomically; read
// back with the same care as a scenario file. A shrunk failure is an artifact too.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../scenario/types.js';
import type { Failure } from '../scenario/runner.js';
import { TOOL_VERSION, type RunStatus } from './simulate.js';
import { UserError } from '../errors.js';
import type { Seed } from '../kernel/rng.js';
import { MUTANT_NAMES } from '../redis/mutants.js';
import { parseJsonText, validateScenario } from '../scenario/load.js';

export const ARTIFACT_FORMAT = 1;

export interface Artifact {
  artifact_format: number;
  tool_version: string;
  scenario_ref: string;
  scenario: Scenario;
  seed: Seed;
  mutant: string | null;
  status: RunStatus;
  failures: Failure[];
  trace_hash: string;
  reproduce: string;
  /** A shrunk artifact: the artifact it was shrunk from, and how the shrink went. */
  shrunk_from?: string;
  shrink?: { runs: number; budget: number; exhausted: boolean; before: Record<string, number>; after: Record<string, number> };
}

const ARTIFACT_KEYS = ['artifact_format', 'tool_version', 'scenario_ref', 'scenario', 'seed', 'mutant', 'status', 'failures', 'trace_hash', 'reproduce', 'shrunk_from', 'shrink'];

/** A parsed JSON document is an artifact (not a scenario) when its top level has "artifact_format". */
export function isArtifactDocument(doc: unknown): boolean {
  return doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'artifact_format' in doc;
}

export function makeArtifact(ref: string, scenario: Scenario, seed: Seed, mutant: string | null, status: RunStatus, failures: Failure[], traceHash: string): Artifact {
  return {
    artifact_format: ARTIFACT_FORMAT,
    tool_version: TOOL_VERSION,
    scenario_ref: ref,
    scenario,
    seed,
    mutant,
    status,
    failures,
    trace_hash: traceHash,
    reproduce: reproduceCommand(ref, seed, mutant),
  };
}

/** Write via a temporary name, so no half-written artifact is ever seen. */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.partial`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export function writeArtifact(dir: string, a: Artifact): string {
  mkdirSync(dir, { recursive: true });
  const safe = String(a.seed).replace(/[^\w.-]/g, '_');
  const path = join(dir, `${a.scenario.name}-seed-${safe}${a.mutant ? `-${a.mutant}` : ''}.json`);
  writeJsonAtomic(path, a);
  return path;
}

export function readArtifact(path: string): Artifact {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${path}: cannot read the artifact file; give the path of a JSON artifact written by "replsim sweep --out DIR" or "replsim shrink"`);
  }
  return validateArtifact(parseJsonText(text, path), path);
}

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);

/** Check an artifact document field by field; each problem is one UserError naming the key. */
export function validateArtifact(doc: unknown, path: string): Artifact {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`${path}: not a replsim artifact: expected a JSON object, got ${kind(doc)}`);
  const a = doc as Record<string, unknown>;
  const bad = (key: string, want: string) => new UserError(`${path}: ${key}: expected ${want}, got ${kind(a[key])}`);
  if (!('artifact_format' in a)) throw new UserError(`${path}: not a replsim artifact of format ${ARTIFACT_FORMAT} (needs artifact_format, scenario, seed and trace_hash)`);
  for (const k of Object.keys(a)) if (!ARTIFACT_KEYS.includes(k)) throw new UserError(`${path}: unknown key "${k}" in the artifact; valid keys: ${ARTIFACT_KEYS.join(', ')}`);
  for (const k of ['scenario', 'seed', 'trace_hash']) {
    if (!(k in a)) throw new UserError(`${path}: missing key "${k}"; an artifact needs artifact_format, scenario, seed and trace_hash`);
  }
  if (a.artifact_format !== ARTIFACT_FORMAT) throw bad('artifact_format', `${ARTIFACT_FORMAT} (the artifact format this replsim reads)`);
  const seed = a.seed;
  if (!((typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0) || (typeof seed === 'string' && seed !== ''))) throw bad('seed', 'a non-negative integer or a non-empty string');
  if (a.mutant !== undefined && a.mutant !== null && !(typeof a.mutant === 'string' && (MUTANT_NAMES as string[]).includes(a.mutant))) {
    throw new UserError(`${path}: mutant: unknown mutant ${JSON.stringify(a.mutant)}; mutants: ${MUTANT_NAMES.join(', ')} (or null)`);
  }
  if (typeof a.trace_hash !== 'string' || !/^v\d+-[0-9a-f]{16}$/.test(a.trace_hash)) throw bad('trace_hash', 'a trace hash like "v1-0123456789abcdef"');
  if (a.status !== undefined && !['pass', 'fail', 'liveness'].includes(a.status as string)) throw bad('status', '"pass", "fail" or "liveness"');
  if (a.failures !== undefined) {
    if (!Array.isArray(a.failures)) throw bad('failures', 'an array of failures');
    a.failures.forEach((f: unknown, i) => {
      const x = f as Record<string, unknown> | null;
      if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new UserError(`${path}: failures[${i}]: expected a failure object, got ${kind(f)}`);
      if (!['expectation', 'liveness', 'property'].includes(x.kind as string)) throw new UserError(`${path}: failures[${i}].kind: expected "expectation", "liveness" or "property", got ${kind(x.kind)}`);
      if (typeof x.message !== 'string') throw new UserError(`${path}: failures[${i}].message: expected a string, got ${kind(x.message)}`);
    });
  }
  for (const k of ['tool_version', 'scenario_ref', 'reproduce', 'shrunk_from']) if (a[k] !== undefined && typeof a[k] !== 'string') throw bad(k, 'a string');
  // the scenario gets the same checks as a scenario file, with paths under "scenario"
  const scenario = validateScenario(a.scenario, `${path}: scenario`);
  return { ...a, scenario, mutant: (a.mutant as string | undefined) ?? null, failures: (a.failures as Failure[] | undefined) ?? [], status: (a.status as RunStatus | undefined) ?? 'fail' } as Artifact;
}

/** The default name of a shrunk artifact: `x.json` -> `x.shrunk.json`. */
export function shrunkPath(path: string): string {
  return `${path.replace(/\.json$/, '')}.shrunk.json`;
}

/** A shrunk failure as an artifact of its own: `replsim run`, `replay` and `shrink` all take it. */
export function makeShrunkArtifact(out: string, from: string, scenario: Scenario, seed: Seed, mutant: string | null, run: { status: RunStatus; failures: Failure[]; trace_hash: string }, shrink: Artifact['shrink']): Artifact {
  return {
    artifact_format: ARTIFACT_FORMAT,
    tool_version: TOOL_VERSION,
    scenario_ref: out,
    scenario,
    seed,
    mutant,
    status: run.status,
    failures: run.failures,
    trace_hash: run.trace_hash,
    reproduce: `replsim run ${/^[\w./:-]+$/.test(out) ? out : `'${out.replace(/'/g, `'\\''`)}'`}`,
    shrunk_from: from,
    ...(shrink ? { shrink } : {}),
  };
}

/** The command line that reruns a scenario with a seed (and a mutant): what artifacts and reports print. */
export function reproduceCommand(ref: string, seed: number | string, mutant?: string | null): string {
  const q = (s: string) => (/^[\w./:-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `replsim run ${q(ref)} --seed ${q(String(seed))}${mutant ? ` --mutant ${mutant}` : ''}`;
}
