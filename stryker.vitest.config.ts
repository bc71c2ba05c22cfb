// The vitest configuration Stryker's runs use (stryker.config.mjs): the project's own (its setup file
// fixes the fast-check seeds, so every run is deterministic; Stryker's vitest runner replaces the
// reporters with its own), minus the tests that cannot or should not run once per mutant:
//   test/real/      needs real redis-server processes
//   test/package/   needs npm pack and install
//   test/cli/       drives the CLI in child processes, which Stryker's coverage cannot see
//   test/properties/mutants.test.ts, test/determinism/pinned-hashes.test.ts
//                   100 s and 30 s a run; they compare whole runs (the mutant catalogue, pinned
//                   trace hashes), so a mutant they kill says nothing about which behaviour broke
// STRYKER_TESTS narrows the run to comma-separated globs, e.g.
//   STRYKER_TESTS='test/redis/**,test/acceptance/**' npm run mutation -- --mutate sim/redis/backlog.ts
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

const only = process.env.STRYKER_TESTS?.split(',').map((g) => g.trim()).filter(Boolean);

// the base's two projects (sim, real) are for `npm test`: Stryker runs one flat set of files
const { projects: _projects, ...baseTest } = base.test!;

// not mergeConfig: it would append to `include` instead of replacing it
export default defineConfig({
  ...base,
  test: {
    ...baseTest,
    include: ['test/**/*.test.ts'],
    ...(only?.length ? { include: only } : {}),
    exclude: [
      '**/node_modules/**',
      'test/real/**',
      'test/package/**',
      'test/cli/**',
      'test/properties/mutants.test.ts',
      'test/determinism/pinned-hashes.test.ts',
    ],
  },
});
