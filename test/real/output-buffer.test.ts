// Differential scripts for the shared replication buffer and the replica output-buffer limit: the
// blocks 7.0.15 cuts for values bigger than a block (repl_backlog_first_byte_offset and histlen after
// each write), and a replica dropped for overcoming its output-buffer limit while its full sync's
// BGSAVE runs (rdb-key-save-delay makes the child slow on both sides), reconnecting, and dropped
// again: a sync loop, with the same offsets, counters and backlog figures on both sides.
import { expect, it } from 'vitest';
import { describeReal, itMatches, playBoth, type Cluster, type Script } from './clusters.js';

/** Poll the master's INFO replication until its first replica's state line matches (10 s at most). */
async function waitReplicaState(c: Cluster, node: string, state: RegExp): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const text = String(await c.call(node, ['INFO', 'replication']));
    if (state.test(/slave0:([^\r\n]*)/.exec(text)?.[1] ?? '')) return;
    await c.sleep(10);
  }
  throw new Error(`${node}: no replica in state ${state} after 10 s`);
}

const big = (n: number) => 'x'.repeat(n);

const SCRIPTS: Record<string, Script> = {
  'values bigger than a block: blocks capped at repl-backlog-size/16, trimmed one by one': {
    nodes: ['m', 'r'],
    config: { 'repl-backlog-size': '1mb' },
    run: async (c, { snap }) => {
      await c.replicaof('r', 'm');
      await c.waitSync();
      await c.shutdown('r', false); // the backlog stays; nobody pins a block
      await c.sleep(200);
      for (let i = 0; i < 12; i++) await c.call('m', ['SET', `k${i}`, big(100_000)]);
      await snap('12 values of 100000 bytes in 64KB-capped blocks');
      await c.call('m', ['CONFIG', 'SET', 'repl-backlog-size', '2mb']);
      for (let i = 0; i < 12; i++) await c.call('m', ['SET', `k${i}`, big(300_000)]);
      await snap('2mb backlog, 12 values of 300000 bytes in 128KB-capped blocks');
      await c.call('m', ['CONFIG', 'SET', 'repl-backlog-size', '16kb']);
      await c.call('m', ['SET', 'small', big(50_000)]);
      await snap('16kb backlog: a 50000-byte value in 16KB blocks, trimmed down to two');
    },
  },

  'a full sync outgrown by the writes during its BGSAVE: dropped at the hard limit, again and again': {
    nodes: ['m', 'r'],
    config: { 'repl-diskless-sync': 'no', 'client-output-buffer-limit': 'replica 1mb 0 0', 'repl-backlog-size': '1mb' },
    run: async (c, { snap }) => {
      for (let i = 0; i < 100; i++) await c.call('m', ['SET', `base${i}`, 'v']);
      await c.call('m', ['CONFIG', 'SET', 'rdb-key-save-delay', 20_000]); // the child takes 20 ms a key
      await c.replicaof('r', 'm');
      for (let round = 1; round <= 2; round++) {
        await waitReplicaState(c, 'm', /state=wait_bgsave/);
        // INFO says wait_bgsave both before and after the fork; real Redis reaps the child it killed
        // at the last drop within 100 ms (serverCron) and forks again at once, the model at once
        await c.sleep(500);
        for (let i = 0; i < 10; i++) await c.call('m', ['SET', `k${i}`, big(100_000)]);
        await snap(`round ${round}: ten 100000-byte writes during the BGSAVE, still under 1mb of output buffer`);
        await c.call('m', ['SET', 'k10', big(100_000)]);
        // the replica reconnects within a millisecond of the drop: snapshot once it has, not in that race
        await c.waitFor('m', 'sync_full', round + 1);
        await snap(`round ${round}: the eleventh write passed the hard limit; the replica was dropped and asked again`);
      }
      await c.call('m', ['CONFIG', 'SET', 'rdb-key-save-delay', 0]);
      await c.waitSync();
      await snap('third full sync, with no writes during it, completes');
    },
  },

  'the soft limit: over it for more than its seconds, dropped by the cron with no further write': {
    nodes: ['m', 'r'],
    config: { 'repl-diskless-sync': 'no', 'client-output-buffer-limit': 'replica 0 512kb 1', 'repl-backlog-size': '1mb' },
    run: async (c, { snap }) => {
      for (let i = 0; i < 100; i++) await c.call('m', ['SET', `base${i}`, 'v']);
      await c.call('m', ['CONFIG', 'SET', 'rdb-key-save-delay', 60_000]); // a 6 s BGSAVE
      await c.replicaof('r', 'm');
      await waitReplicaState(c, 'm', /state=wait_bgsave/);
      await c.sleep(500);
      for (let i = 0; i < 6; i++) await c.call('m', ['SET', `k${i}`, big(100_000)]);
      await snap('600 KB written during the BGSAVE: over the 512kb soft limit, its clock starts');
      await c.sleep(500);
      await snap('0.5 s later: not over it for more than 1 s yet, kept');
      await c.sleep(2500);
      await snap('3 s later, with no write: clientsCron dropped it, and it asked for a full sync again at once');
      await c.call('m', ['CONFIG', 'SET', 'rdb-key-save-delay', 0]);
      await c.waitSync();
      await snap('the next full sync, with no writes during it, completes');
    },
  },
};

describeReal('output-buffer limits and replication buffer blocks', () => {
  itMatches(SCRIPTS);

  it('the comparison can fail: uncapped blocks (the pre-7.0.10 rule) trim differently', async () => {
    const { real, sim } = await playBoth(SCRIPTS['values bigger than a block: blocks capped at repl-backlog-size/16, trimmed one by one']!, 'repl-blocks-not-capped');
    expect(sim.snapshots.map((x) => x.nodes.m)).not.toEqual(real.snapshots.map((x) => x.nodes.m));
  });

  it('the comparison can fail: a soft limit that never fires keeps the replica', async () => {
    const { real, sim } = await playBoth(SCRIPTS['the soft limit: over it for more than its seconds, dropped by the cron with no further write']!, 'obuf-soft-limit-never-fires');
    expect(sim.snapshots.slice(0, 2)).toEqual(real.snapshots.slice(0, 2));
    expect(real.snapshots[2]!.nodes.m).toMatchObject({ sync_full: 2 });
    expect(sim.snapshots[2]!.nodes.m).toMatchObject({ sync_full: 1 });
  });
});
