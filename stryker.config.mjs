// Mutation testing (`npm run mutation`; not part of npm test or CI: a full run takes tens of minutes).
// One file: `npm run mutation -- --mutate sim/redis/backlog.ts`. Reports go to reports/mutation/,
// and reports/stryker-incremental.json lets a later run re-test only mutants whose code or tests changed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'stryker.vitest.config.ts' },
  coverageAnalysis: 'perTest',
  mutate: [
    'properties/**/*.ts',
    'sim/redis/backlog.ts',
    'sim/redis/master.ts',
    'sim/redis/psync.ts',
    'sim/redis/replica.ts',
    'sim/net/**/*.ts',
    'sim/clients/**/*.ts',
  ],
  ignorePatterns: ['research', 'bench', '.replsim-out', '.scratch', 'dist', '*.log'],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // the machine is shared: one test process at a time
  concurrency: 1,
  timeoutMS: 10_000,
  cleanTempDir: 'always',
};
