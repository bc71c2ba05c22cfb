// Shrinking keeps *the* failure: a mutant's failure shrinks to a scenario that still fails with the
// mutant and passes without it; a swarm kill's fault phase becomes explicit steps on few nodes; a
// failed expectation keeps its workload; a small budget is reported honestly; the shrunk file is an
// artifact that run, replay and shrink take; bad artifacts are user errors (exit 2).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shrink, failureSignature } from '../../sim/harness/shrink.js';
import { simulate } from '../../sim/harness/simulate.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';
import { loadScenarioFile } from '../../sim/scenario/load.js';
import { loadBuiltin } from '../../sim/harness/sources.js';
import type { Scenario } from '../../sim/scenario/types.js';
import type { MutantName } from '../../sim/redis/mutants.js';
import { cli, expectUserError, FIX, json, tempDir } from './cli.js';

// a mutant the swarm kills quickly, and the first swarm seed at which it breaks a property
const MUTANT: MutantName = 'pings-not-counted';
const KILL_SEED = Array.from({ length: 50 }, (_, i) => i + 1).find((seed) => simulate(swarmScenario(seed), { seed, mutant: MUTANT }).failures.some((f) => f.kind === 'property'))!;

/** The ops of a scenario written out by hand: no random fault phase among them. */
const EXPLICIT_OPS = new Set(['write', 'command', 'sleep', 'wait-sync', 'replicaof', 'orchestrated-failover', 'kill-link', 'kill-replicas', 'partition', 'heal', 'network', 'crash', 'restart', 'settle', 'expect', 'expect-equal']);

