// vitest global setup: the tests that spawn the CLI (test/cli, test/package) run the prebuilt JavaScript
// in dist/, so dist/ is rebuilt first whenever a source changed since the last build: never stale.
import { build } from '../../scripts/build.mjs';
import { staleReason } from '../../scripts/fresh.cjs';

export default async function setup(): Promise<void> {
  const why = staleReason();
  if (why === null) return;
  const { ms } = await build();
  process.stdout.write(`dist/ rebuilt in ${ms.toFixed(0)} ms (${why})\n`);
}
