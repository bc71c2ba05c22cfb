// The build (npm install/ci, npm run build, the tests' setup, bin/replsim.js on stale sources): the CLI and the
// workers' entry as esbuild bundles (dist/cli.cjs, dist/worker.js) with the ajv validator precompiled, and
// dist/build-info.json, every input with its mtime (what scripts/fresh.cjs checks).
import { build as esbuild } from 'esbuild';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD_INFO, DIST, EXTRA_INPUTS, ROOT, toPosix } from './fresh.cjs';

const standaloneCode = standalone.default ?? standalone;

/**
 * Packages the bundles leave in node_modules: tinypool starts its workers from its own files, ECharts
 * is read as a file (the report inlines it), and the queue's bullmq and ioredis (1.5 MB, loaded only by
 * `--queue` and `replsim worker`) would otherwise be parsed at every start. Every other package is
 * bundled: loading one file instead of hundreds (TypeBox alone is about a hundred modules) is most of
 * a fast start.
 */
export const EXTERNAL = ['tinypool', 'echarts', 'bullmq', 'ioredis'];

/** What the bundles share: Node 20, `REPLSIM_BUILD` defined, whitespace and syntax minified (less to parse; names kept). */
const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  define: { REPLSIM_BUILD: 'true' },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'silent',
  write: false,
  metafile: true,
};

/** An ES module, with a `require` for the CommonJS packages inside: the workers' entry (tinypool imports it). */
const ESM = {
  format: 'esm',
  banner: { js: "import { createRequire as __replsimCreateRequire } from 'node:module'; const require = __replsimCreateRequire(import.meta.url);" },
};

/**
 * A CommonJS script: the CLI, so that bin/replsim.js can run it through vm.Script with V8's code cache
 * (Node 20 caches no compiled ES module code). `import.meta.url` is the script's own file URL, and a
 * dynamic import() (of tinypool) is a require(): V8 forgets a script's import() callback when the script
 * comes from the code cache, and Node 20.19 and later require() an ES module.
 */
