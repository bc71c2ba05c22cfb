// What `replsim diff SCENARIO` compares at the end (sim/harness/backend-diff.ts): ids and digests as
// labels of first appearance on each side, a node that is down on both sides compared on `running` only.
import { describe, expect, it } from 'vitest';
import { fieldDifferences, finalView } from '../../sim/harness/backend-diff.js';

const up = (replid: string, digest: string, offset = 10) => ({ running: true, role: 'slave', master_replid: replid, master_repl_offset: offset, digest, dbsize: 3 });

describe('the final view of a run, as the diff compares it', () => {
  it('labels ids and digests by first appearance, so the two sides compare equal when their nodes are alike', () => {
    const sim = finalView({ a: up('x'.repeat(40), 'aa'), b: up('x'.repeat(40), 'aa'), c: up('y'.repeat(40), 'bb') });
    const real = finalView({ a: up('1'.repeat(40), 'f00d'), b: up('1'.repeat(40), 'f00d'), c: up('2'.repeat(40), 'beef') });
    expect(sim.c).toMatchObject({ master_replid: 'B', digest: 'd2' });
    expect(fieldDifferences(sim, real)).toEqual([]);
    const other = finalView({ a: up('1'.repeat(40), 'f00d'), b: up('2'.repeat(40), 'beef', 11), c: up('2'.repeat(40), 'beef') });
    expect(fieldDifferences(sim, other)).toEqual([
      { node: 'b', field: 'master_replid', sim: 'A', real: 'B' },
      { node: 'b', field: 'master_repl_offset', sim: 10, real: 11 },
      { node: 'b', field: 'digest', sim: 'd1', real: 'd2' },
    ]);
  });

  it('a node that is down takes no label: the simulator reports its fields null, a real run leaves them out', () => {
    const sim = finalView({ p: { running: false, role: null, master_replid: null, digest: null, dbsize: null }, r1: up('x'.repeat(40), 'aa'), r2: up('x'.repeat(40), 'aa') });
    const real = finalView({ p: { running: false }, r1: up('1'.repeat(40), 'f00d'), r2: up('1'.repeat(40), 'f00d') });
    expect(sim.p).toEqual({ running: false });
    expect(sim.r1).toMatchObject({ master_replid: 'A', digest: 'd1' });
    expect(fieldDifferences(sim, real)).toEqual([]);
  });

  it('an unset replication id (40 zeros) reads 0, not a label', () => {
    expect(finalView({ a: { master_replid: '0'.repeat(40), master_replid2: '0'.repeat(40) } }).a).toEqual({ master_replid: '0', master_replid2: '0' });
  });
});
