import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
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
  },
});
