// Where scenarios come from: a built-in name (scenarios/builtin/<name>.json or a generator such as the
// swarm), a scenario file, or an artifact; as a source that gives the scenario for a seed.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { UserError } from '../errors.js';
import { packagePath } from '../paths.js';
import { SWARM_CORE_DESCRIPTION, SWARM_CORE_NAME, SWARM_DESCRIPTION, SWARM_NAME, swarmCoreScenario, swarmScenario } from '../scenario/swarm.js';
import type { Seed } from '../kernel/rng.js';
import { isArtifactDocument, validateArtifact, type Artifact } from './artifacts.js';

export const BUILTIN_DIR = packagePath('scenarios', 'builtin');

/**
 * Where a run's scenario comes from: a document (a file, a built-in, an artifact's), or a generator
 * that makes one from each seed (the swarm). Plain data, so a sweep's worker thread rebuilds it.
 */
export type ScenarioSource = { document: Scenario } | { generator: GeneratorName };

/** Scenarios made from a seed: every knob drawn from it (swarm testing). */
export const GENERATORS = {
  [SWARM_NAME]: { description: SWARM_DESCRIPTION, generate: swarmScenario },
  [SWARM_CORE_NAME]: { description: SWARM_CORE_DESCRIPTION, generate: swarmCoreScenario },
} as const satisfies Record<string, { description: string; generate: (seed: Seed) => Scenario }>;
export type GeneratorName = keyof typeof GENERATORS;

const isGenerator = (name: string): name is GeneratorName => Object.hasOwn(GENERATORS, name);

/** The scenario a source gives for a seed. */
export function scenarioFor(src: ScenarioSource, seed: Seed): Scenario {
  return 'generator' in src ? GENERATORS[src.generator].generate(seed) : src.document;
}

/** The source's name in reports: the generator's, or the document's own. */
export function sourceName(src: ScenarioSource): string {
  return 'generator' in src ? src.generator : src.document.name;
}

/** The built-in scenarios: the files in scenarios/builtin/ and the generators. */
export function builtinNames(): string[] {
  return readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .concat(Object.keys(GENERATORS))
    .sort();
}

export function builtinSource(name: string): ScenarioSource {
  return isGenerator(name) ? { generator: name } : { document: loadScenarioFile(join(BUILTIN_DIR, `${name}.json`)) };
}

/** A built-in scenario for a seed (a generator's depends on it; a file's does not). */
export function loadBuiltin(name: string, seed: Seed = 1): Scenario {
  return scenarioFor(builtinSource(name), seed);
}

export function builtinDescription(name: string): string {
  return isGenerator(name) ? GENERATORS[name].description : (loadBuiltin(name).description ?? '');
}

/** The artifact at path, or null when the file is not one (a JSON document without "artifact_format"). */
function artifactAt(path: string): Artifact | null {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch {
    return null; // unreadable or not JSON: the scenario loader says what is wrong
  }
  return isArtifactDocument(doc) ? validateArtifact(doc, path) : null;
}

/**
 * A built-in name or a path to a scenario file, as a source. A file whose top level has
 * "artifact_format" is an artifact (sweep --out, shrink): its scenario is the source, and
 * `artifact` carries its seed and mutant.
 */
export function resolveScenario(ref: string): { source: ScenarioSource; builtin: boolean; artifact?: Artifact } {
  const names = builtinNames();
  if (names.includes(ref) && !existsSync(ref)) return { source: builtinSource(ref), builtin: true };
  if (existsSync(ref) || ref.endsWith('.json') || ref.includes('/')) {
    const artifact = existsSync(ref) ? artifactAt(ref) : null;
    if (artifact) return { source: { document: artifact.scenario }, builtin: false, artifact };
    return { source: { document: loadScenarioFile(ref) }, builtin: false };
  }
  const close = names.filter((n) => n.includes(ref) || ref.includes(n));
  throw new UserError(`unknown scenario "${ref}"${close.length ? ` (did you mean ${close.join(' or ')}?)` : ''}; built-in scenarios: ${names.join(', ')}; or give a path to a .json file`);
}

/** The seed a run of a resolved reference uses: the --seed flag, else an artifact's, else the document's "seed", else 1. */
export function seedFor(r: { source: ScenarioSource; artifact?: Artifact }, flag: Seed | undefined): Seed {
  return flag ?? r.artifact?.seed ?? ('document' in r.source ? r.source.document.seed : undefined) ?? 1;
}
