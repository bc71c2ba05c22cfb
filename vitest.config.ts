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
  },
});
