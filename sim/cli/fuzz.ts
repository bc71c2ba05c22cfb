// replsim fuzz: random seeds (crypto randomness: this is the harness, not a run) until Ctrl-C or
// --seeds-count, each printed with its status so it replays; failures kept in a seed record file.

import { randomInt } from 'node:crypto';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import { MUTANT_NAMES, type MutantName } from '../redis/mutants.js';
import { fuzz } from '../harness/fuzz.js';
import { resolveScenario } from '../harness/sources.js';
import { defaultWorkers } from '../harness/sweep.js';
import { statusWord } from './render.js';

const positive = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`${flag}: expected a whole number of at least 1, got "${v}"`);
  return Number(v);
};

/** Seeds below 2^48: whole numbers a sweep and --seed take exactly. */
const SEED_LIMIT = 2 ** 48;

export function registerFuzz(program: Command, setExit: (code: number) => void): void {
  program
    .command('fuzz')
    .description('continuous fuzzing: run random seeds of a scenario (default: swarm) until Ctrl-C or --seeds-count, printing each seed, and keep the failures by signature in a seed record file')
    .argument('[scenario]', 'built-in scenario name or path to a scenario .json file', 'swarm')
    .option('--forever', 'run until Ctrl-C (or SIGTERM)')
    .option('--seeds-count <n>', 'run n random seeds, then stop', positive('--seeds-count'))
    .option('--record <file>', 'the seed record: one entry per failure signature (first and smallest seed, count), merged with what the file holds, written atomically after each failure and at the end')
    .option('--workers <n>', `worker threads (default: ${defaultWorkers()})`, positive('--workers'))
    .addOption(new Option('--mutant <name>', 'switch on one named protocol bug (self-test)').hideHelp())
    .addHelpText('after', `
Each seed is printed as it finishes ("seed 123456789 pass"); replsim run SCENARIO --seed N replays
it. Ctrl-C stops cleanly: the runs in flight are dropped, the record is written, the totals printed.
Exit codes: 0 no failure found, 1 an expectation or property failed, 3 only liveness failures,
2 bad input (a bad record file, neither or both of --forever and --seeds-count).`)
    .action(async (ref: string, o: { forever?: boolean; seedsCount?: number; record?: string; workers?: number; mutant?: string }) => {
      if (!o.forever === (o.seedsCount === undefined)) throw new UserError(o.forever ? '--forever and --seeds-count exclude each other; give one' : 'give --forever (until Ctrl-C) or --seeds-count N');
      if (o.mutant !== undefined && !(MUTANT_NAMES as string[]).includes(o.mutant)) throw new UserError(`--mutant: unknown mutant "${o.mutant}"; mutants: ${MUTANT_NAMES.join(', ')}`);
      const { source } = resolveScenario(ref);
      const stop = new AbortController();
      const onSignal = () => (stop.signal.aborted ? process.exit(130) : stop.abort());
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const t0 = performance.now();
      let r;
      try {
        r = await fuzz({
          ref,
          source,
          mutant: (o.mutant as MutantName | undefined) ?? null,
          workers: o.workers ?? defaultWorkers(),
          count: o.seedsCount ?? null,
          nextSeed: () => randomInt(1, SEED_LIMIT),
          signal: stop.signal,
          ...(o.record ? { recordPath: o.record } : {}),
          onSeed: (x, key) => void process.stdout.write(`seed ${x.seed} ${x.status}${key ? ` ${key}` : ''}\n`),
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const lines = r.entries.map((e) => `${statusWord(e.status)} ${e.count} seed${e.count === 1 ? '' : 's'} (smallest ${e.smallest_seed}) ${e.label}: ${e.message}\n  reproduce: ${e.reproduce}`);
      lines.push(`fuzz ${ref}: ${r.seeds} seeds, ${r.failed} failed, ${r.liveness} liveness failures in ${r.entries.length} signature${r.entries.length === 1 ? '' : 's'} (${Math.round(performance.now() - t0)} ms wall)${r.interrupted ? ', stopped' : ''}${o.record ? `; record: ${o.record}` : ''}`);
      process.stdout.write(lines.join('\n') + '\n');
      setExit(r.failed > 0 ? 1 : r.liveness > 0 ? 3 : 0);
    });
}
