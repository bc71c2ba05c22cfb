// sweep --queue and replsim worker on a local redis-server: two worker processes, one killed
// (SIGKILL) mid-chunk; its chunk is run again by the other, and the summary equals a local sweep's.
// Skipped when redis-server is missing, unless REPLSIM_REAL_REDIS=1 (CI) requires it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { freePort } from '../real/clusters.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepSummary } from '../../sim/harness/sweep.js';
import type { QueueSweepSummary } from '../../sim/harness/queue.js';
import { cli, expectUserError, FIX, json, ROOT } from './cli.js';

const HAVE_REDIS = spawnSync('redis-server', ['--version']).status === 0;
const REQUIRED = process.env.REPLSIM_REAL_REDIS === '1';
const TWO = `${FIX}/flaky-two.json`;
const SEEDS = '1..60';
const FAST_STALL = ['--lock-duration', '2s', '--stalled-interval', '1s'];


/** A replsim process whose stderr is kept, with a wait for a line matching a pattern. */
function start(args: string[]): { p: ChildProcess; err: () => string; out: () => string; line: (re: RegExp, ms?: number) => Promise<RegExpMatchArray>; exited: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const p = spawn(process.execPath, ['bin/replsim.js', ...args], { cwd: ROOT, env });
  let err = '';
  let out = '';
  const waiters: (() => void)[] = [];
  p.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
  const line = (re: RegExp, ms = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms; stderr:\n${err}`)), ms);
      const check = () => {
        const m = err.match(re);
        if (m) (clearTimeout(timer), resolve(m));
        else waiters.push(check);
      };
      check();
    });
  return { p, err: () => err, out: () => out, line, exited };
}

describe('sweep --queue: bad input', () => {
  it('a bad URL, an unreachable queue and flags that mean nothing with --queue: exit 2, one line', () => {
    expectUserError(cli('sweep', TWO, '--seeds', '1..3', '--queue', 'http://127.0.0.1:6379/0'), '--queue: "http:" is not redis: or rediss:');
    expectUserError(cli('sweep', TWO, '--seeds', '1..3', '--queue', 'redis://127.0.0.1:1/0'), '--queue: cannot reach redis://127.0.0.1:1/0', 'ECONNREFUSED');
    expectUserError(cli('worker', '--queue', 'redis://127.0.0.1:6379/x'), '"/x" is not a database number');
    expectUserError(cli('sweep', TWO, '--seeds', '1..3', '--queue', 'redis://127.0.0.1:1/0', '--workers', '2'), '--workers: with --queue');
    expectUserError(cli('sweep', TWO, '--seeds', '1..3', '--chunk', '2'), '--chunk is for --queue');
  }, 120_000);
});

describe.skipIf(!HAVE_REDIS && !REQUIRED)('sweep --queue with two workers on a local redis-server, one killed mid-chunk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replsim-queue-'));
  let redis: ChildProcess | null = null;
  let url = '';
  let local: SweepSummary;
  let queued: QueueSweepSummary;
  let killedChunk = '';
  let a: ReturnType<typeof start>;
  let b: ReturnType<typeof start>;
  let producer: ReturnType<typeof start>;
  let producerCode: number | null = null;

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}/0`;
    for (let i = 0; i < 100 && spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
    local = json<SweepSummary>(cli('sweep', TWO, '--seeds', SEEDS, '--workers', '1', '--json', '--out', join(dir, 'local')));
    // A takes two chunks at a time, B one: both get work; A is killed as soon as it starts its first
    a = start(['worker', '--queue', url, '--workers', '1', '--chunks-at-once', '2', ...FAST_STALL]);
    b = start(['worker', '--queue', url, '--workers', '1', '--chunks-at-once', '1', ...FAST_STALL]);
    await Promise.all([a.line(/waiting for chunks/), b.line(/waiting for chunks/)]);
    producer = start(['sweep', TWO, '--seeds', SEEDS, '--queue', url, '--chunk', '5', '--json', '--out', join(dir, 'out')]);
    const m = await a.line(/chunk (\d+) of sweep (\w+): 5 seeds/);
    a.p.kill('SIGKILL');
    killedChunk = m[1]!;
    producerCode = await producer.exited;
    queued = JSON.parse(producer.out()) as QueueSweepSummary;
  }, 240_000);

  afterAll(async () => {
    b?.p.kill('SIGTERM');
    await b?.exited;
    redis?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('the killed worker had started a chunk and not finished it; the other ran it again', () => {
    expect(a.err()).not.toMatch(new RegExp(`chunk ${killedChunk} of sweep \\w+ done`));
    expect(b.err()).toMatch(new RegExp(`chunk ${killedChunk} of sweep \\w+ done`));
    expect(queued.queue.chunks_retried).toBeGreaterThanOrEqual(1);
    expect(queued.queue.chunks).toBe(12);
  });

  it('every seed once, and the summary equals a local sweep of the same seeds', () => {
    expect(producerCode, producer.err()).toBe(1);
    expect(queued.results.map((r) => r.seed)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (const k of ['scenario', 'seeds', 'seeds_planned', 'passed', 'failed', 'liveness', 'stopped', 'past_limit', 'results'] as const) expect(queued[k], k).toEqual(local[k]);
    // the artifacts are in another folder, under the same names
    const base = (s: SweepSummary) => ({ groups: s.groups.map((g) => ({ ...g, artifact: g.artifact?.split('/').pop() })), artifacts: s.artifacts.map((x) => x.split('/').pop()) });
    expect(base(queued)).toEqual(base(local));
    expect(local.groups.length).toBe(2);
  });

  it('the producer printed progress, and wrote an artifact per failing seed and its summary', () => {
    expect(producer.err()).toMatch(/queue: 12 chunks of up to 5 seeds on redis:\/\/127\.0\.0\.1:\d+\/0/);
    expect(producer.err()).toMatch(/queue: 60\/60 seeds, \d+ failing/);
    const files = readdirSync(join(dir, 'out'));
    expect(files.filter((f) => f.endsWith('.json') && !f.startsWith('sweep-summary')).length).toBe(local.failed + local.liveness);
    expect(files).toContain('sweep-summary.json');
  });
});
