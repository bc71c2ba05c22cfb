// The prebuilt JavaScript (scripts/build.mjs): the built CLI and its workers give the runs the sources
// give, the precompiled validator accepts and words documents as ajv compiled at start-up does, the code
// cache changes no output, and dist/ is known stale the moment an input changes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { loadBuiltin } from '../../sim/harness/sources.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';
import { staleReason } from '../../scripts/fresh.cjs';
import { cli, json, ROOT, tempDir } from './cli.js';
import { runTask } from '../../sim/harness/task.js';
import type { Scenario } from '../../sim/scenario/types.js';
import { HEAP_GROWING_PERCENT } from '../../sim/cli/heap.js';

interface Row {
  seed: number;
  status: string;
  trace_hash: string;
}

describe('the built CLI agrees with the sources', () => {
  it('the same trace hash and status for built-in scenarios', () => {
    for (const [name, seed] of [['failover-clean', 7], ['lossy-partitions', 3], ['failover-diverged', 1]] as const) {
      const built = json<{ trace_hash: string; status: string; failures: unknown[] }>(cli('run', name, '--seed', String(seed), '--json'));
      const sources = simulate(loadBuiltin(name), { seed });
      expect([name, built.status, built.trace_hash, built.failures.length]).toEqual([name, sources.status, sources.trace_hash, sources.failures.length]);
    }
  });

  it('sweep workers started from the build give the runs the sources give, seed by seed', () => {
    const seeds = [1, 2, 3, 4];
    const out = json<{ results: Row[] }>(cli('sweep', 'swarm', '--seeds', '1..4', '--workers', '2', '--json'));
    const expected = seeds.map((seed) => {
      const r = simulate(swarmScenario(seed), { seed });
      return { seed, status: r.status, trace_hash: r.trace_hash };
    });
    expect(out.results.map(({ seed, status, trace_hash }) => ({ seed, status, trace_hash }))).toEqual(expected);
  });

  it('the precompiled validator accepts and words every document as the one compiled at start-up does', () => {
    // every built-in and example scenario, and documents each schema keyword refuses (minLength needs
    // one of ajv's runtime helpers inside the bundle), validated by the built workers' entry in a
    // process of its own and by the sources here: each run stopped after its first event
    const files = ['scenarios/builtin', 'scenarios/examples'].flatMap((d) => readdirSync(join(ROOT, d)).filter((f) => f.endsWith('.json')).map((f) => join(ROOT, d, f)));
    const base = { name: 'x', nodes: { p: {}, r: { replicaof: 'p' } }, steps: [{ op: 'wait-sync' }] };
    const docs: unknown[] = [
      ...files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as unknown),
      { ...base, realBackend: { differs: 'a reason' } },
      { ...base, realBackend: { differs: '' } },
      { name: 'x', node: {} },
      { ...base, steps: [{ op: 'no-such-op' }] },
      { ...base, steps: [{ op: 'sleep', ms: 'ten' }] },
      { ...base, network: { loss: 2 } },
      { ...base, name: 'bad name!' },
      { ...base, config: { 'repl-backlog-size': [] } },
    ];
    /** A document's outcome: the run's status and hash, or the message it was refused with. */
    const outcome = (document: unknown) => {
      try {
        const r = runTask({ source: { document: document as Scenario }, seed: 1, mutant: null, limits: { maxEvents: 1 } });
        return { status: r.status, trace_hash: r.trace_hash };
      } catch (e) {
        return { error: (e as Error).message };
      }
    };
    // the same, with the built workers' entry (dist/worker.js: runBatch, what a worker thread runs)
    const script = `import { readFileSync } from 'node:fs';
const { default: runBatch } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'worker.js')).href)});
const outcome = (document) => {
  try {
    const [r] = runBatch([{ source: { document }, seed: 1, mutant: null, limits: { maxEvents: 1 } }]);
    return { status: r.status, trace_hash: r.trace_hash };
  } catch (e) {
    return { error: e.message };
  }
};
process.stdout.write(JSON.stringify(JSON.parse(readFileSync(0, 'utf8')).map(outcome)));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, input: JSON.stringify(docs), encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(child.status, child.stderr).toBe(0);
    const built = JSON.parse(child.stdout) as unknown[];
    const sources = docs.map(outcome);
    expect(built).toEqual(sources);
    expect(sources.filter((o) => 'error' in o).length).toBe(7); // the refused ones, and only those
  });
});

describe('bin/replsim.js', () => {
  it('runs the same with V8\'s code cache as the bundle does without it', () => {
    const viaBin = cli('run', 'failover-clean', '--seed', '3', '--json');
    const cache = join(ROOT, 'dist', 'v8-cache');
    expect(readdirSync(cache).filter((f) => f.endsWith('.bin')).length).toBeGreaterThan(0);
    const plain = spawnSync(process.execPath, ['dist/cli.cjs', 'run', 'failover-clean', '--seed', '3', '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const strip = (s: string) => ({ ...(JSON.parse(s) as Record<string, unknown>), stats: null });
    expect(plain.status).toBe(viaBin.code);
    expect(strip(plain.stdout)).toEqual(strip(viaBin.stdout));
  });

  it('a second run takes the code cache the first one left: it is not refused and written again', () => {
    const cache = join(ROOT, 'dist', 'v8-cache');
    const files = () => Object.fromEntries(readdirSync(cache).filter((f) => f.endsWith('.bin')).map((f) => [f, statSync(join(cache, f)).mtimeMs]));
    expect(cli('run', 'failover-clean', '--quiet').code).toBe(0);
    const after1 = files();
    expect(cli('run', 'failover-clean', '--quiet').code).toBe(0);
    expect(files()).toEqual(after1);
    // bin/replsim.js sets the run's heap flag itself, before compiling: the same value as the CLI's
    expect(readFileSync(join(ROOT, 'bin', 'replsim.js'), 'utf8')).toContain(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  });

  it('in a git checkout, a missing or stale build is rebuilt first, said on stderr, and the new code runs', () => {
    // a copy of what the build reads, with a .git of its own and this checkout's node_modules
    const { dir, cleanup } = tempDir();
    try {
      for (const d of ['bin', 'scripts', 'sim', 'properties', 'scenarios', 'package.json']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
      mkdirSync(join(dir, '.git'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      const run = () => spawnSync(process.execPath, [join(dir, 'bin', 'replsim.js'), 'run', 'failover-clean', '--seed', '5', '--json'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const expected = simulate(loadBuiltin('failover-clean'), { seed: 5 }).trace_hash;
      const first = run();
      expect(first.stderr).toBe('replsim: dist/ has not been built: rebuilding dist/ (npm run build)\n');
      expect((JSON.parse(first.stdout) as { trace_hash: string }).trace_hash).toBe(expected);
      const second = run();
      expect(second.stderr).toBe('');
      // an edit that changes what the command prints: the next start rebuilds and prints it
      const src = join(dir, 'sim', 'harness', 'simulate.ts');
      writeFileSync(src, readFileSync(src, 'utf8').replace(/export const TOOL_VERSION = [^;]+;/, "export const TOOL_VERSION = 'edited';"));
      const third = spawnSync(process.execPath, [join(dir, 'bin', 'replsim.js'), '--version'], { cwd: dir, encoding: 'utf8' });
      expect(third.stderr).toBe('replsim: sim/harness/simulate.ts changed since the last build: rebuilding dist/ (npm run build)\n');
      expect(third.stdout.trim()).toBe('edited');
      expect(staleReason(dir)).toBeNull();
    } finally {
      cleanup();
    }
  }, 120_000);

  it('outside a git checkout, a missing build is one clear line and exit 4', () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, 'bin'));
      for (const f of ['replsim.js', 'package.json']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'replsim.js'), 'list'], { encoding: 'utf8' });
      expect(r.status).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^replsim: dist\/cli\.cjs is missing: .*npm run build/)]);
    } finally {
      cleanup();
    }
  });
});

describe('staleness (scripts/fresh.cjs)', () => {
  it('the build the tests run is the build of the sources as they are', () => {
    expect(staleReason()).toBeNull();
    const info = JSON.parse(readFileSync(join(ROOT, 'dist', 'build-info.json'), 'utf8')) as { inputs: Record<string, number> };
    // every bundled source is watched, the build script and the manifest too
    for (const f of ['sim/cli/main.ts', 'sim/harness/task.ts', 'sim/scenario/schema.ts', 'properties/index.ts', 'scripts/build.mjs', 'package.json']) expect(Object.keys(info.inputs)).toContain(f);
  });

  it('an input edited, removed, or an output missing makes dist/ stale, with the reason', () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, 'dist'));
      mkdirSync(join(dir, 'sim'));
      const src = join(dir, 'sim', 'a.ts');
      writeFileSync(src, 'export const a = 1;\n');
      utimesSync(src, 1_000_000, 1_000_000);
      for (const out of ['cli.cjs', 'worker.js']) writeFileSync(join(dir, 'dist', out), '');
      const info = join(dir, 'dist', 'build-info.json');
      expect(staleReason(dir)).toBe('dist/ has not been built');
      writeFileSync(info, JSON.stringify({ version: 1, inputs: { 'sim/a.ts': 1_000_000_000 } }));
      expect(staleReason(dir)).toBeNull();
      utimesSync(src, 1_000_000, 1_000_001);
      expect(staleReason(dir)).toBe('sim/a.ts changed since the last build');
      utimesSync(src, 1_000_000, 1_000_000);
      rmSync(join(dir, 'dist', 'worker.js'));
      expect(staleReason(dir)).toBe('dist/worker.js is missing');
      rmSync(src);
      expect(staleReason(dir)).toBe('sim/a.ts is gone since the last build');
    } finally {
      cleanup();
    }
  });
});
