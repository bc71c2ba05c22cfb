// The package as a library: its manifest (peer fast-check, type packages consumers need, the files it
// ships), the `replsim/testing` building blocks, and assertScenarios failing with the violations.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import * as replsim from '../../sim/index.js';
import * as testing from '../../testing/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('package.json', `file://${ROOT}`), 'utf8')) as {
  engines: { node: string };
  exports: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** A run that fails a property: the old master's diverged history under the promoted replica's kept id. */
const violating = (): testing.GeneratedCase => ({ scenario: replsim.loadBuiltin('failover-diverged'), seed: 1 });
const MUTANT = 'promotion-keeps-replid' as const;

function messageOf(f: () => void): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '(did not throw)';
}

describe('package manifest', () => {
  it('fast-check is a peer dependency (one copy shared with the consumer), and a devDependency here', () => {
    expect(pkg.dependencies['fast-check']).toBeUndefined();
    expect(pkg.peerDependencies?.['fast-check']).toBe('^4.0.0');
    expect(pkg.devDependencies['fast-check']).toBeDefined();
  });

  it('the type packages the shipped .ts sources need are dependencies, not devDependencies', () => {
    // the consumer's tsc checks these sources: seedrandom (TS7016 without its types), cli-progress
    // (imported by sweep), and node: built-ins
    for (const t of ['@types/seedrandom', '@types/cli-progress', '@types/node']) expect(pkg.dependencies[t], t).toBeDefined();
  });

  it('testing and its old name properties are one module', () => {
    expect(pkg.exports['./testing']).toBe('./testing/index.ts');
    expect(pkg.exports['./properties']).toBe(pkg.exports['./testing']);
  });

  it('the tarball ships what runs: no tests, research notes, benchmarks or configs', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files.filter((f) => /^(test|research|bench|\.ci)\/|^(tsconfig\.json|vitest\.config\.ts)$/.test(f))).toEqual([]);
    for (const f of ['bin/replsim.js', 'sim/index.ts', 'testing/index.ts', 'scenarios/scenario.schema.json', 'scenarios/builtin/failover-clean.json', 'sim/harness/worker.mjs']) expect(files).toContain(f);
    // the prebuilt CLI and workers, without source maps or this machine's V8 code cache
    expect(files.filter((f) => f.startsWith('dist/')).sort()).toEqual(['dist/build-info.json', 'dist/cli.cjs', 'dist/worker.js']);
  });

  it('the build tools are for development only: a consumer installs no esbuild or tsx', () => {
    for (const t of ['esbuild', 'tsx']) {
      expect(pkg.dependencies[t], t).toBeUndefined();
      expect(pkg.devDependencies[t], t).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('README and engines agree on the Node version', () => {
    const readme = readFileSync(new URL('README.md', `file://${ROOT}`), 'utf8');
    const min = pkg.engines.node.replace(/^>=\s*/, '');
    expect(readme).toContain(`Node ${min} or later`);
    expect(readme).not.toMatch(/Node 20 or later/);
  });
});

describe('replsim/testing', () => {
  it('a failing assertScenarios prints the violation messages, whatever the check', () => {
    const r = replsim.simulate(violating().scenario, { seed: 1, mutant: MUTANT });
    const violation = r.failures.find((f) => f.kind === 'property')!;
    expect(violation.message).toMatch(/^stream-prefix: /);
    const arb = fc.constant(violating());
    // a check that returns the run
    const returned = messageOf(() => testing.assertScenarios(arb, ({ scenario, seed }) => replsim.simulate(scenario, { seed, mutant: MUTANT }), { numRuns: 1 }));
    // the README's earlier pattern: vitest abbreviates the failures, the message lists them anyway
    const asserted = messageOf(() =>
      testing.assertScenarios(arb, ({ scenario, seed }) => {
        expect(replsim.simulate(scenario, { seed, mutant: MUTANT }).failures).toEqual([]);
      }, { numRuns: 1 }),
    );
    for (const m of [returned, asserted]) {
      expect(m).toContain(violation.message);
      expect(m).toMatch(/property stream-prefix at [\d.]+ ms \[/);
      expect(m).toMatch(/fast-check replay: \{ seed: -?\d+, path: "[\d:]*", endOnFailure: true \}/);
    }
  });

  it('without a check, each case is simulated and must have no failures', () => {
    expect(() => testing.assertScenarios(testing.arbScenario({ maxNodes: 3, maxSteps: 4 }), { numRuns: 3, seed: 5 })).not.toThrow();
    expect(() => testing.expectNoFailures(replsim.simulate(violating().scenario, { seed: 1, mutant: MUTANT }))).toThrow(/ended fail with \d+ failure\(s\):\n {2}property stream-prefix/);
  });

  it('the building blocks make valid scenarios', () => {
    const names = testing.nodeNames(4);
    const arb = fc.record({
      nodes: testing.arbTopology({ minNodes: 4, maxNodes: 4 }),
      config: testing.arbConfig(),
      steps: fc.array(fc.oneof(testing.arbStep(names), testing.arbFaultStep(names, { crashes: false })), { maxLength: 6 }),
      faults: testing.arbFaultFamilies({ maxPhaseMs: 3000 }),
    });
    for (const sc of fc.sample(arb, { seed: 3, numRuns: 30 })) {
      const doc = { name: 'blocks', ...sc, steps: [{ op: 'wait-sync' as const }, ...sc.steps, { op: 'faults' as const }] };
      expect(() => replsim.validateScenario(doc)).not.toThrow();
    }
    for (const s of fc.sample(testing.arbFaultStep(names, { crashes: false }), { seed: 1, numRuns: 200 })) expect(['crash', 'shutdown', 'write', 'sleep']).not.toContain(s.op);
  });
});

describe('entry point', () => {
  it('exports the built-in scenarios, sweep and shrink', () => {
    expect(replsim.builtinNames()).toEqual(expect.arrayContaining(['failover-clean', 'swarm']));
    expect(replsim.loadBuiltin('failover-clean').name).toBe('failover-clean');
    expect(replsim.loadBuiltin('swarm', 7)).toEqual(replsim.swarmScenario(7));
    expect(replsim.loadBuiltin('swarm-core', 7)).toEqual(replsim.swarmCoreScenario(7));
    for (const f of [replsim.sweep, replsim.shrink, replsim.failureSignature, replsim.readArtifact, replsim.runStatus]) expect(typeof f).toBe('function');
  });
});
