// Whether dist/ is the build of the sources as they are now: every input recorded in dist/build-info.json
// still has the mtime it had when it was built. CommonJS with no dependencies, so that bin/replsim.js can
// require it on every start (a few milliseconds) before deciding to rebuild.
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { join, sep } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const BUILD_INFO = join(DIST, 'build-info.json');
/** Inputs beyond the bundled sources: the build itself, and the manifest (dependency versions). */
const EXTRA_INPUTS = ['scripts/build.mjs', 'scripts/fresh.cjs', 'package.json'];

const toPosix = (p) => p.split(sep).join('/');

/** Why dist/ is not the build of the current sources (one phrase), or null when it is. */
function staleReason(root = ROOT) {
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

module.exports = { ROOT, DIST, BUILD_INFO, EXTRA_INPUTS, toPosix, staleReason };
