// replsim explore and scenario parameters: --vary parsing, binding "$name" references, the checks
// that refuse a bad knob before anything runs, the grid, the metrics, and a small real grid whose
// answer is known (a 16kb backlog cannot hold 5 s of writes at ~26 KB/s; 1mb can).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkVaries, explore, exploreCsv, gridOf, metricOf, parseVary, rawScenario, scenarioAt, summarize, zeroFrom, type ExploreResult } from '../../sim/harness/explore.js';
import { bindParameters } from '../../sim/scenario/parameters.js';
import { validateScenario } from '../../sim/scenario/load.js';
import { UserError } from '../../sim/errors.js';
import type { SweepOutcome } from '../../sim/harness/task.js';
import { interval } from '../../sim/report/explore-html.js';
import { cli, expectUserError, tempDir } from '../cli/cli.js';

const EXAMPLE = 'scenarios/examples/backlog-outage.json';
const doc = { name: 'p', parameters: { outage: 2000, size: '1mb' }, config: { 'repl-backlog-size': '$size' }, nodes: { m: {}, r: { replicaof: 'm' } }, steps: [{ op: 'sleep', ms: '$outage' }, { op: 'write', node: 'm', prefix: '$not-a-ref' }] };

describe('scenario parameters', () => {
  it('each "$name" takes the default, or the override; the values used are recorded', () => {
    expect(bindParameters(doc)).toMatchObject({ config: { 'repl-backlog-size': '1mb' }, steps: [{ op: 'sleep', ms: 2000 }, { prefix: '$not-a-ref' }], parameters: { outage: 2000, size: '1mb' } });
    expect(bindParameters(doc, { outage: 50 })).toMatchObject({ steps: [{ ms: 50 }, {}], parameters: { outage: 50, size: '1mb' } });
    const sc = validateScenario(doc, 'p.json');
    expect(sc.steps![0]).toEqual({ op: 'sleep', ms: 2000 });
  });

  it('an undeclared reference or override is refused, naming the declared parameters', () => {
    expect(() => bindParameters({ ...doc, steps: [{ op: 'sleep', ms: '$outagе2' }] })).not.toThrow(); // not a name: plain text
    expect(() => bindParameters({ ...doc, steps: [{ op: 'sleep', ms: '$outage2' }] }, {}, 'p.json')).toThrow(/p\.json: steps\[0\]\.ms: "\$outage2" names no parameter; declared parameters: \$outage, \$size/);
    expect(() => bindParameters(doc, { nope: 1 }, 'p.json')).toThrow(/unknown parameter "\$nope"; declared parameters: \$outage, \$size/);
    expect(() => bindParameters({ name: 'x' }, { nope: 1 })).toThrow(/it declares no "parameters"/);
    const plain = { name: 'x', steps: [{ op: 'write', node: 'm', prefix: '$a' }] };
    expect(bindParameters(plain)).toBe(plain); // no parameters: "$a" is ordinary text
  });

  it('the example scenario loads with its defaults', () => {
    const sc = validateScenario(rawScenario(EXAMPLE), EXAMPLE);
    expect(sc.faults!.phaseMs).toBe(3000);
    expect(sc.workload!.writesPerSec).toBe(200);
  });
});

describe('--vary', () => {
  it('lists and ranges; numbers stay numbers', () => {
    expect(parseVary('repl-backlog-size=16kb,1mb')).toEqual({ key: 'repl-backlog-size', values: ['16kb', '1mb'] });
    expect(parseVary('$outage=1000..3000:1000,5000')).toEqual({ key: '$outage', values: [1000, 2000, 3000, 5000] });
    expect(parseVary('network.loss=0..0.3:0.1').values).toEqual([0, 0.1, 0.2, 0.3]);
    for (const bad of ['x', '=1', 'x=', 'x=1,,2', 'x=5..1:1', 'x=1..2:0']) expect(() => parseVary(bad), bad).toThrow(UserError);
  });

  it('a knob the scenario does not have is refused before anything runs', () => {
    const d = rawScenario(EXAMPLE);
    expect(() => checkVaries(d, [parseVary('repl-backlog-size=16kb'), parseVary('$outage=1'), parseVary('network.latency=1ms'), parseVary('workload.writesPerSec=5'), parseVary('faults.phaseMs=9')], EXAMPLE)).not.toThrow();
    expect(() => checkVaries(d, [parseVary('$outag=1')], EXAMPLE)).toThrow(/declares no parameter "\$outag"; it declares \$outage, \$rate/);
    expect(() => checkVaries(d, [parseVary('repl-backlog=1')], EXAMPLE)).toThrow(/unknown knob "repl-backlog"/);
    expect(() => checkVaries(d, [parseVary('network.speed=1')], EXAMPLE)).toThrow(/unknown knob "network.speed"/);
    expect(() => checkVaries(d, [parseVary('$outage=1'), parseVary('$outage=2')], EXAMPLE)).toThrow(/given twice/);
    expect(() => checkVaries({ name: 'x', nodes: {} }, [parseVary('workload.keys=1')], 'x')).toThrow(/has no "workload"/);
    // a value the scenario cannot take is refused with the point named
    expect(() => scenarioAt(d, { 'repl-backlog-size': 'huge' }, EXAMPLE)).toThrow(/backlog-outage\.json at repl-backlog-size=huge/);
    expect(() => rawScenario('swarm')).toThrow(/generated from each seed/);
  });

  it('the grid: every combination, the first --vary slowest', () => {
    expect(gridOf([parseVary('a=1,2'), parseVary('b=x,y')])).toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }]);
  });
});

