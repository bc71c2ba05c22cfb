// A small version of `replsim mutants` for CI: every named protocol bug is caught within 150 swarm
// seeds (or, failing that, by the built-in regression scenarios), and the real model passes the
// same seeds.
import { describe, expect, it } from 'vitest';
import { runMutants } from '../../sim/harness/mutants.js';
import { MUTANT_NAMES } from '../../sim/redis/mutants.js';

describe('mutation self-test', () => {
  it('kills every mutant; the unmutated model is clean', async () => {
    const seeds = Array.from({ length: 150 }, (_, i) => i + 1);
    const results = await runMutants({ seeds, workers: 1 });
    expect(results.length).toBe(MUTANT_NAMES.length + 1);
    const clean = results[0]!;
    expect({ clean: !clean.killed, message: clean.message }).toEqual({ clean: true, message: null });
    for (const r of results.slice(1)) {
      expect({ mutant: r.mutant, killed: r.killed }).toEqual({ mutant: r.mutant, killed: true });
      expect(r.property).not.toBeNull();
    }
    // most are caught by the swarm itself, by a property (not only by a scenario's expectations)
    const bySwarmProperty = results.slice(1).filter((r) => r.scenario === 'swarm' && r.property !== 'expectation');
    expect(bySwarmProperty.length).toBeGreaterThanOrEqual(6);
  }, 600_000);
});
