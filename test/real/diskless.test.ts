// Differential scripts with 7.0's diskless full sync (repl-diskless-sync yes, the default): the
// delay that gathers replicas, the master's replica states
// (INFO slaveN) and the replicas' master_sync_in_progress as the transfer goes, and the restart of
// a master without persistence. Each runs on the simulator and on real redis-server processes;
// the INFO snapshots and the observations must be the same. rdb-key-save-delay slows the child.
import { expect, it } from 'vitest';
import { describeReal, itMatches, type Cluster, type Config, type Script } from './clusters.js';
import { loadBuiltin } from '../../sim/harness/sources.js';
import { loadScenario } from '../../sim/scenario/load.js';
import { simulate } from '../../sim/harness/simulate.js';
import { runReal } from '../../sim/backends/real/run.js';
import { snapshotDifference } from '../../sim/harness/backend-diff.js';

/** Diskless sync as 7.0 ships it (BASE_CONFIG says no); 20 keys x 100 ms make a 2 s child. */
const DISKLESS: Config = { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 5, 'rdb-key-save-delay': 100000 };

async function writes(c: Cluster, node: string, n: number, prefix = 'key:'): Promise<void> {
  for (let i = 1; i <= n; i++) await c.call(node, ['SET', `${prefix}${i}`, 'vvvvvvvv']);
}

const MASTER_FIELDS = ['connected_slaves', 'slave0', 'slave1', 'sync_full', 'sync_partial_err', 'rdb_bgsave_in_progress'];
const REPLICA_FIELDS = ['master_link_status', 'master_sync_in_progress', 'loading'];

export const DISKLESS_SCRIPTS: Record<string, Script> = {
  'diskless: the master waits repl-diskless-sync-delay, and a replica arriving within it joins the same transfer': {
    nodes: ['m', 'r1', 'r2'],
    config: DISKLESS,
    run: async (c, { snap, observe }) => {
      await writes(c, 'm', 20);
      await c.replicaof('r1', 'm');
      await c.sleep(1500);
      await observe('within the delay', 'm', MASTER_FIELDS);
      await observe('within the delay', 'r1', REPLICA_FIELDS);
      await c.replicaof('r2', 'm');
      await c.waitFor('r1', 'master_sync_in_progress', 1);
      await c.waitFor('r2', 'master_sync_in_progress', 1);
      await observe('transfer', 'm', MASTER_FIELDS);
      await writes(c, 'm', 3, 'during:');
      await c.waitSync();
      await snap('both synced by one child');
      await observe('after', 'm', MASTER_FIELDS);
    },
  },
  'diskless load: on-empty-db and swapdb replicas read the stream from the socket; until its bytes arrive the old data is served': {
    nodes: ['m', 'r1', 'r2'],
    config: { ...DISKLESS, 'rdb-key-save-delay': 150000 },
    perNode: { r1: { 'repl-diskless-load': 'on-empty-db' }, r2: { 'repl-diskless-load': 'swapdb' } },
    run: async (c, { snap, observe }) => {
      await writes(c, 'm', 20);
      await c.call('r2', ['SET', 'own', '1']);
      await c.replicaof('r1', 'm');
      await c.replicaof('r2', 'm');
      await c.waitFor('r1', 'master_sync_in_progress', 1);
      await c.waitFor('r2', 'master_sync_in_progress', 1);
      await c.sleep(500);
      await observe('transfer', 'r1', [...REPLICA_FIELDS, 'async_loading']);
      await observe('transfer', 'r2', [...REPLICA_FIELDS, 'async_loading']);
      await snap('during the transfer: r2 still has its own key');
      await c.waitSync();
      await snap('both loaded');
    },
  },
  'diskless: a replica dropping during the transfer leaves the others in it; when the last one drops the child ends': {
    nodes: ['m', 'r1', 'r2'],
    config: DISKLESS,
    run: async (c, { snap, observe }) => {
      await writes(c, 'm', 20);
      await c.replicaof('r1', 'm');
      await c.replicaof('r2', 'm');
      await c.waitFor('r1', 'master_sync_in_progress', 1);
      await c.waitFor('r2', 'master_sync_in_progress', 1);
      await c.shutdown('r2', false);
      await c.sleep(300);
      await observe('r2 gone during the transfer', 'm', MASTER_FIELDS);
      await c.waitSync();
      await snap('r1 synced alone');
      await c.replicaof('r1', null);
      await c.restart('r2', { replicaof: 'm' });
      await c.waitFor('r2', 'master_sync_in_progress', 1);
      await c.shutdown('r2', false);
      await c.sleep(300);
      await observe('the only replica gone', 'm', MASTER_FIELDS);
      await c.sleep(2500);
      await observe('the child has ended', 'm', MASTER_FIELDS);
      await snap('no replicas left');
    },
  },
  'diskless: a master without persistence restarts empty and its replica is wiped': {
    nodes: ['m', 'r'],
    config: { 'repl-diskless-sync': 'yes' },
    run: async (c, { snap, observe }) => {
      await c.replicaof('r', 'm');
      await c.waitFor('m', 'connected_slaves', 1); // the backlog exists: the writes count in the offset
      await writes(c, 'm', 20);
      await c.waitSync();
      await snap('synced');
      await c.sleep(100); // the replica's first ACK reaches the master: SHUTDOWN then has no lagging replica to wait for
      await c.shutdown('m', false);
      await c.restart('m');
      await c.sleep(1000);
      await observe('master back, within the delay', 'r', ['master_link_status']);
      await snap('master back empty, replica not wiped yet');
      await c.waitSync();
      await snap('replica wiped by the full sync');
    },
  },
};

describeReal('differential, diskless sync', () => {
  itMatches(DISKLESS_SCRIPTS);

  // the late replica's wait for the next child is the built-in diskless-late-replica, whose snapshot
  // steps the both-backends check compares with real redis-server (test/backends/builtins-both-*)
  it('the comparison can fail: with diskless-late-replica-joins the late replica is in the first transfer, which the built-in\'s snapshots show against real Redis', async () => {
    const sc = loadBuiltin('diskless-late-replica');
    const real = await runReal(loadScenario(sc, 'diskless-late-replica').resolved, { seed: 1, network: 'loopback' });
    const buggy = simulate(sc, { seed: 1, mutant: 'diskless-late-replica-joins' });
    const d = snapshotDifference(buggy.snapshots ?? [], real.snapshots ?? []);
    expect(d?.label).toBe('r2 arrived during the transfer (r2)');
    expect(d?.fields).toEqual([{ node: 'r2', field: 'master_sync_in_progress', sim: 1, real: 0 }]);
  }, 60_000);
});
