// The build: the CLI (dist/cli.js) and the sweep workers' entry (dist/worker.js) as two esbuild bundles of
// the TypeScript sources, with the scenario schema's ajv validator precompiled (standalone code) into them,
// and dist/build-info.json listing every input and its mtime (what scripts/fresh.mjs checks).
// Run by `npm install` / `npm ci` (prepare), `npm run build`, the tests' global setup, and bin/replsim.js
// in a git checkout whose sources changed since the last build.
import { build as esbuild } from 'esbuild';
import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD_INFO, DIST, EXTRA_INPUTS, ROOT, toPosix } from './fresh.mjs';

const standaloneCode = standalone.default ?? standalone;

/**
 * Packages the bundles leave in node_modules: tinypool starts its workers from its own files, and
 * ECharts is read as a file (the report inlines it). Every other package is bundled: loading one file
 * instead of hundreds (TypeBox alone is about a hundred modules) is most of a fast start.
 */
export const EXTERNAL = ['tinypool', 'echarts'];

/** What the two bundles share: ESM for Node 20, a `require` for the CommonJS packages inside, `REPLSIM_BUILD` defined. */
const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  banner: { js: "import { createRequire as __replsimCreateRequire } from 'node:module'; const require = __replsimCreateRequire(import.meta.url);" },
  define: { REPLSIM_BUILD: 'true' },
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'silent',
  write: false,
  metafile: true,
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
 * sim/scenario/schema-validator.ts exports). ajv's ESM output still `require`s its runtime helpers;
 * those become imports, since a bundle in ES module form has no `require`.
 */
export function validatorModule(schema, options) {
  const ajv = new Ajv({ ...options, code: { source: true, esm: true } });
  const code = standaloneCode(ajv, ajv.compile(schema));
  const imports = [];
  const body = code.replace(/require\("([^"]+)"\)/g, (_, spec) => {
    let i = imports.indexOf(spec);
    if (i < 0) i = imports.push(spec) - 1;
    return `__ajv_runtime_${i}`;
  });
  const head = imports.map((spec, i) => `import __ajv_runtime_${i} from ${JSON.stringify(spec.endsWith('.js') ? spec : `${spec}.js`)};`).join('\n');
  return `${head}\n${body.replace(/^"use strict";/, '')}\nexport { validate10 as validateScenarioSchema };\n`.replace(/export default validate10;/, '');
}

/** esbuild plugin: the precompiled validator in place of schema-validator.ts; the project's .mjs files stay files of their own. */
function replsimPlugin(validatorSource) {
  return {
    name: 'replsim',
    setup(b) {
      b.onResolve({ filter: /\/schema-validator\.js$/ }, () => ({ path: 'schema-validator', namespace: 'replsim-precompiled' }));
      b.onLoad({ filter: /.*/, namespace: 'replsim-precompiled' }, () => ({ contents: validatorSource, loader: 'js', resolveDir: ROOT }));
      // watchdog.mjs runs as its own process (and checks whether it is the main module): keep it a file,
      // imported from where it is in the package
      b.onResolve({ filter: /\.mjs$/ }, (args) => {
        if (args.kind !== 'import-statement' || !args.path.startsWith('.') || args.importer.includes(`${sep}node_modules${sep}`)) return undefined;
        const target = join(args.resolveDir, args.path);
        return { path: toPosix(relative(DIST, target)), external: true };
      });
    },
  };
}

/** Build dist/. Returns how long it took and the files written. */
export async function build() {
  const t0 = performance.now();
  const { schema, options, inputs: schemaInputs } = await loadSchema();
  const validator = validatorModule(schema, options);
  if (!validator.includes('validate10')) throw new Error('ajv standalone code changed shape: no validate10 function');
  const result = await esbuild({
    ...COMMON,
    entryPoints: { cli: 'sim/cli/main.ts', worker: 'sim/harness/task.ts' },
    outdir: DIST,
    plugins: [replsimPlugin(validator)],
  });
  const written = [];
  for (const f of result.outputFiles) {
    writeAtomic(f.path, f.contents);
    written.push(toPosix(relative(ROOT, f.path)));
  }
  // every file the bundles were made of, and the build's own, with their mtimes now
  const files = new Set([...Object.keys(result.metafile.inputs), ...schemaInputs, ...EXTRA_INPUTS].filter((p) => !p.includes(':') && !p.startsWith('<') && !p.startsWith('node_modules/')));
  const inputs = {};
  for (const p of [...files].sort()) inputs[p] = statSync(join(ROOT, p)).mtimeMs;
  writeAtomic(BUILD_INFO, `${JSON.stringify({ version: 1, inputs }, null, 1)}\n`);
  // files an older build left (a renamed output)
  const keep = new Set([...written.map((w) => w.slice('dist/'.length)), 'build-info.json']);
  for (const name of readdirSync(DIST)) if (!keep.has(name) && !name.endsWith('.tmp') && !name.startsWith('.')) rmSync(join(DIST, name), { force: true, recursive: true });
  return { ms: performance.now() - t0, files: written, metafile: result.metafile };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { ms, files } = await build();
    process.stdout.write(`replsim: built ${files.filter((f) => f.endsWith('.js')).join(', ')} in ${ms.toFixed(0)} ms\n`);
  } catch (e) {
    process.stderr.write(`replsim: build failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
