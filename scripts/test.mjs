// `npm test`: the two vitest projects of vitest.config.ts side by side, in two processes. "sim" holds
// the CPU-bound files (one worker: a core); "real" holds the files that wait on real redis-server,
// redis-sentinel, network namespaces, a job queue or Chromium, and mostly sleep (two workers). Run one
// after the other they took 13-19 minutes on two cores; side by side, the longer of the two.
//
// Output: each process's lines as they come, whole lines, the real project's prefixed with "real | ".
// The end: each project's wall time and counts, then the one line CI reads, `tests: N passed, N failed`.
// With arguments (`npm test -- test/cli`), one vitest process runs them, as `vitest run ARGS` would.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { build } from './build.mjs';

const require = createRequire(import.meta.url);
const { staleReason } = require('./fresh.cjs');
const VITEST = require.resolve('vitest/package.json').replace(/package\.json$/, 'vitest.mjs');
const SUMMARY = /^tests: (\d+) passed, (\d+) failed$/;
const SKIPPED = /^(\d+) test\(s\) skipped$/;

/** One `vitest run` process; resolves with its exit code, counts (null: no summary line) and wall time. */
function vitest(args, prefix) {
  const started = performance.now();
  const child = spawn(process.execPath, [VITEST, 'run', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const counts = { passed: 0, failed: 0, skipped: 0, summary: false };
  const relay = (stream, out) => createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    const s = SUMMARY.exec(line);
    const k = SKIPPED.exec(line);
    if (s) Object.assign(counts, { passed: Number(s[1]), failed: Number(s[2]), summary: true });
    else if (k) counts.skipped = Number(k[1]);
    else out.write(`${line === '' ? prefix.trimEnd() : prefix + line}\n`);
  });
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  // Ctrl-C reaches both vitest processes from the terminal (one process group): the wrapper waits for
  // them to stop; a SIGTERM sent to the wrapper alone is passed on
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), counts, seconds: (performance.now() - started) / 1000 })));
}

const args = process.argv.slice(2);
if (args.length > 0) {
  const { code, counts } = await vitest(args, '');
  if (counts.skipped) process.stdout.write(`${counts.skipped} test(s) skipped\n`);
  process.stdout.write(`tests: ${counts.passed} passed, ${counts.failed + (counts.summary ? 0 : 1)} failed\n`);
  process.exit(code);
}

// the two processes' global setups would both rebuild a stale dist/ at once: build it here first
const why = staleReason();
if (why !== null) process.stdout.write(`dist/ rebuilt in ${(await build()).ms.toFixed(0)} ms (${why})\n`);

const runs = await Promise.all([vitest(['--project', 'sim'], ''), vitest(['--project', 'real'], 'real | ')]);
let passed = 0;
let failed = 0;
let skipped = 0;
process.stdout.write('\n');
for (const [name, r] of [['sim', runs[0]], ['real', runs[1]]]) {
  passed += r.counts.passed;
  skipped += r.counts.skipped;
  // a process that ended without its summary line (a crash, a kill) counts as one failure
  failed += r.counts.failed + (r.counts.summary ? 0 : 1);
  process.stdout.write(`project ${name}: ${r.counts.passed} passed, ${r.counts.failed} failed${r.counts.summary ? '' : ' (no summary: exit ' + r.code + ')'}, ${r.seconds.toFixed(0)} s\n`);
}
if (skipped) process.stdout.write(`${skipped} test(s) skipped\n`);
process.stdout.write(`tests: ${passed} passed, ${failed} failed\n`);
process.exit(runs.some((r) => r.code !== 0) || failed > 0 ? 1 : 0);