const CJS = {
  format: 'cjs',
  supported: { 'dynamic-import': false },
  banner: { js: "const __replsimImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { ...COMMON.define, 'import.meta.url': '__replsimImportMetaUrl' },
};

/** Write a file whole or not at all (a concurrent reader never sees half of it). */
function writeAtomic(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

/** The scenario schema and ajv options, from the sources: bundled to a scratch module and imported. */
async function loadSchema() {
  const out = await esbuild({
    ...COMMON,
    ...ESM,
    minifyWhitespace: false,
    stdin: { contents: "export { ScenarioSchema, AJV_OPTIONS } from './sim/scenario/schema.ts';", resolveDir: ROOT, loader: 'ts' },
    sourcemap: false,
    outfile: join(DIST, 'schema.mjs'),
  });
  const file = join(DIST, `.schema-${process.pid}.mjs`);
  writeAtomic(file, out.outputFiles[0].contents);
  try {
    const mod = await import(`${pathToFileURL(file).href}`);
    return { schema: mod.ScenarioSchema, options: mod.AJV_OPTIONS, inputs: Object.keys(out.metafile.inputs) };
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * ajv's standalone code for the schema, as an ES module exporting `validateScenarioSchema` (what
 * sim/scenario/schema-validator.ts exports). Its `require("ajv/dist/runtime/...").default` of the
 * helpers some keywords need (ucs2length for minLength, ...) is left as it is: the bundle includes
 * those CommonJS modules, and a require() gives their exports object in either output format.
 */
export function validatorModule(schema, options) {
  const ajv = new Ajv({ ...options, code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(schema));
  return `${code.replace(/^"use strict";/, '').replace(/export default validate10;/, '')}\nexport { validate10 as validateScenarioSchema };\n`;
}

/**
 * esbuild plugin: the precompiled validator in place of schema-validator.ts; no node:crypto for
 * seedrandom; and in the project's own .mjs files (watchdog.mjs, which asks whether it is the main
 * module) `import.meta.url` stays the URL of the file in the package, not the bundle's.
 */
function replsimPlugin(validatorSource) {
  return {
    name: 'replsim',
    setup(b) {
      b.onResolve({ filter: /\/schema-validator\.js$/ }, () => ({ path: 'schema-validator', namespace: 'replsim-precompiled' }));
      b.onLoad({ filter: /.*/, namespace: 'replsim-precompiled' }, () => ({ contents: validatorSource, loader: 'js', resolveDir: ROOT }));
      // seedrandom loads node:crypto at start-up only for unseeded generators, which the simulator never
      // makes (one seed decides everything): an empty module spares every start loading node's crypto
      b.onResolve({ filter: /^crypto$/ }, (args) => (args.importer.includes(`${sep}seedrandom${sep}`) ? { path: 'crypto', namespace: 'replsim-empty' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'replsim-empty' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      b.onLoad({ filter: /\.mjs$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const own = JSON.stringify(toPosix(relative(DIST, args.path)));
        return { contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', `new URL(${own}, import.meta.url).href`), loader: 'js' };
      });
    },
  };
}

/**
 * One run of a built-in scenario through bin/replsim.js, which saves V8's code cache of the new CLI
 * (dist/v8-cache/) with every function such a run compiles. A failure here only means no cache yet.
 */
function warmCodeCache() {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the cache is for the plain `node` that runs the command
  spawnSync(process.execPath, [join(ROOT, 'bin', 'replsim.js'), 'run', 'failover-clean', '--quiet'], { cwd: ROOT, env, stdio: 'ignore', timeout: 60_000 });
}

/** Build dist/. Returns how long it took and the files written. */
export async function build() {
  const t0 = performance.now();
  const { schema, options, inputs: schemaInputs } = await loadSchema();
  const validator = validatorModule(schema, options);
  if (!validator.includes('validate10')) throw new Error('ajv standalone code changed shape: no validate10 function');
  const plugins = [replsimPlugin(validator)];
  const [cli, worker] = await Promise.all([
    esbuild({ ...COMMON, ...CJS, entryPoints: { cli: 'sim/cli/main.ts' }, outdir: DIST, outExtension: { '.js': '.cjs' }, plugins }),
    esbuild({ ...COMMON, ...ESM, entryPoints: { worker: 'sim/harness/task.ts' }, outdir: DIST, plugins }),
  ]);
  const written = [];
  // the worker first: a CLI that is already the new one never starts an old worker
  for (const f of [...worker.outputFiles, ...cli.outputFiles]) {
    writeAtomic(f.path, f.contents);
    written.push(toPosix(relative(ROOT, f.path)));
  }
  // every file the bundles were made of, and the build's own, with their mtimes now
  const files = new Set([...Object.keys(cli.metafile.inputs), ...Object.keys(worker.metafile.inputs), ...schemaInputs, ...EXTRA_INPUTS].filter((p) => !p.includes(':') && !p.startsWith('<') && !p.startsWith('node_modules/')));
  const inputs = {};
  for (const p of [...files].sort()) inputs[p] = statSync(join(ROOT, p)).mtimeMs;
  writeAtomic(BUILD_INFO, `${JSON.stringify({ version: 1, inputs }, null, 1)}\n`);
  // files an older build left (a renamed output)
  const keep = new Set([...written.map((w) => w.slice('dist/'.length)), 'build-info.json']);
  rmSync(join(DIST, 'v8-cache'), { recursive: true, force: true });
  for (const name of readdirSync(DIST)) if (!keep.has(name) && !name.endsWith('.tmp') && !name.startsWith('.')) rmSync(join(DIST, name), { force: true, recursive: true });
  const writtenMs = performance.now() - t0;
  warmCodeCache();
  return { ms: performance.now() - t0, buildMs: writtenMs, files: written, metafiles: [cli.metafile, worker.metafile] };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { ms, files } = await build();
    process.stdout.write(`replsim: built ${files.filter((f) => /\.c?js$/.test(f)).join(', ')} in ${ms.toFixed(0)} ms\n`);
  } catch (e) {
    process.stderr.write(`replsim: build failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
