// `npm test` is deterministic: every fast-check property runs from one fixed seed unless the run
// asks for exploration (REPLSIM_FUZZ=1, `npm run fuzz`) or replays a seed (FC_SEED).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXED_FC_SEED, FUZZING, fcParams } from '../support/fc.js';

describe.skipIf(FUZZING || process.env.FC_SEED !== undefined)('fast-check seeds under npm test', () => {
  it('fc.assert without a seed of its own runs from the fixed seed', () => {
    expect(fc.readConfigureGlobal().seed).toBe(FIXED_FC_SEED);
    const seen: number[] = [];
    for (let i = 0; i < 2; i++) {
      const draws: number[] = [];
      fc.assert(fc.property(fc.integer(), (x) => void draws.push(x)), { numRuns: 5 });
      seen.push(...draws);
    }
    expect(seen.slice(0, 5)).toEqual(seen.slice(5));
  });

  it('fcParams gives the fixed seed every time', () => {
    expect(fcParams(10).seed).toBe(FIXED_FC_SEED);
    expect(fcParams(10).seed).toBe(fcParams(20).seed);
  });
});
