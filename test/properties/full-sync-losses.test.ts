// acknowledged-writes: a full sync replaces a node's data with its master's, so a holder of a write
// that full syncs from a node not known to hold it no longer holds it (the Sentinel swarm's seeds 710,
// 1074 and 1470: a WAIT replica of a split-brain master re-pointed to the new master). Hand-made histories.
import { describe, expect, it } from 'vitest';
import type { AcknowledgedWrites } from '../../properties/acknowledged-writes.js';
import { cluster, demote, failoverState, feed, finalView, promote, set, type Ev } from './history-events.js';

const acked = (events: Ev[], master: string | null, data: Record<string, string>) => {
  const r = feed('acknowledged-writes', events, finalView(master, data));
  return { ...r, lost: (r.property as AcknowledgedWrites).lostWrites };
};
const fullSync = (node: string, master: string, t: number): Ev => ({ t, type: 'redis.sync', node, master, kind: 'full', replid: 'b'.repeat(40), offset: 100 });
const psyncContinue = (node: string, master: string, t: number): Ev => ({ t, type: 'redis.sync', node, master, kind: 'continue', replid: 'b'.repeat(40), offset: 100 });
/** A replica told to follow another master (SLAVEOF host): a role event, not a demotion. */
const repoint = (node: string, master: string, t: number): Ev => ({ t, type: 'redis.role', node, role: 'slave', master_host: master });

// n3 is promoted at 2 ms while n1 is still master; app1 keeps writing to n1, and WAIT counts n2,
// still n1's replica (split brain)
const splitBrain: Ev[] = [...cluster, promote('n3', 2000), set('app1', 'n1', 'k', 'a', 3000, 3100, 'ok', ['n2'])];

describe('a holder that full syncs from a node without the write no longer holds it', () => {
  it('the writer demoted, then its WAIT replica re-pointed and full synced from the new master: allowed, across that full sync (seed 710)', () => {
    const r = acked([...splitBrain, demote('n1', 'n3', 4000), repoint('n2', 'n3', 5000), fullSync('n2', 'n3', 5500)], 'n3', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]).toMatchObject({ key: 'k', node: 'n1', event: { kind: 'full-sync', node: 'n2', t: 5500 }, allowed: true, why: 'asynchronous replication' });
    expect(r.report.notes).toEqual(['1 acknowledged write(s) lost across the full sync of n2 from n3 at 5.500 ms (acknowledged by n1; allowed: asynchronous replication)']);
    expect(r.report.stats).toMatchObject({ lost: 1, lost_allowed: 1 });
  });

  it('the replica full synced first, then the writer was demoted: allowed, across the demotion (seed 1074)', () => {
    const r = acked([...splitBrain, repoint('n2', 'n3', 3500), fullSync('n2', 'n3', 3800), demote('n1', 'n3', 4000)], 'n3', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]!.event).toEqual({ kind: 'demotion', node: 'n1', t: 4000 });
  });

  it('a chained replica that full syncs from the demoted writer loses it too', () => {
    // n2 stays n1's replica; n1, now a replica of n3, serves n2 a full sync of n3's data
    const r = acked([...splitBrain, demote('n1', 'n3', 4000), fullSync('n1', 'n3', 4500), fullSync('n2', 'n1', 4800)], 'n3', {});
    expect(r.messages).toEqual([]);
    expect(r.lost[0]!.event).toEqual({ kind: 'full-sync', node: 'n2', t: 4800 });
  });

  it('a re-pointed replica that has not full synced still holds it: the loss is a violation', () => {
    const r = acked([...splitBrain, demote('n1', 'n3', 4000), repoint('n2', 'n3', 5000), psyncContinue('n2', 'n3', 5500)], 'n3', {});
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/^SET k a \(db 0\) from client app1, invoked at 3\.000 ms, was acknowledged by n1 at 3\.100 ms but the final master n3 has no such key; nothing after it may lose it \(demotion of n1 at 4\.000 ms\): .* a crash, unsaved restart, demotion or full sync from a node without it of every node that did \(n1, n2\), may/);
    expect(r.lost[0]).toMatchObject({ event: null, allowed: false });
  });

  it('a full sync from a holder keeps it, and is named in the violation', () => {
    // n2 resynced from n1 after the write, then was promoted; the write is gone from n2 all the same
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200, 'ok', ['n2']), fullSync('n2', 'n1', 2000), promote('n2', 3000), demote('n1', 'n2', 3500)], 'n2', {});
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/nothing after it may lose it \(full sync of n2 from n1 at 2\.000 ms, failover of n2 at 3\.000 ms, demotion of n1 at 3\.500 ms\).*; n2 full synced from n1, which held it; n2 held it when promoted; n1 was demoted to a replica of n2, which held it\.$/);
  });

  it('a full sync before the write, or of a node that never held it, excuses nothing and is not named', () => {
    const before = acked([...cluster, promote('n3', 500), fullSync('n2', 'n3', 800), set('app1', 'n1', 'k', 'a', 1000, 1100, 'ok', ['n2']), demote('n1', 'n3', 4000)], 'n3', {});
    expect(before.messages).toHaveLength(1);
    expect(before.messages[0]).toMatch(/nothing after it may lose it \(demotion of n1 at 4\.000 ms\)/);
    const other = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1100), fullSync('n3', 'n2', 2000)], 'n1', {});
    expect(other.messages).toHaveLength(1);
    expect(other.messages[0]).toMatch(/no failover, crash or unsaved restart came after it\.$/);
  });

  it('the origin of a coordinated FAILOVER that full syncs from its target keeps the write: a loss is a violation', () => {
    const coordinated: Ev[] = [failoverState('n1', 'failover-in-progress', 'n2', 2000), demote('n1', 'n2', 2000), promote('n2', 2100), failoverState('n1', 'no-failover', null, 2200)];
    const r = acked([...cluster, set('app1', 'n1', 'k', 'a', 1000, 1200), ...coordinated, fullSync('n1', 'n2', 3000)], 'n2', {});
    expect(r.messages).toHaveLength(1);
    expect(r.messages[0]).toMatch(/n1 full synced from n2, which held it\.$/);
  });
});
