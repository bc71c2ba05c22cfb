// replsim mutants: the mutation self-test. Sweeps the swarm scenario against each named mutant of
// the model and reports which property killed it at which seed (the lowest failing seed, whatever
// the number of workers); a mutant the sweep misses is then run through the built-in regression
// scenarios (seeds 1-3). The unmutated model must pass the same sweep.

import { MUTANTS, MUTANT_NAMES, type MutantName } from '../redis/mutants.js';
import { sweep, type SweepProgress } from './sweep.js';
import { primaryFailure } from './groups.js';
import { simulate } from '../run.js';
import { builtinNames, loadBuiltin } from './scenarios.js';
import { shrink, failureSignature } from './shrink.js';
import { SWARM_NAME, swarmScenario } from '../../scenarios/swarm.js';
import { makeShrunkArtifact, writeJsonAtomic } from './artifact.js';
import { mkdirSync } from 'node:fs';
import cliProgress from 'cli-progress';
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
type OnProgress = (p: MutantProgress) => void;

const REGRESSION_SEEDS = [1, 2, 3];

/** Second stage: the built-in scenarios, each with seeds 1-3, until one fails. */
function killByBuiltins(mutant: MutantName, onProgress?: OnProgress): { scenario: string; seed: number; property: string; message: string } | null {
  const names = builtinNames().filter((n) => n !== SWARM_NAME);
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
    const s = await sweep({ ref: 'swarm', scenario: 'swarm', seeds: opts.seeds, workers: opts.workers, mutant, progress: false, maxFailures: 1, ...(report ? { onProgress: (p: SweepProgress) => report({ name, stage: 'swarm', done: p.done, total: p.total }) } : {}) });
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

/** Lines on a pipe: one per stage's end, and one when 10 s have passed or another PROGRESS_EVERY seeds are done. */
export const PROGRESS_EVERY = 50;
const PROGRESS_MS = 10_000;

/**
 * The self-test's progress on stderr: on a terminal one bar per stage (a mutant's swarm sweep, its
 * regression scenarios, its shrink); otherwise plain lines such as "mutants: promotion-keeps-replid
 * 100/300 seeds", so a CI log shows it is alive.
 */
export function mutantProgress(tty: boolean, write: (s: string) => void = (s) => void process.stderr.write(s)): { onProgress: OnProgress; stop: () => void } {
  const unit = (p: MutantProgress) => (p.stage === 'swarm' ? 'seeds' : p.stage === 'regression' ? 'regression runs' : 'shrink');
  if (tty) {
    let bar: cliProgress.SingleBar | null = null;
    let current = '';
    const stop = () => {
      bar?.stop();
      bar = null;
    };
    return {
      stop,
      onProgress: (p) => {
        const id = `${p.name}/${p.stage}`;
        if (id !== current || !bar) {
          stop();
          current = id;
          bar = new cliProgress.SingleBar({ format: `mutants: ${p.name} ${p.stage} {bar} {value}/{total} ${unit(p)} {result}`, hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
          bar.start(p.total, p.done, { result: '' });
        }
        bar.update(p.done, { result: p.result ?? '' });
        if (p.result !== undefined) stop();
      },
    };
  }
  let last = Date.now();
  const lastDone = new Map<string, number>();
  return {
    stop: () => {},
    onProgress: (p) => {
      const id = `${p.name}/${p.stage}`;
      const before = lastDone.get(id) ?? 0;
      lastDone.set(id, p.done);
      const crossed = Math.floor(p.done / PROGRESS_EVERY) > Math.floor(before / PROGRESS_EVERY);
      if (p.result === undefined && p.stage !== 'shrink' && !crossed && Date.now() - last < PROGRESS_MS) return;
      last = Date.now();
      const what = p.stage === 'shrink' ? (p.result === undefined ? 'shrinking the kill' : 'shrink') : `${p.done}/${p.total} ${unit(p)}`;
      write(`mutants: ${p.name} ${what}${p.result !== undefined ? `: ${p.result}` : ''}\n`);
    },
  };
}
