// The lineage oracle on hand-made events: which histories exist, where each forked from, and the
// prefix questions the properties ask of it (onLineage, ancestry).
import { describe, expect, it } from 'vitest';
import { Lineage } from '../../properties/lineage.js';
import type { TraceEvent } from '../../sim/trace-events.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const Z = '0'.repeat(40);

function start(node: string, replid: string, offset: number, o: { role?: 'master' | 'slave'; rdb?: [string, number] } = {}): TraceEvent {
  return { t: 0, type: 'redis.start', node, role: o.role ?? 'master', master_host: null, replid, replid2: Z, master_repl_offset: offset, keys: 0, rdb_repl_id: o.rdb?.[0] ?? null, rdb_repl_offset: o.rdb?.[1] ?? null };
}
function newId(node: string, replid: string, offset: number, prev: string): TraceEvent {
  return { t: 1, type: 'redis.replid', node, reason: 'anything', prev_replid: prev, replid, replid2: prev, second_repl_offset: offset + 1, master_repl_offset: offset };
}
function obs(node: string, replid: string, offset: number): TraceEvent {
  return { t: 2, type: 'redis.obs', node, why: 'cron', role: 'slave', replid, offset, digest: '0', meaningful: true, sync_full: 0, sync_partial_ok: 0, sync_partial_err: 0 };
}
const feed = (l: Lineage, ...es: TraceEvent[]) => es.forEach((e) => l.onEvent(e));

describe('lineage: histories from facts', () => {
  it('a master that starts without an RDB begins a history with no parent, at its offset', () => {
    const l = new Lineage();
    feed(l, start('p', A, 0));
    expect(l.histories.get(A)).toEqual({ id: A, parent: null, start: 0 });
  });

  it('a master restarted from an RDB with replication info continues that history under its new id', () => {
    const l = new Lineage();
    feed(l, start('p', A, 0), start('p', B, 0, { rdb: [A, 500] }));
    expect(l.histories.get(B)).toEqual({ id: B, parent: { id: A, offset: 500 }, start: 500 });
  });

  it('a replica started from an RDB does not fork: it has no history of its own until it syncs', () => {
    const l = new Lineage();
    feed(l, start('r', C, 0, { role: 'slave', rdb: [A, 500] }));
    expect(l.histories.get(C)).toEqual({ id: C, parent: null, start: 0 });
  });

  it('an id seen before is not redefined by a later start', () => {
    const l = new Lineage();
    feed(l, start('p', A, 0), start('q', A, 900));
    expect(l.histories.get(A)).toEqual({ id: A, parent: null, start: 0 });
  });

  it('a new id forks from the id the oracle last saw the node with, at the offset it appears at, not from the prev_replid the node reports', () => {
    const l = new Lineage();
    feed(l, start('p', A, 0), start('r', C, 0, { role: 'slave' }), obs('r', A, 300), newId('r', B, 300, D));
    expect(l.histories.get(B)).toEqual({ id: B, parent: { id: A, offset: 300 }, start: 300 });
  });

  it('a node the oracle never saw forks from the id the event names', () => {
    const l = new Lineage();
    feed(l, newId('x', B, 40, A));
    expect(l.histories.get(B)!.parent).toEqual({ id: A, offset: 40 });
  });

  it('taking an id that exists already (a full sync, +CONTINUE with a new id) adopts it: no new history', () => {
    const l = new Lineage();
    feed(l, start('p', A, 0), newId('p', B, 100, A), start('r', C, 0, { role: 'slave' }), newId('r', B, 250, C));
    expect(l.histories.get(B)).toEqual({ id: B, parent: { id: A, offset: 100 }, start: 100 });
    expect([...l.histories.keys()].sort()).toEqual([A, B, C]);
  });

  it('only starts and id changes make histories: an observation, link or stream event with an unseen id does not', () => {
    const l = new Lineage();
    feed(l, obs('r', B, 10), { t: 4, type: 'redis.link', node: 'r', master_host: 'p', status: 'up', master_repl_offset: 10, replid: C }, { t: 3, type: 'redis.stream', node: 'r', replid: D, start: 1, bytes: 10, h: '0' });
    expect(l.histories.size).toBe(0);
  });

  it('per-command stream events do not change the id the oracle last saw; observations, links and syncs do', () => {
    const l = new Lineage();
    feed(l, start('r', A, 0), { t: 3, type: 'redis.stream', node: 'r', replid: C, start: 1, bytes: 10, h: '0' }, newId('r', B, 10, Z));
    expect(l.histories.get(B)!.parent!.id).toBe(A);
    for (const [i, e] of ([
      { t: 4, type: 'redis.link', node: 'r', master_host: 'p', status: 'up', master_repl_offset: 10, replid: C },
      { t: 4, type: 'redis.sync', node: 'r', master: 'p', kind: 'full', replid: C, offset: 10 },
      obs('r', C, 10),
    ] as TraceEvent[]).entries()) {
      const m = new Lineage();
      const fresh = ['e', 'f', '1'][i]!.repeat(40);
      feed(m, start('r', A, 0), e, newId('r', fresh, 10, Z));
      expect(m.histories.get(fresh)!.parent!.id, e.type).toBe(C);
    }
  });
});

