#!/usr/bin/env node
// The replsim command: runs the prebuilt CLI, dist/cli.cjs (scripts/build.mjs, run by `npm install`), with
// V8's code cache. In a git checkout it first rebuilds dist/ if a source changed since the last build.
'use strict'; // CommonJS (bin/package.json): an ES module entry would cost node its ES module loader at every start
const { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli.cjs');

/** Print one line and end with exit code 4 (internal error: the installation, not the user's input). */
function broken(message) {
  process.stderr.write(`replsim: ${message}\n`);
  process.exit(4);
}

/** A developer's edit is never run stale: rebuild (a few seconds) when an input changed since the build. */
async function rebuild(why) {
  process.stderr.write(`replsim: ${why}: rebuilding dist/ (npm run build)\n`);
  let build;
  try {
    ({ build } = await import('../scripts/build.mjs')); // an ES module (esbuild's API): only when rebuilding
  } catch (e) {
    broken(`cannot rebuild dist/: ${e instanceof Error ? e.message : String(e)}; run npm install in ${ROOT}`);
  }
  try {
    await build();
  } catch (e) {
    broken(`the build failed (npm run build shows the same): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** FNV-1a of a short text, in hex (a file name part; node:crypto would cost more to load than it saves). */
function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

/**
 * Run the CommonJS bundle as node's loader would, but compiled with V8's code cache of an earlier run
 * (parsing and compiling ~1 MB of JavaScript is most of a cold start). The cache file is named by the
 * script file's identity (inode, size, mtime: the build replaces it whole, by a rename) and node's
 * version and flags, so it is only offered to the code it was made from; V8 checks it again (version,
 * flags, source length, checksum) and compiles afresh if it refuses it. A missing or refused cache is written
 * when the process exits, with every function the run compiled; a folder that cannot be written
 * (a read-only install) just means no cache.
 */
function runCli() {
  // `replsim run` bounds V8's heap growth (sim/cli/heap.ts, HEAP_GROWING_PERCENT): set here, before the
  // bundle is compiled, so that its code cache is made and checked under the same V8 flags (set later by
  // the run itself, it made V8 refuse the cache at every start)
  const heapFlag = process.argv[2] === 'run' ? '--heap-growing-percent=20' : '';
  if (heapFlag) require('node:v8').setFlagsFromString(heapFlag);
  // the text and the identity of one and the same file, even if a rebuild renames a new one into place meanwhile
  const fd = openSync(CLI, 'r');
  const { ino, size, mtimeMs } = fstatSync(fd);
  const source = readFileSync(fd, 'utf8');
  closeSync(fd);
  const key = `${ino}-${size}-${mtimeMs}-${hash32(`${process.version} ${process.arch} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''} ${heapFlag}`)}`;
  const cacheFile = join(ROOT, 'dist', 'v8-cache', `cli-${key}.bin`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: CLI, cachedData });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => {
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // no cache: the next start compiles again
      }
    });
  }
  const cli = new Module(CLI);
  cli.filename = CLI;
  cli.paths = Module._nodeModulePaths(dirname(CLI));
  script.runInThisContext()(cli.exports, Module.createRequire(CLI), cli, CLI, dirname(CLI));
}

if (existsSync(join(ROOT, '.git'))) {
  const why = require('../scripts/fresh.cjs').staleReason();
  if (why === null) runCli();
  else rebuild(why).then(runCli);
} else if (!existsSync(CLI)) broken(`dist/cli.cjs is missing: this installation skipped its build step (installed with --ignore-scripts?); run npm run build in ${ROOT}`);
else runCli();