describe('shrink()', () => {
  it("a mutant's failure in a built-in scenario: the shrunk scenario fails with the mutant and passes without it", () => {
    const sc = loadBuiltin('failover-clean');
    const mutant: MutantName = 'promotion-keeps-replid';
    const f = simulate(sc, { seed: 1, mutant }).failures[0]!;
    const sig = failureSignature(f);
    const res = shrink(sc, 1, mutant, sig, 200);
    expect(res.changed).toBe(true);
    expect(res.after.steps).toBeLessThan(res.before.steps);
    expect(simulate(res.scenario, { seed: 1, mutant }).failures.map(failureSignature)).toContain(sig);
    expect(simulate(res.scenario, { seed: 1 }).failures, 'without the mutant the shrunk scenario passes: the failure is the mutant\'s').toEqual([]);
    // the promotion is what the mutant gets wrong: it cannot go
    expect(res.scenario.steps!.some((s) => s.op === 'replicaof' && s.primary === null)).toBe(true);
  });

  it("a swarm kill: the fault phase becomes explicit steps on few nodes; the same result twice", () => {
    const seed = KILL_SEED;
    const sc = swarmScenario(seed);
    const target = simulate(sc, { seed, mutant: MUTANT }).failures.find((f) => f.kind === 'property')!;
    const sig = failureSignature(target);
    const a = shrink(sc, seed, MUTANT, sig, 150);
    expect(a.scenario.faults, 'no random fault families left').toBeUndefined();
    expect(a.scenario.workload).toBeUndefined();
    expect(a.scenario.steps!.every((s) => EXPLICIT_OPS.has(s.op)), JSON.stringify(a.scenario.steps)).toBe(true);
    expect(a.scenario.steps!.length).toBeLessThanOrEqual(8);
    expect(Object.keys(a.scenario.nodes).length).toBeLessThanOrEqual(3);
    expect(a.after.nodes).toBeLessThan(a.before.nodes);
    expect(simulate(a.scenario, { seed, mutant: MUTANT }).failures.map(failureSignature)).toContain(sig);
    expect(simulate(a.scenario, { seed }).failures, 'the unmutated model passes the shrunk scenario').toEqual([]);
    expect(shrink(sc, seed, MUTANT, sig, 150).scenario).toEqual(a.scenario);
  });

  it('a fault family is removed or made explicit, never slowed down to an absurd rate', () => {
    // the failure does not depend on the faults at all: they must go, not strike every 1e31 ms
    const sc: Scenario = {
      name: 'faults-irrelevant',
      config: { save: '' },
      nodes: { p: {}, r: { replicaof: 'p' } },
      faults: { phaseMs: 2000, settleMs: 10000, families: { 'link-kill': { everyMs: 300 } } },
      steps: [{ op: 'wait-sync' }, { op: 'faults' }, { op: 'write', node: 'p', count: 3 }, { op: 'expect', node: 'p', dbsize: 99 }],
    };
    const sig = failureSignature(simulate(sc, { seed: 1 }).failures[0]!);
    const res = shrink(sc, 1, null, sig, 120);
    expect(JSON.stringify(res.scenario)).not.toMatch(/e\+\d/);
    for (const fam of Object.values(res.scenario.faults?.families ?? {})) expect(fam!.everyMs).toBeLessThanOrEqual(res.scenario.faults!.phaseMs);
    expect(res.scenario.faults?.families ?? {}).toEqual({});
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

  const sweepArtifact = (dir: string, ...args: string[]): string => {
    const s = json<{ artifacts: string[] }>(cli('sweep', ...args, '--workers', '1', '--out', join(tmp.dir, dir), '--json'));
    expect(s.artifacts).toHaveLength(1);
    return s.artifacts[0]!;
  };

  it('writes a shrunk artifact that run and replay reproduce on their own (seed and mutant included)', () => {
    const art = sweepArtifact('arts', 'swarm', '--seeds', String(KILL_SEED), '--mutant', MUTANT);
    const r = cli('shrink', art, '--budget', '150');
    expect(r.code, r.stderr).toBe(0);
    const out = art.replace(/\.json$/, '.shrunk.json');
    expect(r.stdout).toMatch(/^shrunk property:\S+ in \d+ runs: \d+ -> \d+ steps, \d+ -> \d+ nodes, fault families \d+ -> 0 \(the fault phase is now explicit steps\)\n/);
    expect(r.stdout).toContain(`wrote ${out}\nreproduce: replsim run ${out}\n`);
    const shrunk = JSON.parse(readFileSync(out, 'utf8')) as { artifact_format: number; seed: number; mutant: string; failures: unknown[]; trace_hash: string; scenario: Scenario };
    expect(shrunk).toMatchObject({ artifact_format: 1, seed: KILL_SEED, mutant: MUTANT, status: 'fail', shrunk_from: art });
    expect(shrunk.scenario.faults).toBeUndefined();
    const run = cli('run', out, '--json');
    expect(run.code, run.stderr).toBe(1);
    const rr = JSON.parse(run.stdout) as { seed: number; trace_hash: string; parameters: { mutant: string } };
    expect([rr.seed, rr.parameters.mutant, rr.trace_hash]).toEqual([KILL_SEED, MUTANT, shrunk.trace_hash]);
    const replay = cli('replay', out);
    expect(replay.code, replay.stderr).toBe(1);
    expect(replay.stdout).toContain('reproduced: same trace hash');
    // --mutant still overrides what the artifact says: without the mutant it passes
    expect(cli('run', out, '--quiet', '--mutant', 'psync-ignores-second-offset').code).toBe(0);
  });

  it('a mutant artifact of a built-in scenario: the shrunk scenario passes without the mutant', () => {
    const art = sweepArtifact('arts-fc', 'failover-clean', '--seeds', '1', '--mutant', 'promotion-keeps-replid');
    const out = join(tmp.dir, 'fc.shrunk.json');
    expect(cli('shrink', art, '--out', out).code).toBe(0);
    const a = JSON.parse(readFileSync(out, 'utf8')) as { scenario: Scenario };
    expect(cli('run', out, '--quiet').code).toBe(1);
    const plain = join(tmp.dir, 'fc-plain.json');
    writeFileSync(plain, JSON.stringify(a.scenario));
    expect(cli('run', plain, '--quiet', '--seed', '1').code, 'a plain scenario file still runs, and passes without the mutant').toBe(0);
  });

  it('--budget 1 does not claim to have shrunk anything', () => {
    const art = sweepArtifact('arts-b1', 'failover-clean', '--seeds', '1', '--mutant', 'promotion-keeps-replid');
    const out = join(tmp.dir, 'b1.json');
    const r = cli('shrink', art, '--budget', '1', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^shrunk/);
    expect(r.stdout).toMatch(/^not shrunk: the budget ran out/);
    expect(r.stdout).toContain('the budget of 1 run ran out; the scenario is unchanged');
    const a = JSON.parse(readFileSync(out, 'utf8')) as { scenario: Scenario; shrink: { exhausted: boolean; runs: number } };
    const original = JSON.parse(readFileSync(art, 'utf8')) as { scenario: Scenario };
    expect(a.shrink).toMatchObject({ exhausted: true, runs: 1 });
    expect(a.scenario.steps).toEqual(original.scenario.steps);
  });

  it('an artifact whose scenario was edited into something invalid: exit 2 naming the field', () => {
    const out = join(tmp.dir, 'arts2');
    const s = json<{ artifacts: string[] }>(cli('sweep', `${FIX}/fail-expect.json`, '--seeds', '1', '--workers', '1', '--out', out, '--json'));
    const a = JSON.parse(readFileSync(s.artifacts[0]!, 'utf8')) as { scenario: { steps: { count?: number }[] }; mutant?: unknown; extra?: unknown; seed?: unknown };
    a.scenario.steps[1]!.count = 0;
    const bad = join(tmp.dir, 'bad-artifact.json');
    writeFileSync(bad, JSON.stringify(a));
    expectUserError(cli('shrink', bad), `${bad}: scenario: steps[1].count`);
    expectUserError(cli('run', bad), `${bad}: scenario: steps[1].count`);
    a.scenario.steps[1]!.count = 1;
    writeFileSync(bad, JSON.stringify({ ...a, mutant: 'no-such-bug' }));
    expectUserError(cli('run', bad), `${bad}: mutant: unknown mutant "no-such-bug"; mutants: `);
    writeFileSync(bad, JSON.stringify({ ...a, seed: -1 }));
    expectUserError(cli('replay', bad), `${bad}: seed: expected a non-negative integer or a non-empty string, got number -1`);
    writeFileSync(bad, JSON.stringify({ ...a, extra: 1 }));
    expectUserError(cli('shrink', bad), `${bad}: unknown key "extra" in the artifact; valid keys: artifact_format,`);
    writeFileSync(bad, '{"artifact_format": 1,');
    expectUserError(cli('replay', bad), `${bad}: invalid JSON at line 1, column`);
  });
});