describe('lineage: prefix questions', () => {
  // A --(300)--> B --(700)--> C; D unrelated
  const l = new Lineage();
  feed(l, start('p', A, 0), newId('p', B, 300, A), newId('p', C, 700, B), start('q', D, 0));

  it('on the same history: a prefix up to the server offset, not beyond', () => {
    expect(l.onLineage(C, 900, C, 900)).toBe(true);
    expect(l.onLineage(C, 901, C, 900)).toBe(false);
  });

  it('through forks: an ancestor position is a prefix only up to the fork offset', () => {
    expect(l.onLineage(B, 700, C, 900)).toBe(true);
    expect(l.onLineage(B, 701, C, 900)).toBe(false);
    expect(l.onLineage(A, 300, C, 900)).toBe(true);
    expect(l.onLineage(A, 301, C, 900)).toBe(false);
  });

  it('the server offset bounds an ancestor too (a server behind its own fork point)', () => {
    expect(l.onLineage(B, 250, C, 200)).toBe(false);
    expect(l.onLineage(B, 200, C, 200)).toBe(true);
  });

  it('a history that is not an ancestor, or an unknown server, is never a prefix', () => {
    expect(l.onLineage(D, 0, C, 900)).toBe(false);
    expect(l.onLineage(C, 10, B, 900)).toBe(false);
    expect(l.onLineage(A, 0, 'f'.repeat(40), 900)).toBe(false);
  });

  it('ancestry lists the history first, then each ancestor with the highest offset it still covers', () => {
    expect(l.ancestry(C)).toEqual([
      { id: C, upTo: Number.POSITIVE_INFINITY },
      { id: B, upTo: 700 },
      { id: A, upTo: 300 },
    ]);
    expect(l.ancestry(D)).toEqual([{ id: D, upTo: Number.POSITIVE_INFINITY }]);
    expect(l.ancestry('f'.repeat(40))).toEqual([{ id: 'f'.repeat(40), upTo: Number.POSITIVE_INFINITY }]);
  });

  it('a fork offset above an earlier one does not raise the bound', () => {
    const m = new Lineage();
    // B forks from A at 300; C forks from B at 100 (C began below B's fork point): A is covered only to 100
    feed(m, start('p', A, 0), newId('p', B, 300, A), newId('p', C, 100, B));
    expect(m.ancestry(C).map((x) => x.upTo)).toEqual([Number.POSITIVE_INFINITY, 100, 100]);
    expect(m.onLineage(A, 150, C, 900)).toBe(false);
    expect(m.onLineage(A, 100, C, 900)).toBe(true);
  });

  it('a cycle of parents (not made by Redis, but by hand) ends the walk instead of looping', () => {
    const m = new Lineage();
    feed(m, newId('x', B, 10, A), newId('y', A, 20, B));
    expect(m.onLineage(C, 0, A, 50)).toBe(false);
    expect(m.ancestry(A).map((x) => x.id)).toEqual([A, B]);
  });
});
