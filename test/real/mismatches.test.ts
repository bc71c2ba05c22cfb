// Differential scripts for mismatches between the model and real redis-server 7.0.15 (issue 10):
// refusals while a transaction is queued (NOREPLICAS, READONLY, unknown commands, arity) and the
// backlog a restarting master frees or keeps after feeding DELs of keys that expired while it was
// down (redis PR #12088). Every reply and every INFO snapshot must be the same on both.
import { describeReal, itMatches, type Script } from './clusters.js';

export const MISMATCH_SCRIPTS: Record<string, Script> = {
  'MULTI: NOREPLICAS, READONLY, unknown commands and arity errors refuse the command while queueing and abort EXEC': {
    nodes: ['m', 'r'],
    perNode: { m: { 'min-replicas-to-write': 1, 'min-replicas-max-lag': 10 } },
    run: async (c, { call, snap }) => {
      // no good replica: the write is refused when queued, a read is queued, EXEC aborts
      for (const a of [['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['EXEC']]) await call('m', a);
      // a read-only transaction still runs
      for (const a of [['MULTI'], ['GET', 'a'], ['EXEC']]) await call('m', a);
      // DISCARD clears the flag
      for (const a of [['MULTI'], ['SET', 'a', '1'], ['DISCARD'], ['GET', 'a']]) await call('m', a);
      await c.replicaof('r', 'm');
      await c.waitSync();
      await c.sleep(1500); // the good-replica count is refreshed once a second
      for (const a of [['MULTI'], ['SET', 'a', '1'], ['INCR', 'n'], ['EXEC']]) await call('m', a);
      // a read-only replica refuses a queued write
      for (const a of [['MULTI'], ['SET', 'b', '1'], ['GET', 'a'], ['EXEC']]) await call('r', a);
      // an unknown command and a wrong arity flag the transaction too
      for (const a of [['MULTI'], ['SETX', 'k'], ['SET', 'c', '1'], ['EXEC']]) await call('m', a);
      for (const a of [['MULTI'], ['SET', 'k'], ['EXEC']]) await call('m', a);
      await c.waitSync();
      await snap('after the transactions');
      // queued while the replica was good; at EXEC it is gone: EXEC itself is refused with the reason
      for (const a of [['MULTI'], ['SET', 'late', '1']]) await call('m', a);
      await c.shutdown('r', false);
      await c.sleep(1500);
      await call('m', ['EXEC']);
      await call('m', ['GET', 'late']);
      await snap('after the refused EXEC');
    },
  },

  'a master restarted from an RDB without replication info feeds DELs of expired keys, then frees its backlog': {
    nodes: ['m', 'r'],
    run: async (c, { call, snap }) => {
      await call('m', ['SET', 'a', '1']);
      await call('m', ['SET', 'x1', 'v', 'PX', 1500]);
      await call('m', ['SET', 'x2', 'v', 'PX', 1500]);
      await call('m', ['SELECT', 3]);
      await call('m', ['SET', 'y', 'v', 'PX', 1500]);
      await call('m', ['SAVE']); // no replica ever: the RDB carries no replication info
      await c.shutdown('m', false);
      await c.sleep(2500);
      await c.restart('m');
      await snap('m restarted: offset moved by the DELs, backlog freed');
      await c.replicaof('r', 'm');
      await c.waitSync();
      await snap('first replica: a new backlog under a new id');
    },
  },

  'a master restarted from its RDB with replication info keeps its backlog and a replica resumes with the DELs': {
    nodes: ['m', 'r'],
    run: async (c, { call, snap }) => {
      await c.replicaof('r', 'm');
      await c.waitSync();
      await call('m', ['SET', 'a', '1']);
      await call('m', ['SET', 'x1', 'v', 'PX', 1500]);
      await call('m', ['SET', 'x2', 'v', 'PX', 1500]);
      await c.waitSync();
      await c.sleep(1200); // the replica's once-a-second ACK is in: SHUTDOWN sends no GETACK
      await c.shutdown('m', true);
      await c.sleep(2500);
      await c.restart('m');
      await c.waitSync();
      await snap('r resumed from the restarted m');
    },
  },
};

describeReal('mismatches found', () => {
  itMatches(MISMATCH_SCRIPTS);
});
