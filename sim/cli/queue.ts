// The queue's faces: `replsim sweep ... --queue URL` (the producer, called from main.ts's sweep) and
// `replsim worker --queue URL` (takes chunks on any machine); the queue itself is harness/queue.ts.

import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { UserError } from '../errors.js';
import type { MutantName } from '../redis/mutants.js';
import { DEFAULT_CHUNK, parseQueueUrl, queueSweep, runQueueWorker, type QueueSweepSummary } from '../harness/queue.js';
import type { ScenarioSource } from '../harness/sources.js';
import type { SweepProgress } from '../harness/sweep.js';
import type { RunLimits } from '../harness/task.js';
import { defaultWorkers } from '../harness/sweep.js';
import { parseFlagDurationUs } from '../units.js';

export interface QueueFlags {
  queue?: string;
  chunk?: number;
  workers?: number;
  failFast?: boolean;
  maxFailures?: number;
}

/** The flags that mean nothing with --queue are refused, not ignored. */
export function checkQueueFlags(o: QueueFlags): void {
  if (o.queue === undefined) {
    if (o.chunk !== undefined) throw new UserError('--chunk is for --queue: add --queue redis://HOST:PORT/N or drop --chunk');
    return;
  }
  if (o.workers !== undefined) throw new UserError('--workers: with --queue the seeds run on "replsim worker" processes; give --workers to them');
  if (o.failFast || o.maxFailures !== undefined) throw new UserError(`${o.failFast ? '--fail-fast' : '--max-failures'} is not available with --queue; run the whole range, or sweep without --queue`);
}

/** Progress lines for a pipe: at most one every 5 s, and the last. */
function progressLines(): (p: SweepProgress & { workers: number }) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (p.done < p.total && now - last < 5000) return;
    last = now;
    process.stderr.write(`queue: ${p.done}/${p.total} seeds, ${p.failed} failing, ${p.workers} worker process${p.workers === 1 ? '' : 'es'} so far\n`);
  };
}

export async function sweepOnQueue(o: { ref: string; source: ScenarioSource; seeds: number[]; mutant: MutantName | null; limits: RunLimits; queue: string; chunk?: number; outDir?: string; signal: AbortSignal; onProgress?: (p: SweepProgress) => void }): Promise<QueueSweepSummary> {
  const target = parseQueueUrl(o.queue);
  const lines = o.onProgress ? null : progressLines();
  return queueSweep({
    ref: o.ref,
    source: o.source,
    seeds: o.seeds,
    mutant: o.mutant,
    limits: o.limits,
    target,
    chunk: o.chunk ?? DEFAULT_CHUNK,
    sweepId: randomBytes(6).toString('hex'),
    ...(o.outDir ? { outDir: o.outDir } : {}),
    signal: o.signal,
    onProgress: (p) => (o.onProgress ? o.onProgress(p) : lines!(p)),
    onInfo: (l) => void process.stderr.write(l + '\n'),
  });
}

const positive = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`${flag}: expected a whole number of at least 1, got "${v}"`);
  return Number(v);
};
const ms = (flag: string) => (v: string) => Math.max(1, Math.round(parseFlagDurationUs(v, flag) / 1000));

export function registerWorker(program: Command, setExit: (code: number) => void): void {
  program
    .command('worker')
    .description('take seed chunks from a sweep queue (replsim sweep ... --queue URL) and run them with the local worker threads, until Ctrl-C')
    .requiredOption('--queue <url>', 'the queue\'s Redis: redis://HOST:PORT/N')
    .option('--workers <n>', `worker threads (default: ${defaultWorkers()}, the machine's parallelism)`, positive('--workers'))
    .option('--chunks-at-once <n>', 'chunks taken at a time, sharing the threads (default 2)', positive('--chunks-at-once'))
    .addOption(new Option('--lock-duration <duration>', 'how long a chunk stays with a worker that stopped renewing its lock (killed) before it can go back on the queue (default 30s)').argParser(ms('--lock-duration')))
    .addOption(new Option('--stalled-interval <duration>', 'how often this worker puts chunks whose lock expired back on the queue (default 30s)').argParser(ms('--stalled-interval')))
    .option('--max-stalled <n>', 'a chunk put back more often than this fails the sweep (default 3)', (v: string) => {
      if (!/^\d+$/.test(v)) throw new UserError(`--max-stalled: expected a whole number, got "${v}"`);
      return Number(v);
    })
    .addHelpText('after', `
Runs until Ctrl-C or SIGTERM, which let the chunks in hand finish (a second Ctrl-C stops at once; a
chunk cut short goes back on the queue after --lock-duration). Progress lines go to stderr.
Exit codes: 0 stopped, 2 bad input (a bad URL, a queue that cannot be reached).`)
    .action(async (o: { queue: string; workers?: number; chunksAtOnce?: number; lockDuration?: number; stalledInterval?: number; maxStalled?: number }) => {
      const target = parseQueueUrl(o.queue);
      const stop = new AbortController();
      const onSignal = () => (stop.signal.aborted ? process.exit(130) : stop.abort());
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const r = await runQueueWorker({
          target,
          workers: o.workers ?? defaultWorkers(),
          concurrency: o.chunksAtOnce ?? 2,
          lockDurationMs: o.lockDuration ?? 30_000,
          stalledIntervalMs: o.stalledInterval ?? 30_000,
          maxStalled: o.maxStalled ?? 3,
          signal: stop.signal,
          log: (l) => void process.stderr.write(l + '\n'),
        });
        process.stderr.write(`worker: ran ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}, ${r.seeds} seeds\n`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      setExit(0);
    });
}
