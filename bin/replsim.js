#!/usr/bin/env node
// The replsim command: runs the prebuilt JavaScript in dist/ (scripts/build.mjs, run by `npm install`).
// In a git checkout it first rebuilds dist/ if a source changed since the last build, so an edit never runs stale.
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** Print one line and end with exit code 4 (internal error: the installation, not the user's input). */
function broken(message) {
  process.stderr.write(`replsim: ${message}\n`);
  process.exit(4);
}

if (existsSync(new URL('.git', root))) {
  const { staleReason } = await import('../scripts/fresh.mjs');
  const why = staleReason();
  if (why !== null) {
    process.stderr.write(`replsim: ${why}: rebuilding dist/ (npm run build)\n`);
    let build;
    try {
      ({ build } = await import('../scripts/build.mjs'));
    } catch (e) {
      broken(`cannot rebuild dist/: ${e instanceof Error ? e.message : String(e)}; run npm install in ${root.pathname}`);
    }
    try {
      await build();
    } catch (e) {
      broken(`the build failed (npm run build shows the same): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
} else if (!existsSync(new URL('dist/cli.js', root))) {
  broken(`dist/cli.js is missing: this installation skipped its build step (installed with --ignore-scripts?); run npm run build in ${root.pathname}`);
}
await import('../dist/cli.js');
