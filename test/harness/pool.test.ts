// The worker pool (sim/harness/pool.ts): the workers' node flags (the parent's, without its debugger,
// then ours), and a batch run again when its worker process dies under it.
import { describe, expect, it } from 'vitest';
import type { Tinypool } from 'tinypool';
import { runBatchOn, WORKER_V8_FLAGS, workerExecArgv } from '../../sim/harness/pool.js';
import { WorkerDied } from '../../sim/errors.js';
import type { SweepOutcome, SweepTask } from '../../sim/harness/task.js';

describe('worker flags', () => {
  it("keep the parent's flags, drop its inspector and debugger flags, and end with --single-threaded and the young generation's size once", () => {
    const got = workerExecArgv(['--import', 'tsx', '--inspect=9229', '--inspect-brk', '--debug-port=1', '--max-old-space-size=512', '--single-threaded']);
    expect(got).toEqual(['--import', 'tsx', '--max-old-space-size=512', ...WORKER_V8_FLAGS]);
    expect(WORKER_V8_FLAGS).toContain('--single-threaded');
    expect(workerExecArgv([])).toEqual(WORKER_V8_FLAGS);
  });
});

/** A pool whose run() fails with tinypool's worker-exit error `deaths` times, then answers. */
function fakePool(deaths: number, other?: Error): { pool: Tinypool; calls: () => number } {
  let calls = 0;
  const pool = {
    run(batch: SweepTask[]): Promise<SweepOutcome[]> {
      calls++;
      if (other) return Promise.reject(other);
      if (calls <= deaths) return Promise.reject(new Error('Worker exited unexpectedly'));
      return Promise.resolve(batch.map((t) => ({ seed: t.seed, status: 'pass', trace_hash: 'v3-x', failures: [], events: 1 }) as SweepOutcome));
    },
  } as unknown as Tinypool;
  return { pool, calls: () => calls };
}

const batch: SweepTask[] = [7, 8, 9].map((seed) => ({ source: { generator: 'swarm' }, seed, mutant: null }));

describe('a batch whose worker dies', () => {
  it('runs once more, and returns what the second run gives', async () => {
    const f = fakePool(1);
    expect((await runBatchOn(f.pool, batch)).map((o) => o.seed)).toEqual([7, 8, 9]);
    expect(f.calls()).toBe(2);
  });

  it('dying twice is a WorkerDied naming the seeds and how to run one alone', async () => {
    const f = fakePool(2);
    const e = await runBatchOn(f.pool, batch).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WorkerDied);
    expect((e as Error).message).toBe('a worker process died twice while running seeds 7, 8, 9 (killed, or out of memory?): run those seeds alone, e.g. replsim run <scenario> --seed 7, to see whether one of them is the cause');
    expect(f.calls()).toBe(2);
  });

  it('any other error is not retried', async () => {
    const f = fakePool(0, new Error('boom'));
    await expect(runBatchOn(f.pool, batch)).rejects.toThrow('boom');
    expect(f.calls()).toBe(1);
  });
});

