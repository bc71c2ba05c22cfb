// split-brain and stale-reads: the figures of what clients saw, from hand-made histories. Neither
// is ever a violation; each test checks the figure and the notes.
import { describe, expect, it } from 'vitest';
import { cluster, crash, demote, feed, get, local, op, promote, set, start, type Ev } from './history-events.js';

const S = 1_000_000;

describe('split-brain', () => {
  /** 37 writes to n1 from 5.1 s to 11.2 s (one every 169444 us or so), reply 100 us after each. */
  const splitWrites = Array.from({ length: 37 }, (_, i) => {
    const done = i === 36 ? 11.2 * S : Math.round(5.1 * S + (i * (6.1 * S)) / 36);
    return set('app1', 'n1', `k${i}`, 'v', done - 100, done);
  });
  const history: Ev[] = [...cluster, set('app1', 'n1', 'before', 'v', 1 * S, 1 * S + 100), promote('n3', 5 * S), ...splitWrites, set('app2', 'n3', 'new', 'v', 6 * S, 6 * S + 100), demote('n1', 'n3', 12 * S), set('app1', 'n3', 'after', 'v', 13 * S, 13 * S + 100)];

  it('counts the writes an old master accepted while a newer master existed, and for how long', () => {
    const r = feed('split-brain', history);
    expect(r.messages).toEqual([]);
    expect(r.report.stats).toEqual({ writes_checked: 40, split_brain_writes: 37, split_brain_ms: 7000 });
    expect(r.report.checked).toBe(40);
    expect(r.report.notes).toEqual(['n1 accepted 37 writes from 5.100 s to 11.200 s while n3 (promoted at 5.000 s) was master']);
  });

  it('local writes, other commands and failed or indeterminate ones: only accepted writes count', () => {
    const r = feed('split-brain', [...cluster, promote('n3', 5 * S), local('n1', 'k', 'v', 6 * S), local('n1', 'k', 'v', 6 * S, 'SET', false), op('app1', 'n1', ['INCR', 'j'], 6 * S, 6 * S + 10), op('app1', 'n1', ['GET', 'j'], 6 * S, 6 * S + 20), set('app1', 'n1', 'k', 'x', 6 * S, 6 * S + 30, 'info')]);
    expect(r.report.stats).toMatchObject({ writes_checked: 2, split_brain_writes: 2 });
    expect(r.report.notes).toEqual(['n1 accepted 2 writes from 6.000 s to 6.000 s while n3 (promoted at 5.000 s) was master']);
  });

  it('a node started as master is not a newer history', () => {
    const r = feed('split-brain', [...cluster, start('n2', 'master', 2 * S), set('app1', 'n1', 'k', 'v', 3 * S, 3 * S + 10), set('app1', 'n2', 'k', 'v', 3 * S, 3 * S + 10)]);
    expect(r.report.stats).toEqual({ writes_checked: 2, split_brain_writes: 0, split_brain_ms: 0 });
  });

  it('a master promoted before another began is older: writes to the newer one are not split-brain writes', () => {
    // n3 promoted at 2 s; n1 restarted as master at 3 s is not newer, and n3 is older than n1's new mastership
    const r = feed('split-brain', [...cluster, promote('n3', 2 * S), crash('n1', 2.5 * S), start('n1', 'master', 3 * S), set('app1', 'n1', 'k', 'v', 4 * S, 4 * S + 10), set('app1', 'n3', 'k', 'v', 4 * S, 4 * S + 10)]);
    expect(r.report.stats).toEqual({ writes_checked: 2, split_brain_writes: 0, split_brain_ms: 500 });
  });

  it('a stopped master is not a master', () => {
    const r = feed('split-brain', [...cluster, promote('n3', 5 * S), crash('n3', 6 * S), set('app1', 'n1', 'k', 'v', 7 * S, 7 * S + 10)]);
    expect(r.report.stats).toEqual({ writes_checked: 1, split_brain_writes: 0, split_brain_ms: 1000 });
  });

  it('a reply that arrives after its node was demoted still counts the write', () => {
    const r = feed('split-brain', [...cluster, promote('n3', 5 * S), set('app1', 'n1', 'k', 'v', 5.5 * S, 5.7 * S), demote('n1', 'n3', 5.6 * S)].sort((a, b) => (a.t as number) - (b.t as number)));
    expect(r.report.stats).toMatchObject({ split_brain_writes: 1, split_brain_ms: 600 });
  });

  it('the duration is the union of the periods with a newer master, and a period still open ends with the run', () => {
    const r = feed('split-brain', [
      ...cluster,
      promote('n2', 2 * S),
      promote('n3', 3 * S),
      demote('n1', 'n2', 4 * S), // n2 still coexists with the newer n3
      demote('n2', 'n3', 6 * S), // 2 s .. 6 s
      promote('n1', 8 * S), // n1 is newer than n3: 8 s .. 9 s
      crash('n3', 9 * S),
      promote('n2', 10 * S), // newer than n1: 10 s .. the last event at 10.5 s
      { t: 10.5 * S, type: 'x.fault.phase-end' },
    ]);
    expect(r.report.stats.split_brain_ms).toBe(5500);
  });

  it('names the first newer master when there are several', () => {
    const r = feed('split-brain', [...cluster, promote('n3', 2 * S), promote('n2', 3 * S), set('app1', 'n1', 'k', 'v', 4 * S, 4 * S + 10)]);
    expect(r.report.notes).toEqual(['n1 accepted 1 write from 4.000 s to 4.000 s while n3 (promoted at 2.000 s) was master']);
  });
});

