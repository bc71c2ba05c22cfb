import { defineConfig } from 'vitest/config';

/**
 * Test files that wait on the outside world in real time: real redis-server and redis-sentinel
 * processes, network namespaces, a local Redis job queue, Chromium. They mostly sleep, so they run in
 * their own project ("real"), two files at a time; `npm test` (scripts/test.mjs) runs it beside the
 * CPU-bound project ("sim") in a second vitest process.
 */
export const REAL_TIME_FILES = [
  'test/real/**/*.test.ts',
  'test/backends/builtins-both-*.test.ts',
  'test/backends/fabric.test.ts',
  'test/backends/real-cli.test.ts',
  'test/backends/real-faults.test.ts',
  'test/backends/real-props.test.ts',
  'test/cli/queue.test.ts',
  'test/cli/sweep-worker-death.test.ts',
  'test/report/*-browser.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // fixed fast-check seeds under `npm test`; `npm run fuzz` explores with fresh ones
    setupFiles: ['./test/support/fc-setup.ts'],
    // the CLI tests spawn the prebuilt CLI: rebuild dist/ first if the sources changed
    globalSetup: ['./test/support/build-setup.ts'],
    testTimeout: 60_000,
    // beforeAll hooks that run whole CLI sweeps: seconds on an idle machine, far more on a busy one
    hookTimeout: 120_000,
    // it.concurrent (the both-backends check's real runs, two deployments each): three at a time on
    // two cores, so that real-time scenarios keep their timing
    maxConcurrency: 3,
    projects: [
      // one worker: these files use a whole core each (and some spawn CLI processes)
      { extends: true, test: { name: 'sim', include: ['test/**/*.test.ts'], exclude: REAL_TIME_FILES, maxWorkers: 1 } },
      // after "sim" when both run in one vitest process (projects with different worker counts need an order)
      { extends: true, test: { name: 'real', include: REAL_TIME_FILES, maxWorkers: 2, sequence: { groupOrder: 1 } } },
    ],
  },
});
