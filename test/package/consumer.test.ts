// The package as a consumer gets it: `npm pack`, installed into a fresh project with the newest
// fast-check and the newest vitest that runs on this Node, type-checked with skipLibCheck false, and
// a small property suite run by the consumer's own vitest (no vitest config: vitest transforms
// `.ts` files even inside node_modules). Needs the npm registry; REPLSIM_SKIP_PACK=1 skips it.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SKIP = process.env.REPLSIM_SKIP_PACK === '1';
if (SKIP) process.stdout.write('test/package/consumer.test.ts: skipped because REPLSIM_SKIP_PACK=1 (it needs the npm registry and about a minute)\n');

// vitest 5 declares node ^22.12 || ^24 || >=26
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const VITEST = major > 22 || (major === 22 && minor >= 12) ? 'vitest@latest' : 'vitest@4';

interface Ran {
  code: number;
  out: string;
  ms: number;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Ran> {
  // the consumer's vitest must not think it runs inside this one
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST'));
  env.NO_COLOR = '1';
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 32 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}${err && typeof err.code !== 'number' ? `\n${String(err)}` : ''}`, ms: Date.now() - t0 });
    });
  });
}

const SUITE = `import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { arbScenario, arbStep, arbTopology, assertScenarios, nodeNames, type GeneratedCase } from 'replsim/testing';
import { arbScenario as viaOldName } from 'replsim/properties';
import { builtinNames, loadBuiltin, simulate, sweep, shrink, type Scenario } from 'replsim';

describe('replication', () => {
  it('keeps its promises on generated scenarios', () => {
    assertScenarios(arbScenario({ maxNodes: 4, maxSteps: 10 }), ({ scenario, seed }) => simulate(scenario, { seed }), { numRuns: 20 });
  }, 60_000);

  it('the building blocks compose with the consumer\\'s own fast-check', () => {
    const names = nodeNames(3);
    fc.assert(fc.property(arbTopology({ minNodes: 3, maxNodes: 3 }), fc.array(arbStep(names), { maxLength: 5 }), (nodes, steps) => {
      const sc: Scenario = { name: 'mine', config: { save: '' }, nodes, steps: [{ op: 'wait-sync' }, ...steps, { op: 'settle' }] };
      expect(simulate(sc, { seed: 1 }).failures).toEqual([]);
    }), { numRuns: 10 });
    expect(viaOldName).toBe(arbScenario);
    expect(builtinNames()).toContain('failover-clean');
    expect([typeof sweep, typeof shrink]).toEqual(['function', 'function']);
  }, 60_000);

  it('a failure names the violation', () => {
    const broken: GeneratedCase = { scenario: loadBuiltin('failover-diverged'), seed: 1 };
    const expected = simulate(broken.scenario, { seed: 1, mutant: 'promotion-keeps-replid' }).failures.find((f) => f.kind === 'property');
    let message = '';
    try {
      assertScenarios(fc.constant(broken), ({ scenario, seed }) => {
        expect(simulate(scenario, { seed, mutant: 'promotion-keeps-replid' }).failures).toEqual([]);
      }, { numRuns: 1 });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(expected?.message).toMatch(/^stream-prefix: /);
    expect(message).toContain(expected!.message);
  }, 60_000);
});
`;

describe.skipIf(SKIP)('the packed package in a consumer project', () => {
  it('installs, type-checks with skipLibCheck false, and runs a property suite under vitest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replsim-consumer-'));
    const times: string[] = [];
    try {
      const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT, 60_000);
      expect(pack.code, pack.out).toBe(0);
      const tarball = (JSON.parse(pack.out.slice(pack.out.indexOf('['))) as { filename: string }[])[0]!.filename;
      times.push(`pack ${pack.ms} ms`);

      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'replsim-consumer', private: true, type: 'module' }, null, 2));
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true }, include: ['test'] }, null, 2),
      );
      mkdirSync(join(dir, 'test'));
      writeFileSync(join(dir, 'test', 'replication.test.ts'), SUITE);

      // one install: the tarball with the newest fast-check and vitest (their peers resolve with them)
      const install = await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `./${tarball}`, 'fast-check@latest', VITEST], dir, 180_000);
      expect(install.code, install.out).toBe(0);
      times.push(`install ${install.ms} ms`);
      const versions = ['fast-check', 'vitest', '@types/node'].map((p) => `${p} ${(JSON.parse(readFileSync(join(dir, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version}`);

      const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], dir, 120_000);
      expect(tsc.code, tsc.out).toBe(0);
      times.push(`tsc ${tsc.ms} ms`);

      const vitest = await run(process.execPath, [join(dir, 'node_modules/vitest/vitest.mjs'), 'run'], dir, 120_000);
      expect(vitest.code, vitest.out).toBe(0);
      expect(vitest.out).toMatch(/Tests\s+3 passed \(3\)/);
      times.push(`vitest ${vitest.ms} ms`);

      // the command, from the prebuilt JavaScript in the tarball (no tsx, no build, no git checkout)
      expect(readdirSync(join(dir, 'node_modules')).filter((d) => d === 'tsx' || d === 'esbuild')).toEqual([]);
      const cmd = await run(process.execPath, [join(dir, 'node_modules/replsim/bin/replsim.js'), 'run', 'failover-clean', '--seed', '7', '--json'], dir, 60_000);
      expect(cmd.code, cmd.out).toBe(0);
      expect((JSON.parse(cmd.out) as { status: string }).status).toBe('pass');
      times.push(`replsim run ${cmd.ms} ms`);
      process.stdout.write(`consumer project (${versions.join(', ')}): ${times.join(', ')}\n`);
    } finally {
      if (process.env.REPLSIM_KEEP_PACK !== '1') rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
