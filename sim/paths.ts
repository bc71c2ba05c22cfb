// Where the package's own files are. The sources (this file, sim/paths.ts) and the build (bundled into
// dist/*.js by scripts/build.mjs) both sit one directory below the package root, so one rule serves both.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Replaced by `true` in the build (esbuild's `define`); not defined at all when the sources run. */
declare const REPLSIM_BUILD: boolean | undefined;
/** True in the prebuilt JavaScript (dist/), false when the TypeScript sources run (tsx, vitest, a consumer's suite). */
export const IS_BUILD: boolean = typeof REPLSIM_BUILD !== 'undefined' && REPLSIM_BUILD;

export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A path inside the package, e.g. packagePath('scenarios', 'builtin'). */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}

/** The sweep workers' entry: the built one next to the built CLI; from the sources, the one that registers tsx. */
export const WORKER_FILE = IS_BUILD ? packagePath('dist', 'worker.js') : packagePath('sim', 'harness', 'worker.mjs');
