// The workers' node flags (sim/harness/pool.ts): the parent's, without its debugger, then ours.
import { describe, expect, it } from 'vitest';
import { WORKER_V8_FLAGS, workerExecArgv } from '../../sim/harness/pool.js';

describe('worker flags', () => {
  it("keep the parent's flags, drop its inspector and debugger flags, and end with --single-threaded and the young generation's size once", () => {
    const got = workerExecArgv(['--import', 'tsx', '--inspect=9229', '--inspect-brk', '--debug-port=1', '--max-old-space-size=512', '--single-threaded']);
    expect(got).toEqual(['--import', 'tsx', '--max-old-space-size=512', ...WORKER_V8_FLAGS]);
    expect(WORKER_V8_FLAGS).toContain('--single-threaded');
    expect(workerExecArgv([])).toEqual(WORKER_V8_FLAGS);
  });
});
