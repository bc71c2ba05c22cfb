// replsim sweep that keeps what it found: artifacts written as failures arrive, Ctrl-C that stops
// the workers and reports the sweep so far (exit 130, nothing half-written), --fail-fast and
// --max-failures with the same results for any number of workers, failures grouped by signature,
// and --workers capped at the machine's parallelism and the number of batches.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepSummary } from '../../sim/harness/sweep.js';
import { BATCH, batchesOf, workerPlan } from '../../sim/harness/sweep.js';
import type { FailureGroup } from '../../sim/harness/groups.js';
import { cli, expectUserError, FIX, json, ROOT, tempDir, type CliResult } from './cli.js';

const FLAKY = `${FIX}/flaky.json`;
type Row = { seed: number; status: string; trace_hash: string };
type SweepOut = Omit<SweepSummary, 'results'> & { results: Row[] };

/** Start replsim, wait until `ready()` holds, send SIGINT, and collect what it printed and its exit code. */
function interrupt(args: string[], ready: (stdout: string) => boolean): Promise<CliResult & { signalledAfterMs: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, ['bin/replsim.js', ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    let signalledAfterMs = -1;
    const poll = setInterval(() => {
      if (signalledAfterMs < 0 && ready(stdout)) {
        signalledAfterMs = Date.now() - t0;
        child.kill('SIGINT');
      }
    }, 50);
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ code, stdout, stderr, signalledAfterMs });
    });
  });
}

