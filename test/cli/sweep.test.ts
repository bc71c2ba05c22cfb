// replsim sweep and replay: results independent of the worker count, shards that partition the
// seeds, artifacts for exactly the failing seeds, and replays that reproduce them (or say they don't).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepSummary } from '../../sim/harness/sweep.js';
import { TRACE_VERSION } from '../../sim/kernel/trace.js';
import { cli, expectUserError, FIX, json, tempDir, type CliResult } from './cli.js';

// On a 30% lossy link the write reaches the replica in time for some seeds only.
const FLAKY = `${FIX}/flaky.json`;
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

interface Row {
  seed: number;
  status: 'pass' | 'fail' | 'liveness';
  trace_hash: string;
}
/** What `sweep --json` prints: the summary, with the seed, status and trace hash of every seed. */
type SweepOut = Omit<SweepSummary, 'results'> & { results: Row[] };
interface Artifact {
  artifact_format: number;
  scenario_ref: string;
  scenario: { name: string };
  seed: number;
  status: string;
  failures: { step?: number; field?: string; expected?: unknown; actual?: unknown }[];
  trace_hash: string;
  reproduce: string;
}

describe('replsim sweep and replay', () => {
  const tmp = tempDir();
  const out = join(tmp.dir, 'artifacts');
  let one: CliResult;
  let two: CliResult;
  let oneWorker: SweepOut;
  let twoWorkers: SweepOut;

  beforeAll(() => {
    one = cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '1', '--json');
    two = cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '2', '--json', '--out', out);
    oneWorker = json<SweepOut>(one);
    twoWorkers = json<SweepOut>(two);
  }, 120_000); // two CLI sweeps: over the 10 s default hook timeout on a busy machine
  afterAll(tmp.cleanup);

  it('covers every seed once, in order, with some passing and some failing (exit 1)', () => {
    expect(one.code, one.stderr).toBe(1);
    expect(oneWorker.results.map((r) => r.seed)).toEqual(SEEDS);
    expect(oneWorker).toMatchObject({ scenario: 'cli-flaky', seeds: 40, liveness: 0 });
    expect(oneWorker.passed).toBe(oneWorker.results.filter((r) => r.status === 'pass').length);
    expect(oneWorker.failed).toBe(oneWorker.results.filter((r) => r.status === 'fail').length);
    expect(oneWorker.passed + oneWorker.failed).toBe(40);
    expect(oneWorker.passed, 'the fixture should pass for some seeds').toBeGreaterThan(0);
    expect(oneWorker.failed, 'the fixture should fail for some seeds').toBeGreaterThan(0);
    expect(new Set(oneWorker.results.map((r) => r.trace_hash)).size, 'each seed its own run').toBe(40);
    expect(oneWorker.artifacts).toEqual([]);
  });

  it('one worker and two workers give identical results', () => {
    expect(two.code, two.stderr).toBe(1);
    expect(twoWorkers.results).toEqual(oneWorker.results);
    const totals = (s: SweepOut) => [s.scenario, s.seeds, s.passed, s.failed, s.liveness];
    expect(totals(twoWorkers)).toEqual(totals(oneWorker));
  });

  it('--shard 1/3, 2/3 and 3/3 together are exactly the whole range, with the same results', () => {
    const parts = [1, 2, 3].map((i) => {
      const r = cli('sweep', FLAKY, '--seeds', '1..40', '--workers', '1', '--json', '--shard', `${i}/3`);
      expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
      return json<SweepOut>(r).results;
    });
    for (const p of parts) expect(p.length).toBeGreaterThanOrEqual(13);
    const all = parts.flat().sort((a, b) => a.seed - b.seed);
    expect(all.map((r) => r.seed)).toEqual(SEEDS); // no seed missing, none twice
    expect(all).toEqual(oneWorker.results);
  });

  it('--out writes one artifact per failing seed, holding its seed, scenario, failures and trace hash', () => {
    const failing = oneWorker.results.filter((r) => r.status !== 'pass');
    const files = readdirSync(out).filter((f) => f !== 'sweep-summary.json').sort(); // the summary: see merge.test.ts
    expect(files).toEqual(failing.map((r) => `cli-flaky-seed-${r.seed}.json`).sort());
    expect(twoWorkers.artifacts.map((p) => p.slice(out.length + 1)).sort()).toEqual(files);
    for (const r of failing) {
      const a = JSON.parse(readFileSync(join(out, `cli-flaky-seed-${r.seed}.json`), 'utf8')) as Artifact;
      expect(a).toMatchObject({ artifact_format: 1, scenario_ref: FLAKY, seed: r.seed, status: r.status, trace_hash: r.trace_hash, reproduce: `replsim run ${FLAKY} --seed ${r.seed}` });
      expect(a.scenario.name).toBe('cli-flaky');
      expect(a.failures[0]).toMatchObject({ step: 3, field: 'dbsize', expected: 1, actual: 0 });
    }
  });

  it('replay reproduces an artifact: same trace hash and failures, exit 1 for an expectation failure', () => {
    const seed = oneWorker.results.find((r) => r.status === 'fail')!;
    const path = join(out, `cli-flaky-seed-${seed.seed}.json`);
    const r = cli('replay', path, '--json');
    expect(r.code, r.stderr).toBe(1);
    const rep = json<{ reproduced: boolean; same_trace_hash: boolean; same_failures: boolean; result: { seed: number; status: string; trace_hash: string } }>(r);
    expect(rep).toMatchObject({ reproduced: true, same_trace_hash: true, same_failures: true });
    expect(rep.result).toMatchObject({ seed: seed.seed, status: 'fail', trace_hash: seed.trace_hash });
  });

  it('a tampered artifact (another trace hash) is NOT reproduced: exit 4', () => {
    const seed = oneWorker.results.find((r) => r.status === 'fail')!;
    const a = JSON.parse(readFileSync(join(out, `cli-flaky-seed-${seed.seed}.json`), 'utf8')) as Artifact;
    const tampered = join(tmp.dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify({ ...a, trace_hash: a.trace_hash.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }));
    const r = cli('replay', tampered);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toContain(`NOT reproduced: trace hash ${seed.trace_hash} (artifact: `);
    expect(r.stdout).toContain('was the artifact made by another replsim version');
    expect(r.stdout).not.toContain('\nreproduced:');
  });

  it('an artifact of another trace version is NOT reproduced, and the message names both versions: exit 4', () => {
    const seed = oneWorker.results.find((r) => r.status === 'fail')!;
    const a = JSON.parse(readFileSync(join(out, `cli-flaky-seed-${seed.seed}.json`), 'utf8')) as Artifact;
    const old = join(tmp.dir, 'old-version.json');
    writeFileSync(old, JSON.stringify({ ...a, trace_hash: a.trace_hash.replace(/^v\d+-/, 'v2-') }));
    const r = cli('replay', old);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toContain(`the artifact's trace hash is version 2, this replsim's is version ${TRACE_VERSION}`);
  });

  it('replay of a JSON file that is not an artifact: exit 2', () => {
    expectUserError(cli('replay', `${FIX}/pass.json`), `replsim: ${FIX}/pass.json: not a replsim artifact of format 1 (needs artifact_format, scenario, seed and trace_hash)`);
  });
});
