// The same script on the simulator and on real redis-server 7.0: the PSYNC decisions, role changes
// and id changes the simulator traces equal those read from the real servers' logs, in the
// comparable form (sim/backends/real/comparable.ts).
import { expect, it } from 'vitest';
import { comparableEvents, firstDifference, formatComparable, type Comparable } from '../../sim/backends/real/comparable.js';
import { mergeLogEvents, parseRedisLog } from '../../sim/backends/real/log-events.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import type { MutantName } from '../../sim/redis/mutants.js';
import { RealCluster, SimCluster, describeReal, type Cluster, type Config } from './clusters.js';

const NODES = ['p', 'r1', 'r2'];
// a small backlog, so that 100 KB written while r2 is down is more than it holds
const CONFIG: Config = { 'repl-backlog-size': '16kb' };
const BIG = 'x'.repeat(4000);

/** Full syncs, a partial one after a killed link, a promotion followed by PSYNC, refusals, a FAILOVER. */
async function script(c: Cluster): Promise<void> {
  await c.call('p', ['SET', 'a', '1']);
  await c.replicaof('r1', 'p');
  await c.replicaof('r2', 'p');
  await c.waitSync();
  await c.call('p', ['SET', 'b', '2']);
  await c.waitSync();
  // the link killed: r1 continues by its id
  await c.call('r1', ['CLIENT', 'KILL', 'TYPE', 'master']);
  await c.waitSync();
  // r1 promoted; r2 follows it by r1's secondary id; p wrote after and is refused (second id's offset)
  await c.replicaof('r1', null);
  await c.replicaof('r2', 'r1');
  await c.waitSync();
  await c.call('p', ['SET', 'c', '3']);
  await c.replicaof('p', 'r1');
  await c.waitSync();
  // r2 down with its RDB; more than the backlog written; back with PSYNC: lack of backlog
  await c.shutdown('r2', true);
  for (let i = 0; i < 25; i++) await c.call('r1', ['SET', `k${i}`, BIG]);
  await c.restart('r2', { replicaof: 'r1' });
  await c.waitSync();
  // FAILOVER to p: r1 follows it by PSYNC FAILOVER, r2 re-syncs with r1's new id
  await c.failoverTo('r1', 'p');
  await c.waitFor('p', 'role', 'master');
  await c.waitFor('r1', 'master_link_status', 'up');
  // r1's new id drops r2, which comes back by PSYNC: let what is in flight land on both sides
  await c.sleep(500);
  await c.waitSync();
}

async function onSimulator(mutant: MutantName | null = null): Promise<Comparable[]> {
  const events: TraceEvent[] = [];
  const c = new SimCluster(NODES, CONFIG, {}, mutant, [(e) => events.push(e)]);
  await script(c);
  return comparableEvents(events, { time: true });
}

async function onReal(): Promise<Comparable[]> {
  const c = await RealCluster.start(NODES, CONFIG);
  try {
    await script(c);
    return comparableEvents(mergeLogEvents(NODES.map((n) => parseRedisLog(c.logText(n), { node: n, nameOf: (h, p) => c.nameOf(h, p) }))), { time: true });
  } finally {
    await c.close();
  }
}

const show = (sim: Comparable[], real: Comparable[]) => `simulator:\n${sim.map(formatComparable).join('\n')}\n\nreal:\n${real.map(formatComparable).join('\n')}`;

describeReal('events from the logs', () => {
  let real: Promise<Comparable[]> | null = null;
  const realOnce = () => (real ??= onReal());

  it('the script did what it says: each kind of PSYNC decision is in the real logs', async () => {
    const psyncs = new Set((await realOnce()).flatMap((c) => (c.kind === 'psync' ? [`${c.decision} ${c.why}`] : [])));
    expect([...psyncs].sort()).toEqual(['continue replid', 'continue replid2', 'full lack-of-backlog', 'full replid-mismatch', 'full second-id-offset']);
  });

  it('the comparable events of the simulator equal those read from real redis-server\'s logs', async () => {
    const [sim, r] = [await onSimulator(), await realOnce()];
    expect(firstDifference(sim, r), show(sim, r)).toBeNull();
  });

  it('a simulator with a seeded bug differs, at the record of the bug', async () => {
    const r = await realOnce();
    const second = firstDifference(await onSimulator('psync-ignores-second-offset'), r);
    // the id passes, and p's offset, beyond r1's history, fails the backlog's range instead
    expect(second?.a).toMatchObject({ kind: 'psync', node: 'r1', replica: 'p', decision: 'full', why: 'lack-of-backlog' });
    expect(second?.b).toMatchObject({ kind: 'psync', node: 'r1', replica: 'p', decision: 'full', why: 'second-id-offset' });
    // the first in time: r1's promotion without a new id (what follows differs on every node)
    const kept = firstDifference(await onSimulator('promotion-keeps-replid'), r);
    expect(kept?.stream).toBe('r1');
    expect(kept?.a).toMatchObject({ kind: 'role', node: 'r1', role: 'master' });
    expect(kept?.b).toMatchObject({ kind: 'replid', node: 'r1', why: 'replicaof-no-one' });
  });
});
