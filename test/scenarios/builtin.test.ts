// Every built-in scenario passes, under several seeds, and runs the same twice; the regression
// scenarios fail under the protocol bugs they are there to catch.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { builtinNames, loadBuiltin } from '../../sim/harness/sources.js';

const names = builtinNames();

describe('built-in scenarios', () => {
  it('there are at least twelve, each with a description', () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const n of names) expect(loadBuiltin(n).description?.length ?? 0).toBeGreaterThan(20);
  });

  for (const name of names) {
    it(`${name} passes with seeds 1-3, and seed 1 gives the same trace hash twice`, () => {
      const hashes: string[] = [];
      for (const seed of [1, 2, 3]) {
        const r = simulate(loadBuiltin(name, seed), { seed, source: name });
        expect({ seed, status: r.status, failures: r.failures }).toEqual({ seed, status: 'pass', failures: [] });
        hashes.push(r.trace_hash);
      }
      expect(simulate(loadBuiltin(name, 1), { seed: 1 }).trace_hash).toBe(hashes[0]);
      expect(new Set(hashes).size).toBe(3);
    });
  }

  it('each mutant the swarm misses fails a built-in scenario (backlog-ttl, backlog-ttl-demote: a replid that must change)', () => {
    for (const name of ['backlog-ttl', 'backlog-ttl-demote']) {
      const r = simulate(loadBuiltin(name, 1), { seed: 1, mutant: 'ttl-free-keeps-replid' });
      expect(r.status, name).toBe('fail');
    }
    const r = simulate(loadBuiltin('backlog-ttl', 1), { seed: 1, mutant: 'ttl-free-keeps-replid' });
    expect(r.failures[0]!.message).toMatch(/^step 6 \(expect\): m\.master_replid expected changedSince 2 \(it was "[0-9a-f]{40}"\), actual "[0-9a-f]{40}"$/);
  });
});
