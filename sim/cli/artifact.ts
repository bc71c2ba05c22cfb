// Failure artifacts: everything needed to reproduce one run (format and tool versions, the full
// resolved scenario, seed, mutant, failures, trace hash and the command), written atomically.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from '../../scenarios/types.js';
import type { Failure } from '../cluster/runner.js';
import { TOOL_VERSION, type RunStatus } from '../run.js';
import { UserError } from '../errors.js';
import type { Seed } from '../kernel/rng.js';
import { reproduceCommand } from './render.js';
import { parseJsonText, validateScenario } from '../../scenarios/load.js';

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
    throw new UserError(`${path}: cannot read the artifact file; give the path of a JSON artifact written by "replsim sweep --out DIR"`);
  }
  const a = parseJsonText(text, path) as Partial<Artifact>;
  if (a === null || typeof a !== 'object' || a.artifact_format !== ARTIFACT_FORMAT || !a.scenario || a.seed === undefined || typeof a.trace_hash !== 'string') {
    throw new UserError(`${path}: not a replsim artifact of format ${ARTIFACT_FORMAT} (needs artifact_format, scenario, seed and trace_hash)`);
  }
  // an edited artifact gets the same checks as a scenario file, with paths under "scenario."
  return { ...a, scenario: validateScenario(a.scenario, `${path}: scenario`) } as Artifact;
}
