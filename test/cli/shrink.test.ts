// Shrinking: a mutant's swarm failure shrinks to fewer fault families and steps that still fail the
// same property with the same seed; a failed expectation keeps its workload; bad artifacts are
// user errors (exit 2) that say what is wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shrink, failureSignature } from '../../sim/cli/shrink.js';
import { simulate } from '../../sim/run.js';
import { swarmScenario } from '../../scenarios/swarm.js';
import { loadScenarioFile } from '../../scenarios/load.js';
import { cli, expectUserError, FIX, json, tempDir } from './cli.js';

// the first swarm seed at which this mutant breaks a property
const KILL_SEED = Array.from({ length: 100 }, (_, i) => i + 1).find((seed) => simulate(swarmScenario(seed), { seed, mutant: 'promotion-keeps-replid' }).failures.some((f) => f.kind === 'property'))!;

describe('shrink()', () => {
  it("a mutant's swarm failure: fewer families and steps, the same property, the same result twice", () => {
    const seed = KILL_SEED;
    const sc = swarmScenario(seed);
    const target = simulate(sc, { seed, mutant: 'promotion-keeps-replid' }).failures.find((f) => f.kind === 'property')!;
    const sig = failureSignature(target);
    const a = shrink(sc, seed, 'promotion-keeps-replid', sig, 300);
    const size = (s: typeof sc) => (s.steps?.length ?? 0) + Object.keys(s.faults?.families ?? {}).length;
    expect(size(a.scenario)).toBeLessThan(size(sc));
    expect(Object.keys(a.scenario.faults?.families ?? {}).length).toBeLessThanOrEqual(Object.keys(sc.faults?.families ?? {}).length);
    const again = simulate(a.scenario, { seed, mutant: 'promotion-keeps-replid' });
    expect(again.failures.map(failureSignature)).toContain(sig);
    expect(simulate(a.scenario, { seed }).failures, 'the unmutated model passes the shrunk scenario').toEqual([]);
    expect(shrink(sc, seed, 'promotion-keeps-replid', sig, 300).scenario).toEqual(a.scenario);
  });

  it('a failed expectation keeps the writes it counts', () => {
    const sc = loadScenarioFile(`${FIX}/flaky.json`);
    const seed = [1, 2, 3, 4, 5, 6, 7, 8].find((s) => simulate(sc, { seed: s }).status === 'fail')!;
    const f = simulate(sc, { seed }).failures[0]!;
    expect(failureSignature(f)).toBe('expectation:expect:r:dbsize');
    const res = shrink(sc, seed, null, failureSignature(f), 100);
    expect(res.scenario.steps!.map((s) => s.op)).toContain('write');
    expect(res.scenario.steps!.find((s) => s.op === 'write')).toMatchObject({ count: 1 });
  });
});

describe('replsim shrink', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('writes the shrunk scenario, which reproduces with the printed command', () => {
    const out = join(tmp.dir, 'arts');
    const s = json<{ artifacts: string[] }>(cli('sweep', 'swarm', '--seeds', String(KILL_SEED), '--workers', '1', '--mutant', 'promotion-keeps-replid', '--out', out, '--json'));
    expect(s.artifacts).toHaveLength(1);
    const shrunk = join(tmp.dir, 'small.json');
    const r = cli('shrink', s.artifacts[0]!, '--out', shrunk, '--budget', '200');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^shrunk property:\S+ in \d+ runs: \d+ -> \d+ steps, fault families \d+ -> \d+\nwrote /);
    const rerun = cli('run', shrunk, '--seed', String(KILL_SEED), '--mutant', 'promotion-keeps-replid', '--quiet');
    expect(rerun.code).toBe(1);
  });

  it('an artifact whose scenario was edited into something invalid: exit 2 naming the field', () => {
    const out = join(tmp.dir, 'arts2');
    const s = json<{ artifacts: string[] }>(cli('sweep', `${FIX}/fail-expect.json`, '--seeds', '1', '--workers', '1', '--out', out, '--json'));
    const a = JSON.parse(readFileSync(s.artifacts[0]!, 'utf8')) as { scenario: { steps: { count?: number }[] } };
    a.scenario.steps[1]!.count = 0;
    const bad = join(tmp.dir, 'bad-artifact.json');
    writeFileSync(bad, JSON.stringify(a));
    expectUserError(cli('shrink', bad), `${bad}: scenario: steps[1].count`);
    writeFileSync(bad, '{"artifact_format": 1,');
    expectUserError(cli('replay', bad), `${bad}: invalid JSON at line 1, column`);
  });
});
