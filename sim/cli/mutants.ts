// replsim mutants: the mutation self-test. Sweeps the swarm scenario against each named mutant of
// the model and reports which property killed it at which seed (the lowest failing seed, whatever
// the number of workers); a mutant the sweep misses is then run through the built-in regression
// scenarios (seeds 1-3). The unmutated model must pass the same sweep.

import { MUTANTS, MUTANT_NAMES, type MutantName } from '../redis/mutants.js';
import { sweep } from './sweep.js';
import { simulate } from '../run.js';
import { builtinNames, loadBuiltin } from './scenarios.js';
import { shrink, failureSignature } from './shrink.js';
import { SWARM_NAME, swarmScenario } from '../../scenarios/swarm.js';
import { writeJsonAtomic } from './artifact.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface MutantOutcome {
  mutant: MutantName | null;
  description: string;
  killed: boolean;
  seed: number | null;
  property: string | null;
  message: string | null;
  seeds_run: number;
  /** The scenario that killed it: "swarm", or a built-in regression scenario. */
  scenario: string | null;
  /** Where the shrunk failing scenario was written (swarm kills, when an output folder is given). */
  shrunk: string | null;
}

/** Second stage: the built-in scenarios, each with seeds 1-3, until one fails. */
function killByBuiltins(mutant: MutantName): { scenario: string; seed: number; property: string; message: string } | null {
  for (const name of builtinNames()) {
    if (name === SWARM_NAME) continue;
    for (const seed of [1, 2, 3]) {
      const r = simulate(loadBuiltin(name, seed), { seed, mutant });
      const f = r.failures.find((x) => x.kind === 'property') ?? r.failures[0];
      if (f) return { scenario: name, seed, property: f.property ?? f.kind, message: f.message };
    }
  }
  return null;
}

/** Shrink a swarm kill to a small scenario and write it to outDir; returns its path. */
function shrinkKill(mutant: MutantName, seed: number, signature: string, outDir: string): string | null {
  try {
    const res = shrink(swarmScenario(seed), seed, mutant, signature, 200);
    mkdirSync(outDir, { recursive: true });
    const path = join(outDir, `${mutant}-seed-${seed}.json`);
    writeJsonAtomic(path, { ...res.scenario, name: `${mutant}-killer`, description: `Shrunk swarm seed ${seed}: fails ${signature} with mutant ${mutant}.` });
    return path;
  } catch {
    return null;
  }
}

export async function runMutants(opts: { seeds: number[]; workers: number; only?: MutantName[]; outDir?: string }): Promise<MutantOutcome[]> {
  const out: MutantOutcome[] = [];
  for (const mutant of [null, ...(opts.only ?? MUTANT_NAMES)]) {
    const s = await sweep({ ref: 'swarm', scenario: 'swarm', seeds: opts.seeds, workers: opts.workers, mutant, progress: false, stopOnFailure: true });
    const first = s.results.find((r) => r.status !== 'pass');
    const f = first ? (first.failures.find((x) => x.kind === 'property') ?? first.failures[0]) : undefined;
    const base = { mutant, description: mutant ? MUTANTS[mutant] : 'the model as it is', seeds_run: s.results.length };
    if (first || mutant === null) {
      const shrunk = first && f && mutant && opts.outDir ? shrinkKill(mutant, first.seed, failureSignature(f), opts.outDir) : null;
      out.push({ ...base, killed: first !== undefined, seed: first ? first.seed : null, property: f ? (f.property ?? f.kind) : null, message: f ? f.message : null, scenario: first ? SWARM_NAME : null, shrunk });
      continue;
    }
    const k = killByBuiltins(mutant);
    out.push({ ...base, killed: k !== null, seed: k ? k.seed : null, property: k ? k.property : null, message: k ? k.message : null, scenario: k ? k.scenario : null, shrunk: null });
  }
  return out;
}
