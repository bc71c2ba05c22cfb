// Memory flat in run length (issue 14): the properties forget ground truth outside the horizon,
// the run summary keeps a head and a tail, so a long run keeps bounded structures. Checked by the
// size of the structures (RSS is measured in bench/, never asserted).
import { describe, expect, it } from 'vitest';
import { World } from '../../sim/cluster/world.js';
import { Runner } from '../../sim/scenario/runner.js';
import { PropertySet } from '../../properties/index.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import { loadScenario } from '../../sim/scenario/load.js';
import { HeadTail, simulate } from '../../sim/harness/simulate.js';

function longRun(phaseMs: number, families: Record<string, unknown>) {
  const { resolved: sc } = loadScenario({
    name: 'long',
    config: { save: '' },
    nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } },
    workload: { writesPerSec: 50, keys: 100, valueSize: 1000 },
    faults: { phaseMs, families },
  }, 'long');
  const props = new PropertySet({});
  let streamEntries = 0;
  let observations = 0;
  let maxStreamKept = 0;
  let maxPositionsKept = 0;
  const kept = (name: string) => props.all.find((p) => p.name === name) as unknown as { kept: number };
  const equal = kept('equal-id-offset-equal-data');
  const stream = kept('stream-prefix');
  // the properties see every event from the first on, as simulate() attaches them
  const observe = (e: TraceEvent) => {
    props.onEvent(e);
    if (e.type === 'redis.stream') streamEntries++;
    if (e.type === 'redis.obs') observations++;
    maxStreamKept = Math.max(maxStreamKept, stream.kept);
    maxPositionsKept = Math.max(maxPositionsKept, equal.kept);
  };
  const w = new World({ seed: 3, config: sc.config, nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } }, observers: [observe] });
  const runner = new Runner(w, sc);
  runner.run();
  return { streamEntries, observations, maxStreamKept, maxPositionsKept, violations: props.finish({ master: null, get: () => null }), report: props.report() };
}

describe('bounded memory', () => {
  it('stream-prefix keeps a window of the generated stream, not all of it (1 MiB of 1 KB writes: about 1000 entries, pruned when doubled)', () => {
    const r = longRun(600_000, { 'link-kill': { everyMs: 20_000 } });
    expect(r.violations).toEqual([]);
    expect(r.streamEntries).toBeGreaterThan(25_000);
    expect(r.maxStreamKept).toBeLessThanOrEqual(8192);
    expect(r.report['stream-prefix']!.stats.entries_unverifiable).toBeUndefined();
  }, 60_000);

  it('with crashes (new histories), histories no node is on any more are dropped', () => {
    const r = longRun(600_000, { 'link-kill': { everyMs: 20_000 }, crash: { everyMs: 60_000, downMs: 2000 } });
    expect(r.violations).toEqual([]);
    expect(r.streamEntries).toBeGreaterThan(25_000);
    expect(r.maxStreamKept).toBeLessThanOrEqual(8192);
    expect(r.maxPositionsKept).toBeLessThanOrEqual(8192);
  }, 60_000);

  it('the summary keeps the first and the last events and counts the ones between', () => {
    const h = new HeadTail<number>(3, 2);
    for (let i = 1; i <= 10; i++) h.push(i);
    expect(h.items()).toEqual([1, 2, 3, 9, 10]);
    expect(h.omitted).toBe(5);
    expect(h.size).toBe(5);
  });

  it('a run reports its writes as counts (stats.writes, stats.acked_writes)', () => {
    const r = simulate({ name: 'w', nodes: { p: {} }, steps: [{ op: 'write', node: 'p', count: 7 }] }, { seed: 1 });
    expect(r.stats.writes).toBe(7);
    expect(r.stats.acked_writes).toBe(7);
    expect(r.stats.events_omitted).toBeUndefined();
  });
});
