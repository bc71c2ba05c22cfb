// The fault families' parameter ranges are written once (sim/faults/draws.ts): the swarm generator
// and the fast-check arbitraries both draw inside them, and both draw short and long partitions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAMILY_DRAWS, type IntRange } from '../../sim/faults/draws.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';
import type { FaultFamily, FaultFamilyName } from '../../sim/scenario/types.js';
import { arbFaultFamilies } from '../../testing/index.js';

const d = FAMILY_DRAWS;
const within = (v: number | undefined, r: IntRange, factor = 1) => v !== undefined && v >= r.min * factor && v <= r.max * factor;

/** The parameters of one family that fall outside the table, as text (empty: all inside). */
function outside(name: FaultFamilyName, f: FaultFamily): string[] {
  const out: string[] = [];
  const down = name === 'crash' || name === 'restart';
  if (!within(f.everyMs, d.everyMs, down ? d.downEveryFactor : 1)) out.push(`${name}.everyMs ${f.everyMs}`);
  if (down && !within(f.downMs, d.downMs)) out.push(`${name}.downMs ${f.downMs}`);
  if (name === 'partition' && !d.partitionMs.some((r) => within(f.durationMs, r))) out.push(`partition.durationMs ${f.durationMs}`);
  if (name === 'loss-burst' && (!within(f.durationMs, d.lossBurstMs) || !(d.lossBurstLoss as readonly number[]).includes(f.loss!))) out.push(`loss-burst ${f.durationMs} ${f.loss}`);
  return out;
}

function check(blocks: NonNullable<ReturnType<typeof swarmScenario>['faults']>[]): { outside: string[]; partitionRanges: Set<number> } {
  const bad: string[] = [];
  const partitionRanges = new Set<number>();
  for (const b of blocks) {
    for (const [name, f] of Object.entries(b.families) as [FaultFamilyName, FaultFamily][]) {
      bad.push(...outside(name, f));
      if (name === 'partition') partitionRanges.add(d.partitionMs.findIndex((r) => within(f.durationMs, r)));
    }
  }
  return { outside: bad, partitionRanges };
}

describe('fault family draws', () => {
  it('the swarm generator draws every family parameter from the table, short and long partitions both', () => {
    const r = check(Array.from({ length: 400 }, (_, i) => swarmScenario(i + 1).faults!));
    expect(r.outside).toEqual([]);
    expect([...r.partitionRanges].sort()).toEqual(d.partitionMs.map((_, i) => i));
  });

  it('arbFaultFamilies draws from the same table', () => {
    const r = check(fc.sample(arbFaultFamilies(), { seed: 11, numRuns: 400 }));
    expect(r.outside).toEqual([]);
    expect([...r.partitionRanges].sort()).toEqual(d.partitionMs.map((_, i) => i));
  });
});
