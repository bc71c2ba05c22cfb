// The prebuilt JavaScript (scripts/build.mjs): the built CLI and its workers give the runs the sources
// give, the precompiled validator words errors as ajv compiled at run time does, the code cache changes
// nothing, and dist/ is known stale the moment an input changes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { loadBuiltin } from '../../sim/harness/sources.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';
import { validateScenario } from '../../sim/scenario/load.js';
import { UserError } from '../../sim/errors.js';
import { staleReason } from '../../scripts/fresh.mjs';
import { cli, json, ROOT, tempDir } from './cli.js';

interface Row {
  seed: number;
  status: string;
  trace_hash: string;
}

/** The message the sources' validator (ajv compiled at run time, in this process) gives a document. */
function sourcesMessage(doc: unknown, source: string): string {
  try {
    validateScenario(doc, source);
  } catch (e) {
    if (e instanceof UserError) return `replsim: ${e.message}`;
    throw e;
  }
  return '(accepted)';
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

  it('the precompiled validator words each bad scenario exactly as the compiled-at-start one does', () => {
    const { dir, cleanup } = tempDir();
    try {
      const base = { name: 'x', nodes: { p: {}, r: { replicaof: 'p' } }, steps: [{ op: 'wait-sync' }] };
      const bad: unknown[] = [
        { ...base, nodes: undefined, node: {} },
        { ...base, steps: [{ op: 'no-such-op' }] },
        { ...base, steps: [{ op: 'sleep', ms: 'ten' }] },
        { ...base, network: { loss: 2 } },
        { ...base, name: 'bad name!' },
      ];
      bad.forEach((doc, i) => {
        const file = join(dir, `bad-${i}.json`);
        writeFileSync(file, JSON.stringify(doc));
        const r = cli('run', file);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.trimEnd()).toBe(sourcesMessage(JSON.parse(JSON.stringify(doc)), file));
      });
    } finally {
      cleanup();
    }
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

  it('outside a git checkout, a missing build is one clear line and exit 4', () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(join(ROOT, 'bin', 'replsim.js'), join(dir, 'bin', 'replsim.js'));
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

describe('staleness (scripts/fresh.mjs)', () => {
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
