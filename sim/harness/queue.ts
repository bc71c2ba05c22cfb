// Sweeps over a BullMQ queue (a Redis-backed job queue): the producer puts chunks of seeds on it and
// gathers each chunk's outcomes from its job result; `replsim worker` processes on any machine run
// chunks on their thread pool. A worker that dies mid-chunk loses its job lock, BullMQ's stalled-job
// check puts the chunk back, and another worker runs it; a chunk's result counts once.

import { hostname } from 'node:os';
// bullmq, ioredis and tinypool are loaded when a queue is used, not at every replsim start
import type { Job } from 'bullmq';
import { runBatchOn, seedPool } from './pool.js';
import { UserError } from '../errors.js';
import type { MutantName } from '../redis/mutants.js';
import { makeArtifact, writeArtifact } from './artifacts.js';
import { TOOL_VERSION } from './simulate.js';
import type { ScenarioSource } from './sources.js';
import { BATCH, summarize, type SweepProgress, type SweepSummary } from './sweep.js';
import { sleepMs, wallMs } from './wall-clock.js';
import { scenarioOf, type RunLimits, type SweepOutcome, type SweepTask } from './task.js';

export const QUEUE_NAME = 'replsim-sweep';
export const DEFAULT_CHUNK = 100;

/** Where the queue lives: ioredis connection options, and the URL to print (without a password). */
export interface QueueTarget {
  display: string;
  connection: { host: string; port: number; db: number; username?: string; password?: string; tls?: object };
}

