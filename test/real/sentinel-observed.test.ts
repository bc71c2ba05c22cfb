// Facts about real redis-sentinel 7.0 that a simulated Sentinel must reproduce, pinned against the real
// binaries (research/redis-sentinel-observed.md has the figures): the event order of one failover after
// the master is killed, its epoch and promoted replica, and the bytes each hello adds to the stream.
import { describe, expect, it } from 'vitest';
import { delay, pairs, sentinelCommand, withSentinels, type Message, type RealSentinels } from './sentinels.js';

const how = sentinelCommand();
const reason = 'reason' in how ? how.reason : null;
const required = process.env.REPLSIM_REAL_REDIS === '1';
if (reason && !required) console.warn(`test/real/sentinel-observed: skipped: ${reason}`);

/** The RESP bytes of a command as a master propagates it. */
function resp(args: string[]): number {
  return Buffer.byteLength(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
}

/** One Sentinel's events about the failover, labelled, in the order it published them. */
function story(s: RealSentinels, evs: Message[], sentinel: string, channels: readonly string[]): string[] {
  return evs
    .filter((e) => e.from === sentinel && channels.includes(e.channel))
    .map((e) => `${e.channel} ${s.label(e.payload)}`)
    .filter((l) => !l.startsWith('+sdown slave s0 ')); // the dead old master, re-added as a replica by the switch
}

const LEADER_CHANNELS = [
  '+sdown', '+odown', '+new-epoch', '+try-failover', '+vote-for-leader', '+elected-leader', '+failover-state-select-slave',
  '+selected-slave', '+failover-state-send-slaveof-noone', '+failover-state-wait-promotion', '+promoted-slave',
  '+failover-state-reconf-slaves', '+slave-reconf-sent', '+slave-reconf-inprog', '+slave-reconf-done', '+failover-end',
  '+switch-master', '-failover-abort-not-elected', '+failover-end-for-timeout', '+convert-to-slave',
] as const;

describe.skipIf(reason !== null && !required)(`real redis-sentinel ${'version' in how ? how.version : '(not installed)'}: observed`, () => {
  it('redis-sentinel is available and is 7.0', () => {
    expect(reason).toBeNull();
  });

  // down-after 2000 ms, not 1000: with 1000 a Sentinel that switches to the new master can mark it
  // SDOWN before its rate-limited reconnection (one per second) gets a PONG, and stale "master down"
  // replies about the old address then make it ODOWN at once: a second failover (2 runs in 11).
  it('master killed: one leader in epoch 1 takes the failover through every state; the replica with the smaller run id is promoted', async () => {
    await withSentinels({ replicas: 2, sentinels: 3, quorum: 2, downAfterMs: 2000, failoverTimeoutMs: 4000 }, async (s) => {
      const runid: Record<string, string> = {};
      for (const n of s.servers) runid[n] = (await s.info(n, 'server')).run_id!;
      const oldReplid = (await s.info('s0')).master_replid;
      const t = s.now();
      await s.kill('s0');
      // both replicas end with every byte the dead master sent: the tie goes to the run id
      await s.waitUntil(async () => (await s.info('s1')).master_link_status === 'down' && (await s.info('s2')).master_link_status === 'down', 5000, 'links down');
      const [o1, o2] = [(await s.info('s1')).slave_repl_offset, (await s.info('s2')).slave_repl_offset];
      expect(o1).toBe(o2);
      const promoted = runid.s1! < runid.s2! ? 's1' : 's2';
      const other = promoted === 's1' ? 's2' : 's1';

      await s.waitFor((e) => e.channel === '+failover-end', 30_000, '+failover-end');
      await s.waitUntil(async () => {
        for (const x of s.sentinels) if ((await s.masterOf(x)) !== promoted) return false;
        const i = await s.info(other);
        return i.master_port === String(s.port(promoted)) && i.master_link_status === 'up';
      }, 15_000, 'every Sentinel switched and the other replica linked');
      const evs = s.events(t);

      const elected = evs.filter((e) => e.channel === '+elected-leader');
      expect(elected.length).toBe(1);
      const leader = elected[0]!.from;
      expect(evs.filter((e) => e.channel === '+new-epoch').map((e) => `${e.from} ${e.payload}`).sort()).toEqual(s.sentinels.map((x) => `${x} 1`));
      // one vote each in epoch 1; a Sentinel that reached ODOWN before the leader's request came votes
      // for itself (seen in about one run in 25), and the leader still has a majority
      const votes = evs.filter((e) => e.channel === '+vote-for-leader').map((e) => `${e.from} ${s.label(e.payload)}`).sort();
      expect(votes.map((v) => v.split(' ')[0])).toEqual(s.sentinels);
      for (const v of votes) expect(v.endsWith(` ${leader} 1`) || v === `${v.split(' ')[0]} ${v.split(' ')[0]} 1`).toBe(true);
      expect(votes.filter((v) => v.endsWith(` ${leader} 1`)).length).toBeGreaterThanOrEqual(2);

      const m = 'mymaster s0';
      expect(story(s, evs, leader, LEADER_CHANNELS)).toEqual([
        `+sdown master ${m}`, `+odown master ${m} #quorum ${/#quorum (\d+)/.exec(evs.find((e) => e.from === leader && e.channel === '+odown')!.payload)![1]}/2`,
        '+new-epoch 1', `+try-failover master ${m}`, `+vote-for-leader ${leader} 1`, `+elected-leader master ${m}`,
        `+failover-state-select-slave master ${m}`, `+selected-slave slave ${promoted} ${promoted} @ ${m}`,
        `+failover-state-send-slaveof-noone slave ${promoted} ${promoted} @ ${m}`, `+failover-state-wait-promotion slave ${promoted} ${promoted} @ ${m}`,
        `+promoted-slave slave ${promoted} ${promoted} @ ${m}`, `+failover-state-reconf-slaves master ${m}`,
        `+slave-reconf-sent slave ${other} ${other} @ ${m}`, `+slave-reconf-inprog slave ${other} ${other} @ ${m}`,
        `+slave-reconf-done slave ${other} ${other} @ ${m}`, `+failover-end master ${m}`, `+switch-master mymaster s0 ${promoted}`,
      ]);
      for (const x of s.sentinels.filter((x) => x !== leader)) {
        // a voter may vote before its own SDOWN, and its +odown comes whenever its next ask is answered
        const mine = story(s, evs, x, [...LEADER_CHANNELS, '+config-update-from']).filter((l) => !l.startsWith('+odown') && !l.startsWith('+sdown'));
        const tried = mine.includes(`+try-failover master ${m}`);
        // a rival's own attempt ends at the switch (the reset clears its failover state): no abort event
        expect(mine).toEqual([
          '+new-epoch 1', ...(tried ? [`+try-failover master ${m}`, `+vote-for-leader ${x} 1`] : [`+vote-for-leader ${leader} 1`]),
          `+config-update-from sentinel ${leader} ${leader} @ ${m}`, `+switch-master mymaster s0 ${promoted}`,
        ]);
        expect(story(s, evs, x, ['+sdown'])).toEqual([`+sdown master ${m}`]);
      }
      // the switch re-adds the old master as a replica of the new one on every Sentinel
      for (const x of s.sentinels) {
        const after = evs.filter((e) => e.from === x).map((e) => `${e.channel} ${s.label(e.payload)}`);
        const sw = after.indexOf(`+switch-master mymaster s0 ${promoted}`);
        expect(after.slice(sw + 1, sw + 3).sort()).toEqual([`+slave slave ${other} ${other} @ mymaster ${promoted}`, `+slave slave s0 s0 @ mymaster ${promoted}`].sort());
        expect(pairs(await s.call(x, ['SENTINEL', 'MASTER', 'mymaster']))['config-epoch']).toBe('1');
      }

      const info = await s.replication();
      const p = info[promoted] as Record<string, string>;
      const o = info[other] as Record<string, string>;
      expect([p.role, p.connected_slaves, p.master_replid2]).toEqual(['master', '1', oldReplid]);
      expect([o.role, o.master_port, o.master_link_status, o.master_replid]).toEqual(['slave', String(s.port(promoted)), 'up', p.master_replid]);
      expect(info.s0).toBe('down');
    });
  });

  it('hello: each is one PUBLISH in the master stream (plus one SELECT before the first); the Sentinels\' PINGs add nothing', async () => {
    let offsetBefore = -1;
    await withSentinels({
      replicas: 2, sentinels: 3, quorum: 2, serverConfig: { 'repl-ping-replica-period': 3600 },
      beforeSentinels: async (s) => {
        await s.subscribe('s0', '__sentinel__:hello');
        offsetBefore = Number((await s.info('s0')).master_repl_offset);
      },
    }, async (s) => {
      await delay(4500);
      for (const x of s.sentinels) await s.call(x, ['SENTINEL', 'DEBUG', 'publish-period', 3_600_000]);
      await delay(500); // a PUBLISH already sent lands
      const hellos = s.all().filter((m) => m.from === 's0' && m.channel === '__sentinel__:hello');
      const offset = Number((await s.info('s0')).master_repl_offset);
      const bytes = hellos.reduce((sum, h) => sum + resp(['PUBLISH', '__sentinel__:hello', h.payload]), 0);
      expect(offset - offsetBefore).toBe(resp(['SELECT', '0']) + bytes);
      for (const r of ['s1', 's2']) expect(Number((await s.info(r)).master_repl_offset)).toBe(offset);

      // ip,port,runid,current_epoch of the Sentinel; name,ip,port,config_epoch of the master it knows
      const myid: Record<string, string> = {};
      for (const x of s.sentinels) myid[x] = String(await s.call(x, ['SENTINEL', 'MYID']));
      for (const x of s.sentinels) {
        const mine = hellos.filter((h) => h.payload.split(',')[2] === myid[x]);
        expect(mine.length).toBeGreaterThanOrEqual(2);
        for (const h of mine) expect(h.payload).toBe(`127.0.0.1,${s.port(x)},${myid[x]},0,mymaster,127.0.0.1,${s.port('s0')},0`);
        // sent only when the last one was answered more than 2 s ago: never two within the period
        const span = mine[mine.length - 1]!.atMs - mine[0]!.atMs;
        expect(span).toBeGreaterThan((mine.length - 1) * 2000 - 250);
      }

      const stats = async () => {
        const c = await s.info('s0', 'commandstats');
        const calls = (k: string) => Number(/calls=(\d+)/.exec(c[k] ?? '')?.[1] ?? 0);
        return { ping: calls('cmdstat_ping'), offset: Number((await s.info('s0')).master_repl_offset) };
      };
      const a = await stats();
      await delay(2500);
      const b = await stats();
      expect(b.ping - a.ping).toBeGreaterThanOrEqual(3);
      expect(b.offset).toBe(a.offset);
    });
  });
});