describe('stale-reads', () => {
  const mine = [...cluster, set('app1', 'n1', 'k', 'a', 1000, 1100)];

  it('a read of the client\'s own value is fresh', () => {
    const r = feed('stale-reads', [...mine, get('app1', 'n2', 'k', 'a', 2000, 2100)]);
    expect(r.report).toMatchObject({ violations: 0, checked: 1, stats: { reads_checked: 1, fresh: 1, overwritten: 0, stale: 0 }, notes: [] });
  });

  it('a read that misses the client\'s own write is stale, never a violation', () => {
    const r = feed('stale-reads', [...mine, get('app1', 'n2', 'k', '(nil)', 2000, 2100)]);
    expect(r.messages).toEqual([]);
    expect(r.report.stats).toEqual({ reads_checked: 1, fresh: 0, overwritten: 0, stale: 1 });
    expect(r.report.notes).toEqual(['app1 read k (db 0) from n2 at 2.100 ms and got "(nil)", but had written "a" (acknowledged by n1 at 1.100 ms)']);
  });

  it('a value someone wrote after the client\'s own SET was invoked is overwritten, even if that SET completed after the read', () => {
    const r = feed('stale-reads', [...mine, get('app1', 'n1', 'k', 'b', 2000, 2200), set('app2', 'n1', 'k', 'b', 1500, 2500)]);
    expect(r.report.stats).toEqual({ reads_checked: 1, fresh: 0, overwritten: 1, stale: 0 });
  });

  it('an older value is stale, even if the same value is written again after the read', () => {
    const r = feed('stale-reads', [...cluster, set('app2', 'n1', 'k', 'b', 500, 600), set('app1', 'n1', 'k', 'a', 1000, 1100), get('app1', 'n2', 'k', 'b', 2000, 2100), set('app2', 'n1', 'k', 'b', 3000, 3100)]);
    expect(r.report.stats).toMatchObject({ overwritten: 0, stale: 1 });
  });

  it('the key changed by another command or a flush since: overwritten', () => {
    expect(feed('stale-reads', [...mine, op('app2', 'n1', ['INCR', 'k'], 1500, 1600, 'info'), get('app1', 'n1', 'k', '1', 2000, 2100)]).report.stats).toMatchObject({ overwritten: 1, stale: 0 });
    expect(feed('stale-reads', [...mine, op('app2', 'n1', ['FLUSHALL'], 1500, 1600), get('app1', 'n1', 'k', '(nil)', 2000, 2100)]).report.stats).toMatchObject({ overwritten: 1, stale: 0 });
    expect(feed('stale-reads', [...mine, op('app2', 'n1', ['FLUSHDB'], 1500, 1600, 'ok', { db: 1 }), get('app1', 'n1', 'k', '(nil)', 2000, 2100)]).report.stats).toMatchObject({ overwritten: 0, stale: 1 });
    expect(feed('stale-reads', [...mine, op('app2', 'n1', ['INCR', 'k'], 1500, 1600, 'fail'), get('app1', 'n1', 'k', '1', 2000, 2100)]).report.stats).toMatchObject({ overwritten: 0, stale: 1 });
  });

  it('only reads after the client\'s own acknowledged SET of that key are judged', () => {
    const r = feed('stale-reads', [
      ...cluster,
      get('app1', 'n1', 'k', '(nil)', 500, 600), // before any write
      set('app1', 'n1', 'j', 'x', 700, 800, 'info'), // indeterminate: not its own acknowledged value
      get('app1', 'n1', 'j', '(nil)', 900, 950),
      set('app1', 'n1', 'k', 'a', 1000, 1100),
      get('app1', 'n1', 'k', '(nil)', 1050, 1150), // concurrent with its own SET (pipelined)
      get('app2', 'n1', 'k', '(nil)', 2000, 2100), // another client
      get('app1', 'n1', 'other', '(nil)', 2000, 2100), // another key
      op('app1', 'n1', ['GET', 'k'], 2200, 2300, 'fail', { reply: '-ERR' }),
    ]);
    expect(r.report.checked).toBe(0);
  });

  it('the client\'s last acknowledged value is the one judged', () => {
    const r = feed('stale-reads', [...mine, set('app1', 'n1', 'k', 'c', 1500, 1600), get('app1', 'n2', 'k', 'a', 2000, 2100)]);
    expect(r.report.stats).toMatchObject({ stale: 1 });
  });

  it('a write or flush invoked before the read completed but completing after it explains the read', () => {
    expect(feed('stale-reads', [...mine, get('app1', 'n1', 'k', '1', 2000, 2100), op('app2', 'n1', ['INCR', 'k'], 2050, 2300)]).report.stats).toMatchObject({ overwritten: 1, stale: 0 });
    expect(feed('stale-reads', [...mine, get('app1', 'n1', 'k', '(nil)', 2000, 2100), op('app2', 'n1', ['FLUSHALL'], 2050, 2300)]).report.stats).toMatchObject({ overwritten: 1, stale: 0 });
    expect(feed('stale-reads', [...mine, get('app1', 'n1', 'k', '(nil)', 2000, 2100), op('app2', 'n1', ['INCR', 'k'], 2200, 2300)]).report.stats).toMatchObject({ overwritten: 0, stale: 1 });
  });

  it('keeps a bounded number of unexplained reads per key, and notes the earliest stale reads', () => {
    // a read of j first (judged at the end), then 40 of k (the oldest judged stale as newer ones come)
    const reads = Array.from({ length: 40 }, (_, i) => get('app1', 'n2', 'k', '(nil)', 2000 + 100 * i, 2050 + 100 * i));
    const r = feed('stale-reads', [...mine, set('app1', 'n1', 'j', 'b', 1200, 1300), get('app1', 'n2', 'j', '(nil)', 1400, 1500), ...reads]);
    expect(r.report.stats.stale).toBe(41);
    expect(r.report.notes[0]).toMatch(/^app1 read j \(db 0\) from n2 at 1\.500 ms/);
    expect(r.report.notes[1]).toMatch(/at 2\.050 ms/);
    expect(r.report.notes[4]).toMatch(/at 2\.350 ms/);
    expect(r.report.notes[5]).toBe('and 36 more stale read(s)');
  });

  it('notes the first five stale reads and counts the rest', () => {
    const reads = Array.from({ length: 7 }, (_, i) => get('app1', 'n2', 'k', '(nil)', 2000 + 100 * i, 2050 + 100 * i));
    const r = feed('stale-reads', [...mine, ...reads]);
    expect(r.report.stats.stale).toBe(7);
    expect(r.report.notes).toHaveLength(6);
    expect(r.report.notes[5]).toBe('and 2 more stale read(s)');
  });
});