/** Every file under dir, recursively. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('Ctrl-C during a sweep', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  for (const workers of ['1', '2']) {
    it(`with --workers ${workers}: stops, prints the summary so far, exits 130, leaves complete artifacts and no .partial file`, async () => {
      const out = join(tmp.dir, `w${workers}`);
      // far more seeds than can run before the signal: the sweep only ends because of it
      const r = await interrupt(['sweep', FLAKY, '--seeds', '1..500000', '--workers', workers, '--out', out], () => existsSync(out) && readdirSync(out).some((f) => f.endsWith('.json')));
      const ctx = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
      expect(r.signalledAfterMs, ctx).toBeGreaterThan(0);
      expect(r.code, ctx).toBe(130);
      expect(r.stderr, ctx).not.toContain('internal error');
      expect(allFiles(out).filter((f) => f.includes('.partial')), ctx).toEqual([]);
      // the summary for "replsim merge" is written after Ctrl-C too, marked interrupted
      expect(JSON.parse(readFileSync(join(out, 'sweep-summary.json'), 'utf8')), ctx).toMatchObject({ stopped: 'interrupted', seeds_spec: '1..500000' });
      const files = allFiles(out).filter((f) => !f.endsWith('sweep-summary.json'));
      expect(files.length, ctx).toBeGreaterThan(0);
      const m = /^interrupted: (\d+) of 500000 seeds ran, (\d+) failing$/m.exec(r.stdout);
      expect(m, ctx).not.toBeNull();
      expect(Number(m![1])).toBeLessThan(500000);
      expect(r.stdout, ctx).toMatch(new RegExp(`^sweep cli-flaky: ${m![1]} seeds, \\d+ passed, ${m![2]} failed, `, 'm'));
      // every failing seed that finished has its artifact, and every artifact is whole
      expect(r.stdout, ctx).toContain(`artifacts: ${files.length} written to ${out}`);
      expect(files.length).toBe(Number(m![2]));
      for (const f of files) expect(JSON.parse(readFileSync(f, 'utf8'))).toMatchObject({ artifact_format: 1, status: 'fail' });
    }, 30_000);
  }

  it('--json: one JSON object with stopped "interrupted" and the artifacts written', async () => {
    const out = join(tmp.dir, 'json');
    const r = await interrupt(['sweep', FLAKY, '--seeds', '1..500000', '--workers', '1', '--out', out, '--json'], () => existsSync(out) && readdirSync(out).length > 0);
    expect(r.code, r.stderr).toBe(130);
    const s = json<SweepOut>(r);
    expect(s.stopped).toBe('interrupted');
    expect(s.seeds).toBe(s.results.length);
    expect(s.seeds_planned).toBe(500000);
    expect(s.artifacts.map((p) => p.slice(out.length + 1)).sort()).toEqual(readdirSync(out).filter((f) => f !== 'sweep-summary.json').sort());
  }, 30_000);
});

describe('--fail-fast and --max-failures', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  let all: SweepOut;
  let failing: number[];
  beforeAll(() => {
    all = json<SweepOut>(cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '1', '--json'));
    failing = all.results.filter((r) => r.status !== 'pass').map((r) => r.seed);
  });

  it('--fail-fast reports the seeds up to the first failing one, the same for 1 and 2 workers; exit 1', () => {
    const outs = ['1', '2'].map((w) => {
      const r = cli('sweep', FLAKY, '--seeds', '1..40', '--workers', w, '--fail-fast', '--json', '--out', join(tmp.dir, `ff${w}`));
      expect(r.code, r.stderr).toBe(1);
      return json<SweepOut>(r);
    });
    const first = failing[0]!;
    expect(outs[0]!.results).toEqual(all.results.filter((r) => r.seed <= first));
    expect(outs[1]!.results).toEqual(outs[0]!.results);
    for (const s of outs) {
      expect(s).toMatchObject({ stopped: 'max-failures', seeds: first, seeds_planned: 40, failed: 1 });
      expect(s.artifacts.map((p) => p.split(/[\\/]/).pop())).toEqual([`cli-flaky-seed-${first}.json`]);
      expect(s.groups.map((g) => g.lowest_seed)).toEqual([first]);
    }
    // failures found past the limit by a batch already running keep their artifacts, and are named
    const pastLimit = outs[1]!.past_limit.map((p) => p.seed);
    expect(readdirSync(join(tmp.dir, 'ff2')).sort()).toEqual([first, ...pastLimit].map((s) => `cli-flaky-seed-${s}.json`).concat('sweep-summary.json').sort());
  });

  it('--max-failures 3: the seeds up to the third failing one; the human output says why it stopped', () => {
    const third = failing[2]!;
    const two = json<SweepOut>(cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '2', '--max-failures', '3', '--json'));
    expect(two.results).toEqual(all.results.filter((r) => r.seed <= third));
    expect(two.failed).toBe(3);
    const human = cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '1', '--max-failures', '3');
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`stopped at the 3rd failing seed (--max-failures 3): ${third} of 40 seeds reported`);
  });

  it('a sweep that never reaches the limit runs every seed', () => {
    const s = json<SweepOut>(cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '1', '--max-failures', '1000', '--json'));
    expect(s.stopped).toBeNull();
    expect(s.results).toEqual(all.results);
  });

  it('--fail-fast with another --max-failures is a user error', () => {
    expectUserError(cli('sweep', FLAKY, '--seeds', '1..4', '--fail-fast', '--max-failures', '2'), 'replsim: --fail-fast means --max-failures 1');
    expectUserError(cli('sweep', FLAKY, '--seeds', '1..4', '--max-failures', '0'), 'replsim: --max-failures: expected a whole number of at least 1');
  });
});

describe('failure groups', () => {
  it('one line per group with its count, lowest seed and reproduce command, not one per seed; --json has groups', () => {
    const human = cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '1');
    const s = json<SweepOut & { groups: FailureGroup[] }>(cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '1', '--json'));
    const failing = s.results.filter((r) => r.status !== 'pass').map((r) => r.seed);
    expect(failing.length).toBeGreaterThan(1);
    expect(s.groups).toHaveLength(1);
    expect(s.groups[0]).toMatchObject({ label: 'expectation expect dbsize', status: 'fail', count: failing.length, seeds: failing, lowest_seed: failing[0], reproduce: `replsim run ${FLAKY} --seed ${failing[0]}` });
    expect(human.stdout).toContain(`FAIL ${failing.length} seeds (lowest ${failing[0]}) expectation expect dbsize: step 3 (expect): r.dbsize expected 1, actual 0\n  reproduce: replsim run ${FLAKY} --seed ${failing[0]}\n`);
    expect(human.stdout).not.toMatch(/seed \d+: step 3/);
    expect(human.stdout).toContain(' in 1 group ');
  });
});

describe('--workers is capped', () => {
  it('at the machine\'s parallelism and at the number of batches, and says so', () => {
    const cores = availableParallelism();
    const r = cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '64', '--json');
    const s = json<SweepOut>(r);
    const expected = Math.min(cores, 5); // 40 seeds are 5 batches of 8
    expect(s).toMatchObject({ workers: expected, workers_requested: 64 });
    expect(s.workers_capped).toContain(`${expected} of `);
    const human = cli('sweep', FLAKY, '--seeds', '1..8', '--workers', '3');
    expect(human.stdout).toContain('workers: 1 of 3: 8 seeds make 1 batch of up to 8');
    const help = cli('sweep', '--help').stdout;
    expect(help).toMatch(/--workers <n>[\s\S]*capped/);
    for (const o of ['--fail-fast', '--max-failures <n>', 'Ctrl-C', 'exits 130', '130 interrupted']) expect(help).toContain(o);
  });

  it('workerPlan: the smallest of the request, the cores and the batches', () => {
    const cores = availableParallelism();
    expect(workerPlan(1, 1000)).toEqual({ workers: 1, capped: null });
    expect(workerPlan(cores + 1, 8 * (cores + 1)).workers).toBe(cores);
    expect(workerPlan(cores + 1, 8 * (cores + 1)).capped).toContain("the machine's parallelism");
    expect(workerPlan(cores, 9)).toEqual(cores > 2 ? { workers: 2, capped: `2 of ${cores}: 9 seeds make 2 batches of up to 8` } : { workers: cores, capped: null });
  });

  it('batchesOf: every seed once, in order; full batches first, then smaller ones down to single seeds at the end', () => {
    const seeds = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const workers of [2, 3]) {
      const bs = batchesOf(seeds, workers);
      expect(bs.flat()).toEqual(seeds);
      const sizes = bs.map((b) => b.length);
      expect(sizes[0]).toBe(BATCH);
      expect(sizes.every((n, i) => n >= 1 && n <= BATCH && (i === 0 || n <= sizes[i - 1]!))).toBe(true);
      // the last seeds go one by one: the last worker to finish runs one seed while the others wait
      expect(sizes.slice(-2 * workers)).toEqual(Array(2 * workers).fill(1));
    }
    expect(batchesOf([], 2)).toEqual([]);
    expect(batchesOf([7], 2)).toEqual([[7]]);
  });
});
