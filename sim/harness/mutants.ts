// replsim mutants: the mutation self-test. Sweeps the swarm scenario against each named mutant of
// the model and reports which property killed it at which seed (the lowest failing seed, whatever
// the number of workers); a mutant the sweep misses is then run through the built-in regression
// scenarios (seeds 1-3). The unmutated model must pass the same sweep.

import { MUTANTS, MUTANT_NAMES, type MutantName } from '../redis/mutants.js';
import { sweep, type SweepProgress } from './sweep.js';
import { primaryFailure } from './groups.js';
import { simulate } from './simulate.js';
import { builtinNames, GENERATORS, loadBuiltin } from './sources.js';
import { shrink, failureSignature } from './shrink.js';
import { SWARM_NAME, swarmScenario } from '../scenario/swarm.js';
import { makeShrunkArtifact, writeJsonAtomic } from './artifacts.js';
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

/** Where the self-test is, for progress bars and lines: one mutant (or the unmutated model) in one stage. */
export interface MutantProgress {
  /** The mutant, or "unmutated" for the model as it is. */
  name: string;
  stage: 'swarm' | 'regression' | 'shrink';
  /** Seeds (swarm), scenario runs (regression) or 0/1 (shrink). */
  done: number;
  total: number;
  /** The stage's last report, with how it ended. */
  result?: string;
}
export type OnProgress = (p: MutantProgress) => void;

const REGRESSION_SEEDS = [1, 2, 3];

/** Second stage: the built-in scenarios, each with seeds 1-3, until one fails. */
function killByBuiltins(mutant: MutantName, onProgress?: OnProgress): { scenario: string; seed: number; property: string; message: string } | null {
  const names = builtinNames().filter((n) => !Object.hasOwn(GENERATORS, n));
  const total = names.length * REGRESSION_SEEDS.length;
  let done = 0;
  for (const name of names) {
    for (const seed of REGRESSION_SEEDS) {
      const r = simulate(loadBuiltin(name, seed), { seed, mutant });
      const f = primaryFailure(r.failures);
      done++;
      if (f) {
        onProgress?.({ name: mutant, stage: 'regression', done, total, result: `killed by ${f.property ?? f.kind} in ${name} at seed ${seed}` });
        return { scenario: name, seed, property: f.property ?? f.kind, message: f.message };
      }
      onProgress?.({ name: mutant, stage: 'regression', done, total });
    }
  }
  onProgress?.({ name: mutant, stage: 'regression', done, total, result: 'survived' });
  return null;
}

/** Shrink a swarm kill and write it to outDir as a shrunk artifact (it runs with its own seed and mutant); returns its path. */
function shrinkKill(mutant: MutantName, seed: number, signature: string, outDir: string): string | null {
  try {
    const res = shrink(swarmScenario(seed), seed, mutant, signature, 200);
    if (!res.result) return null;
    mkdirSync(outDir, { recursive: true });
    const path = join(outDir, `${mutant}-seed-${seed}.json`);
    const scenario = { ...res.scenario, name: `${mutant}-killer`, description: `Shrunk swarm seed ${seed}: fails ${signature} with mutant ${mutant}, passes without it.` };
    writeJsonAtomic(path, makeShrunkArtifact(path, `swarm --seed ${seed}`, scenario, seed, mutant, res.result, { runs: res.runs, budget: 200, exhausted: res.exhausted, before: { ...res.before }, after: { ...res.after } }));
    return path;
  } catch {
    return null;
  }
}

export async function runMutants(opts: { seeds: number[]; workers: number; only?: MutantName[]; outDir?: string; onProgress?: OnProgress }): Promise<MutantOutcome[]> {
  const out: MutantOutcome[] = [];
  const report = opts.onProgress;
  for (const mutant of [null, ...(opts.only ?? MUTANT_NAMES)]) {
    const name = mutant ?? 'unmutated';
    // stops at the first failing seed; the sweep cuts its results there, so seeds_run is the same for any number of workers
    const s = await sweep({ ref: SWARM_NAME, source: { generator: SWARM_NAME }, seeds: opts.seeds, workers: opts.workers, mutant, maxFailures: 1, ...(report ? { onProgress: (p: SweepProgress) => report({ name, stage: 'swarm', done: p.done, total: p.total }) } : {}) });
    const first = s.results.find((r) => r.status !== 'pass');
    const f = first ? primaryFailure(first.failures) : undefined;
    report?.({ name, stage: 'swarm', done: s.results.length, total: opts.seeds.length, result: first && f ? `${mutant ? 'killed' : 'FAILED'} by ${f.property ?? f.kind} at seed ${first.seed}` : mutant ? 'not killed by the swarm' : 'clean' });
    const base = { mutant, description: mutant ? MUTANTS[mutant] : 'the model as it is', seeds_run: s.results.length };
    if (first || mutant === null) {
      let shrunk: string | null = null;
      if (first && f && mutant && opts.outDir) {
        report?.({ name, stage: 'shrink', done: 0, total: 1 });
        shrunk = shrinkKill(mutant, first.seed, failureSignature(f), opts.outDir);
        report?.({ name, stage: 'shrink', done: 1, total: 1, result: shrunk ? `wrote ${shrunk}` : 'could not shrink' });
      }
      out.push({ ...base, killed: first !== undefined, seed: first ? first.seed : null, property: f ? (f.property ?? f.kind) : null, message: f ? f.message : null, scenario: first ? SWARM_NAME : null, shrunk });
      continue;
    }
    const k = killByBuiltins(mutant, report);
    out.push({ ...base, killed: k !== null, seed: k ? k.seed : null, property: k ? k.property : null, message: k ? k.message : null, scenario: k ? k.scenario : null, shrunk: null });
  }
  return out;
}