describe('metrics', () => {
  const run = (full: number, partial: number, status: SweepOutcome['status'] = 'pass'): SweepOutcome => ({ seed: 1, status, trace_hash: '', failures: [], events: 0, metrics: { full_resyncs: full, partial_syncs: partial, lost_writes: 3, converge_ms: 12.5 } });
  it('per run, and summarized per point with the runs that have a value', () => {
    expect(metricOf(run(1, 3), 'full-sync-rate')).toBe(0.25);
    expect(metricOf(run(0, 0), 'full-sync-rate')).toBeNull();
    expect(metricOf(run(2, 0), 'full-syncs')).toBe(2);
    expect(metricOf(run(0, 0), 'lost-writes')).toBe(3);
    expect(metricOf(run(0, 0), 'time-to-converge')).toBe(12.5);
    expect(metricOf(run(0, 0, 'liveness'), 'failure-rate')).toBe(1);
    const s = summarize({ a: 1 }, [run(1, 0), run(0, 1), run(0, 0, 'fail')], 'full-sync-rate');
    expect(s).toEqual({ point: { a: 1 }, runs: 3, n: 2, mean: 0.5, min: 0, max: 1, failed: 1 });
    expect(interval(s, [1, 0])).toEqual([0, 1]); // clipped to the values seen
    expect(interval({ ...s, mean: 0.5, min: 0.5, max: 0.5 }, [0.5, 0.5])).toEqual([0.5, 0.5]);
  });
});

describe('where the metric reaches 0 for good', () => {
  it('per line, the smallest first-knob value from which every mean is 0; null when the last is not', () => {
    const varies = [parseVary('size=16kb,64kb,1mb'), parseVary('$outage=1,2,3')];
    const means: Record<string, (number | null)[]> = { 1: [0, 0, 0], 2: [1, 0, 0], 3: [0, 1, 0.5] };
    const points = gridOf(varies).map((point) => {
      const i = varies[0]!.values.indexOf(point.size!);
      const mean = means[String(point.$outage)]![i]!;
      return { point, runs: 1, n: 1, mean, min: mean, max: mean, failed: 0 };
    });
    const r: ExploreResult = { scenario: 's', metric: 'full-sync-rate', varies, seeds: [1], points, runs: [] };
    expect(zeroFrom(r)).toEqual([{ line: { $outage: 1 }, from: '16kb' }, { line: { $outage: 2 }, from: '64kb' }, { line: { $outage: 3 }, from: null }]);
  });
});

describe('a real grid', () => {
  it('backlog 16kb vs 1mb for a 5 s outage at 200 writes/s: always a full sync vs always partial', async () => {
    const r = await explore({ ref: EXAMPLE, varies: [parseVary('repl-backlog-size=16kb,1mb'), parseVary('$outage=5000')], seeds: [1, 2], metric: 'full-sync-rate', workers: 1 });
    expect(r.points.map((p) => [p.point['repl-backlog-size'], p.n, p.mean])).toEqual([['16kb', 2, 1], ['1mb', 2, 0]]);
    const csv = exploreCsv(r).trim().split('\n');
    expect(csv[0]).toBe('repl-backlog-size,$outage,seed,status,partial_syncs,full_resyncs,lost_writes,converge_ms');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 6).join(','))).toEqual(['16kb,5000,1,pass,0,1', '16kb,5000,2,pass,0,1', '1mb,5000,1,pass,1,0', '1mb,5000,2,pass,1,0']);
  }, 60_000);

  it('on worker threads: the same points, seeds and figures as in-process (the batches shrink at the end)', async () => {
    const run = (workers: number) => explore({ ref: EXAMPLE, varies: [parseVary('repl-backlog-size=16kb,1mb')], seeds: Array.from({ length: 12 }, (_, i) => i + 1), metric: 'full-sync-rate', workers });
    const [one, two] = [await run(1), await run(2)];
    expect(exploreCsv(two)).toBe(exploreCsv(one));
    expect(exploreCsv(one).trim().split('\n')).toHaveLength(1 + 24);
  }, 120_000);
});

describe('replsim explore (command line)', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('writes the table, the JSON, the page and the SVG', () => {
    const out = join(tmp.dir, 'ex');
    const r = cli('explore', EXAMPLE, '--vary', 'repl-backlog-size=16kb,1mb', '--vary', '$outage=3000', '--seeds', '1..2', '--workers', '1', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/explore backlog-outage: full-sync-rate over 2 points x 2 seeds/);
    expect(readdirSync(out).sort()).toEqual(['explore.csv', 'explore.html', 'explore.json', 'explore.svg']);
    expect(readFileSync(join(out, 'explore.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
    const j = JSON.parse(readFileSync(join(out, 'explore.json'), 'utf8')) as { points: unknown[]; command: string };
    expect(j.points).toHaveLength(2);
    expect(j.command).toBe(`replsim explore ${EXAMPLE} --vary 'repl-backlog-size=16kb,1mb' --vary '$outage=3000' --seeds 1..2 --metric full-sync-rate --out ${out}`);
  }, 60_000);

  it('bad input: exit 2, nothing written', () => {
    const out = join(tmp.dir, 'bad');
    expectUserError(cli('explore', EXAMPLE, '--vary', 'repl-backlog=1mb', '--seeds', '1', '--out', out), 'unknown knob "repl-backlog"');
    expectUserError(cli('explore', EXAMPLE, '--vary', 'repl-backlog-size=1mb', '--seeds', '1', '--out', out, '--metric', 'speed'), "argument 'speed' is invalid");
    expectUserError(cli('explore', EXAMPLE, '--vary', 'repl-backlog-size=1mb', '--seeds', '1', '--out', EXAMPLE), '--out:', 'is a file');
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
