// The real orchestrator's re-points as one instant (sim/backends/real/orchestrator.ts repointInWaves):
// every node after the batch's replicas of it, each wave at once, replies in the batch's order.
import { describe, expect, it } from 'vitest';
import { repointInWaves } from '../../../sim/backends/real/orchestrator.js';

/** Runs repointInWaves with a send that records which nodes were in flight together. */
async function waves(nodes: string[], masters: Record<string, string | null>): Promise<{ waves: string[][]; replies: string[] }> {
  const out: string[][] = [];
  let current: string[] | null = null;
  const replies = await repointInWaves(nodes, (n) => masters[n] ?? null, async (n) => {
    if (current === null) out.push((current = []));
    current.push(n);
    await Promise.resolve();
    current = null; // the wave's sends all started before any reply
    return `OK ${n}`;
  });
  return { waves: out, replies };
}

describe('re-pointing as one instant on real processes', () => {
  it("sends the old master's replicas first, together, and the old master once they are answered", async () => {
    // n3 was promoted; n0 (the old master, first by name) has n4 and n5 as replicas
    const w = await waves(['n0', 'n4', 'n5'], { n0: null, n4: 'n0', n5: 'n0' });
    expect(w.waves).toEqual([['n4', 'n5'], ['n0']]);
    expect(w.replies).toEqual(['OK n0', 'OK n4', 'OK n5']);
  });

  it('a chain goes from its end; nodes under masters outside the batch go at once', async () => {
    const w = await waves(['a', 'b', 'c', 'd'], { a: null, b: 'a', c: 'b', d: 'x' });
    expect(w.waves).toEqual([['c', 'd'], ['b'], ['a']]);
  });

  it('a cycle of masters (no node is free) goes at once rather than never', async () => {
    const w = await waves(['a', 'b'], { a: 'b', b: 'a' });
    expect(w.waves).toEqual([['a', 'b']]);
  });
});