/** redis://[user:password@]host[:port][/db] (rediss:// for TLS). */
export function parseQueueUrl(text: string): QueueTarget {
  const bad = (why: string) => new UserError(`--queue: ${why}; expected redis://HOST:PORT/N, like redis://127.0.0.1:6379/0`);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw bad(`"${text}" is not a URL`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad(`"${u.protocol}" is not redis: or rediss:`);
  if (!u.hostname) throw bad('no host');
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw bad(`"/${path}" is not a database number`);
  if (u.search || u.hash) throw bad('no query or fragment is taken');
  const db = path === '' ? 0 : Number(path);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const connection: QueueTarget['connection'] = { host, port, db };
  if (u.username) connection.username = decodeURIComponent(u.username);
  if (u.password) connection.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') connection.tls = {};
  return { display: `${u.protocol}//${u.host}/${db}`, connection };
}

/** One PING with a short timeout, so an unreachable queue is one line (exit 2), not endless retries. */
export async function checkReachable(t: QueueTarget, timeoutMs = 3000): Promise<void> {
  const { db, ...where } = t.connection;
  const { Redis } = await import('ioredis');
  const r = new Redis({ ...where, lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  let cause: Error | null = null;
  r.on('error', (e: Error) => (cause ??= e)); // the socket's own error (ECONNREFUSED) says more than "Connection is closed"
  try {
    try {
      await r.connect();
      await r.ping();
    } catch (e) {
      throw new UserError(`--queue: cannot reach ${t.display}: ${(cause ?? (e as Error)).message}; start Redis there or give the right redis://HOST:PORT/N`);
    }
    try {
      await r.select(db);
    } catch (e) {
      throw new UserError(`--queue: ${t.display}: database ${db}: ${(e as Error).message}; give a database the server has (0 to its "databases" setting - 1)`);
    }
  } finally {
    r.disconnect();
  }
}

/** What a chunk job carries: enough for any worker to run it. */
export interface ChunkJob {
  tool_version: string;
  sweep: string;
  chunk: number;
  source: ScenarioSource;
  seeds: number[];
  mutant: MutantName | null;
  limits?: RunLimits;
}

export interface ChunkResult {
  worker: string;
  outcomes: SweepOutcome[];
}

const connectionOf = (t: QueueTarget) => ({ ...t.connection, maxRetriesPerRequest: null });

export interface QueueSweepOptions {
  ref: string;
  source: ScenarioSource;
  seeds: number[];
  mutant: MutantName | null;
  limits?: RunLimits;
  target: QueueTarget;
  chunk: number;
  /** Names this sweep's jobs on a queue that other sweeps may share (random, from the CLI). */
  sweepId: string;
  outDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress & { workers: number }) => void;
  /** A line about the queue (where the chunks went); the CLI prints it on stderr. */
  onInfo?: (line: string) => void;
}

export type QueueSweepSummary = SweepSummary & { queue: { url: string; name: string; chunks: number; chunk_size: number; chunks_retried: number } };

/** The producer: chunks on the queue, outcomes gathered in seed order, summarized as a local sweep is. */
export async function queueSweep(o: QueueSweepOptions): Promise<QueueSweepSummary> {
  await checkReachable(o.target);
  const id = o.sweepId;
  const chunks: number[][] = [];
  for (let i = 0; i < o.seeds.length; i += o.chunk) chunks.push(o.seeds.slice(i, i + o.chunk));
  const jobId = (i: number) => `${id}-${i}`;
  const { Queue, QueueEvents } = await import('bullmq');
  const queue = new Queue<ChunkJob, ChunkResult>(QUEUE_NAME, { connection: connectionOf(o.target) });
  const events = new QueueEvents(QUEUE_NAME, { connection: connectionOf(o.target), blockingTimeout: 1000 });
  const found: SweepOutcome[] = [];
  const artifactOf = new Map<number, string>();
  const pending = new Set(chunks.map((_, i) => i));
  const workers = new Set<string>();
  let retried = 0;
  let failedSeeds = 0;
  let stopped: SweepSummary['stopped'] = null;
  let failure: Error | null = null;
  let wake: () => void = () => {};
  const woken = () => new Promise<void>((resolve) => (wake = resolve));

  const take = async (i: number, job: Job<ChunkJob, ChunkResult> | undefined) => {
    if (!pending.has(i) || !job) return;
    const r = job.returnvalue;
    const want = chunks[i]!;
    if (!r || !Array.isArray(r.outcomes) || r.outcomes.length !== want.length || r.outcomes.some((x, k) => x.seed !== want[k])) {
      failure = new Error(`queue: chunk ${i} came back without the outcomes of its ${want.length} seeds (worker ${r?.worker ?? '?'})`);
      return wake();
    }
    pending.delete(i); // a chunk counts once, whichever worker finished it
    workers.add(r.worker);
    if (job.attemptsStarted > 1 || job.stalledCounter > 0) retried++;
    for (const x of r.outcomes) {
      found.push(x);
      if (x.status === 'pass') continue;
      failedSeeds++;
      const task: SweepTask = { source: o.source, seed: x.seed, mutant: o.mutant };
      if (o.outDir) artifactOf.set(x.seed, writeArtifact(o.outDir, makeArtifact(o.ref, scenarioOf(task), x.seed, o.mutant, x.status, x.failures, x.trace_hash)));
    }
    o.onProgress?.({ done: found.length, total: o.seeds.length, failed: failedSeeds, workers: workers.size });
    await job.remove().catch(() => {});
    wake();
  };
  const chunkOf = (jid: string) => (jid.startsWith(`${id}-`) ? Number(jid.slice(id.length + 1)) : -1);
  events.on('completed', ({ jobId }) => {
    const i = chunkOf(jobId);
    if (i >= 0) void queue.getJob(jobId).then((j) => take(i, j));
  });
  events.on('failed', ({ jobId, failedReason }) => {
    const i = chunkOf(jobId);
    if (i < 0 || !pending.has(i)) return;
    failure = /^replsim version/.test(failedReason) ? new UserError(`queue: ${failedReason}`) : new Error(`queue: chunk ${i} (seeds ${chunks[i]![0]}..${chunks[i]!.at(-1)}) failed: ${failedReason}`);
    wake();
  });
  const onAbort = () => {
    stopped = 'interrupted';
    wake();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await events.waitUntilReady();
    const data = (i: number): ChunkJob => ({ tool_version: TOOL_VERSION, sweep: id, chunk: i, source: o.source, seeds: chunks[i]!, mutant: o.mutant, ...(o.limits ? { limits: o.limits } : {}) });
    for (let i = 0; i < chunks.length; i += 500) {
      await queue.addBulk(chunks.slice(i, i + 500).map((_, k) => ({ name: 'chunk', data: data(i + k), opts: { jobId: jobId(i + k), attempts: 1, removeOnComplete: false, removeOnFail: false } })));
    }
    o.onInfo?.(`queue: ${chunks.length} chunk${chunks.length === 1 ? '' : 's'} of up to ${o.chunk} seeds on ${o.target.display} (queue ${QUEUE_NAME}, sweep ${id}); workers: replsim worker --queue ${o.target.display}`);
    let lastPoll = wallMs();
    while (pending.size && !failure && !stopped) {
      const tick = sleepMs(2000);
      await Promise.race([woken(), tick]);
      // a completion event can be missed (a reconnect): look at the oldest pending chunks now and then
      if (pending.size && wallMs() - lastPoll > 5000) {
        lastPoll = wallMs();
        for (const i of [...pending].slice(0, 200)) {
          const job = await queue.getJob(jobId(i));
          if (job && (await job.getState()) === 'completed') await take(i, job);
        }
      }
    }
    if (failure) throw failure;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    if (pending.size) for (const i of pending) await queue.remove(jobId(i)).catch(() => 0); // a running chunk stays locked; its result is ignored
    await events.close();
    await queue.close();
  }
  const s = summarize({ ref: o.ref, source: o.source, seeds: o.seeds, mutant: o.mutant, found, artifactOf, stopped, workers: workers.size, workersRequested: workers.size, workersCapped: null });
  return { ...s, queue: { url: o.target.display, name: QUEUE_NAME, chunks: chunks.length, chunk_size: o.chunk, chunks_retried: retried } };
}

export interface QueueWorkerOptions {
  target: QueueTarget;
  /** Threads of the local pool. */
  workers: number;
  /** BullMQ's job lock: a worker that stops renewing it (killed) loses the chunk after this long. */
  lockDurationMs: number;
  /** How often this worker looks for chunks whose lock expired, to put them back on the queue. */
  stalledIntervalMs: number;
  /** A chunk put back more often than this fails (so a chunk that kills every worker stops). */
  maxStalled: number;
  /** Chunks run at once (they share the pool, so its threads stay busy between chunks). */
  concurrency: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** A worker: takes chunks until the signal is aborted, then finishes the chunks it has and returns. */
export async function runQueueWorker(o: QueueWorkerOptions): Promise<{ chunks: number; seeds: number }> {
  await checkReachable(o.target);
  const me = `${hostname()}:${process.pid}`;
  // the simulations run in worker processes even with one worker: this process must stay free to renew job locks
  const [pool, { Worker, UnrecoverableError }] = await Promise.all([seedPool(o.workers), import('bullmq')]);
  let chunks = 0;
  let seeds = 0;
  const worker = new Worker<ChunkJob, ChunkResult>(
    QUEUE_NAME,
    async (job) => {
      const d = job.data;
      if (d.tool_version !== TOOL_VERSION) throw new UnrecoverableError(`replsim version ${TOOL_VERSION} on worker ${me} cannot run a sweep made by replsim ${d.tool_version}; run the same version everywhere`);
      const t0 = wallMs();
      o.log(`worker ${me}: chunk ${d.chunk} of sweep ${d.sweep}: ${d.seeds.length} seeds (${d.seeds[0]}..${d.seeds.at(-1)})`);
      const batches: SweepTask[][] = [];
      for (let i = 0; i < d.seeds.length; i += BATCH) batches.push(d.seeds.slice(i, i + BATCH).map((seed) => ({ source: d.source, seed, mutant: d.mutant, ...(d.limits ? { limits: d.limits } : {}) })));
      const outcomes = (await Promise.all(batches.map((b) => runBatchOn(pool, b)))).flat();
      chunks++;
      seeds += outcomes.length;
      const failing = outcomes.filter((x) => x.status !== 'pass').length;
      o.log(`worker ${me}: chunk ${d.chunk} of sweep ${d.sweep} done: ${failing} failing, ${Math.round(wallMs() - t0)} ms`);
      return { worker: me, outcomes };
    },
    { connection: connectionOf(o.target), concurrency: o.concurrency, lockDuration: o.lockDurationMs, stalledInterval: o.stalledIntervalMs, maxStalledCount: o.maxStalled, drainDelay: 1 },
  );
  worker.on('error', (e) => o.log(`worker ${me}: ${e.message}`));
  await worker.waitUntilReady();
  o.log(`worker ${me}: waiting for chunks on ${o.target.display} (queue ${QUEUE_NAME}), ${o.workers} thread${o.workers === 1 ? '' : 's'}`);
  await new Promise<void>((resolve) => (o.signal.aborted ? resolve() : o.signal.addEventListener('abort', () => resolve(), { once: true })));
  o.log(`worker ${me}: stopping after the chunks it has (Ctrl-C again to stop at once)`);
  await worker.close();
  await pool.destroy();
  return { chunks, seeds };
}
