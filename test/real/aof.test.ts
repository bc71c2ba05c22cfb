// Differential scripts for appendonly yes: a master and a replica restarted from their AOF (after
// SHUTDOWN and after kill -9, with and without the RDB preamble) on the simulator and on real
// redis-server 7.0.15. Real 7.0.15 restores no replication id or offset from an AOF, so the master
// comes back with a fresh replid at offset 0 and its replicas fully resync; a replica comes back
// without a cached master. Every reply and every INFO snapshot must be the same on both.
//
// A real kill -9 keeps what the process had written to the page cache, while the simulator's crash
// is a host crash that loses the unfsynced AOF tail: the scripts let the everysec fsync pass (1.5 s)
// before they kill, so that both keep every write; and only a master is killed (its replicas are
// down then), since after a host crash the peers keep a dead link until they time out.
import { expect, it } from 'vitest';
import { describeReal, itMatches, playBoth, type Recorder, type Script } from './clusters.js';

async function writes(call: Recorder['call'], node: string, n: number, prefix: string): Promise<void> {
  for (let i = 1; i <= n; i++) await call(node, ['SET', `${prefix}${i}`, `v${i}`]);
}

export const AOF_SCRIPTS: Record<string, Script> = {
  'a master restarted from its AOF (SHUTDOWN, kill -9, no RDB preamble): a fresh replid at offset 0, its replicas fully resync': {
    // the replicas are down while m restarts and come back 1.5 s later: a real master that loaded
    // an AOF with an RDB preamble often runs its first replicationCron only ~900 ms after boot
    // (whileBlockedCron() advanced cronloops during the load when it took a millisecond or more),
    // and that first run PINGs any replica already attached; the model does not draw that race
    nodes: ['m', 'r1', 'r2'],
    perNode: { m: { appendonly: 'yes' }, r1: { save: '3600 1' }, r2: { save: '3600 1' } },
    run: async (c, { call, snap, observe }) => {
      await c.replicaof('r1', 'm');
      await c.replicaof('r2', 'm');
      await c.waitSync();
      await writes(call, 'm', 20, 'a:');
      await call('m', ['SELECT', 2]);
      await call('m', ['RPUSH', 'list', 'x', 'y']);
      await c.waitSync();
      await snap('before the restart');
      const bounce = async (stop: () => Promise<void>) => {
        await c.shutdown('r1', true);
        await c.shutdown('r2', true);
        await stop();
        await c.restart('m');
        await c.sleep(1500);
        await c.restart('r1', { replicaof: 'm' });
        await c.restart('r2', { replicaof: 'm' });
        await c.waitSync();
      };
      await bounce(() => c.shutdown('m', false)); // NOSAVE: the AOF is fsynced all the same
      await snap('m back from its AOF after SHUTDOWN NOSAVE');
      await writes(call, 'm', 5, 'b:');
      await c.sleep(1500); // the everysec fsync has run
      await bounce(() => c.crash('m'));
      await snap('m back from its AOF after kill -9');
      await call('m', ['CONFIG', 'SET', 'aof-use-rdb-preamble', 'no']);
      await call('m', ['BGREWRITEAOF']);
      await c.sleep(500);
      await writes(call, 'm', 3, 'c:');
      // a base of commands has the same bytes in the model as on the server; the sleep lets a
      // real everysec master write its postponed buffer (a pending background fsync of the
      // rewrite's files postpones write(2) for up to 2 s while the replies go out)
      await c.sleep(2500);
      await observe('INFO persistence', 'm', ['aof_enabled', 'aof_rewrites', 'aof_rewrite_scheduled', 'aof_current_size', 'aof_base_size']);
      await bounce(() => c.shutdown('m', true));
      await snap('m back from a base without the RDB preamble');
      await observe('INFO persistence', 'm', ['aof_enabled', 'aof_rewrites', 'aof_current_size', 'aof_base_size', 'rdb_last_load_keys_loaded']);
    },
  },

  'a replica restarted from its AOF has no cached master and fully resyncs': {
    nodes: ['m', 'r'],
    perNode: { r: { appendonly: 'yes' } },
    run: async (c, { call, snap }) => {
      await c.replicaof('r', 'm');
      await c.waitSync();
      await writes(call, 'm', 10, 'a:');
      await c.waitSync();
      // after its full sync a replica with AOF on rewrites its AOF (restartAOFAfterSYNC()); until
      // that is done a real SHUTDOWN is refused ("Writing initial AOF, can't exit."): the model's
      // rewrite is instantaneous, so the script waits for the real one
      await c.sleep(500);
      await c.shutdown('r', false);
      await writes(call, 'm', 3, 'while-down:');
      await c.restart('r', { replicaof: 'm' });
      await c.waitSync();
      await c.sleep(500);
      await snap('r back from its AOF after SHUTDOWN');
      // a real kill -9 closes the process's sockets at once; the simulator's crash is a host
      // crash, after which m keeps the old link until it times out, so the kill is not compared
      await call('r', ['CONFIG', 'SET', 'appendfsync', 'always']);
      await call('r', ['BGREWRITEAOF']);
      await c.sleep(500);
      await c.shutdown('r', true);
      await writes(call, 'm', 2, 'while-down-again:');
      await c.restart('r', { replicaof: 'm' });
      await c.waitSync();
      await snap('r back from a rewritten AOF after SHUTDOWN SAVE');
    },
  },
};

describeReal('AOF', () => {
  itMatches(AOF_SCRIPTS);

  it('the comparison can fail: mutant aof-restart-restores-rdb-offset (the replica resumes from its dump.rdb\'s id and offset) continues partially where 7.0.15 fully resyncs', async () => {
    const { real, sim: buggy } = await playBoth(AOF_SCRIPTS['a replica restarted from its AOF has no cached master and fully resyncs']!, 'aof-restart-restores-rdb-offset');
    const counters = (p: typeof real) => {
      const m = p.snapshots[0]!.nodes.m as Record<string, unknown>;
      return [m.sync_full, m.sync_partial_ok];
    };
    expect(counters(real)).toEqual([2, 0]);
    expect(counters(buggy)).toEqual([1, 1]);
  });
});
