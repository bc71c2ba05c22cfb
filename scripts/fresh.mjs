// Whether dist/ is the build of the sources as they are now: every input recorded in dist/build-info.json
// still has the mtime it had when it was built. Plain JavaScript with no dependencies, so that
// bin/replsim.js can ask on every start (a few milliseconds) before deciding to rebuild.
import { readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const BUILD_INFO = join(DIST, 'build-info.json');
/** Inputs beyond the bundled sources: the build itself, and the manifest (dependency versions). */
export const EXTRA_INPUTS = ['scripts/build.mjs', 'scripts/fresh.mjs', 'package.json'];

export const toPosix = (p) => p.split(sep).join('/');

/** Why dist/ is not the build of the current sources (one phrase), or null when it is. */
export function staleReason(root = ROOT) {
  let info;
  try {
    info = JSON.parse(readFileSync(join(root, 'dist', 'build-info.json'), 'utf8'));
  } catch {
    return 'dist/ has not been built';
  }
  for (const [path, mtimeMs] of Object.entries(info.inputs ?? {})) {
    let now;
    try {
      now = statSync(join(root, path)).mtimeMs;
    } catch {
      return `${path} is gone since the last build`;
    }
    if (now !== mtimeMs) return `${path} changed since the last build`;
  }
  for (const out of ['cli.cjs', 'worker.js']) {
    try {
      statSync(join(root, 'dist', out));
    } catch {
      return `dist/${out} is missing`;
    }
  }
  return null;
}
