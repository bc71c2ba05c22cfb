// Behaviour is unchanged by rearrangements: every built-in scenario (seeds 1-3) and the first swarm
// seeds give the trace hashes pinned in test/fixtures/trace-hashes.json. `npm run check-hashes`
// checks all 2000 pinned swarm seeds.
import { describe, expect, it } from 'vitest';
import { differences, readPinned } from './pinned-hashes.js';

describe('pinned trace hashes', () => {
  it('built-ins at seeds 1-3 and swarm seeds 1..60 hash as pinned', () => {
    const p = readPinned();
    expect(Object.keys(p.swarm).length).toBe(2000);
    expect(differences(p, Array.from({ length: 60 }, (_, i) => i + 1))).toEqual([]);
  }, 120_000);
});
