// What a +switch-master keeps: sentinelResetMaster() (7.0.15) resets the master's instance in place,
// so its hello and INFO clocks and its link's last reconnection attempt carry over to the new address
// (checked against real redis-sentinel in test/real/sentinel-differential.test.ts).

import { describe, expect, it } from 'vitest';
import { world, SEC } from '../support/redis.js';
import type { SentinelConfig } from '../../sim/sentinel/config.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import { RespConnection } from '../../sim/clients/connection.js';
import { SYN_GIVE_UP_US } from '../../sim/net/network.js';
import { HELLO_CHANNEL } from '../../sim/sentinel/sentinel.js';

const cfg: SentinelConfig = { masterName: 'mymaster', master: 'p', quorum: 2, downAfterUs: 2 * SEC, failoverTimeoutUs: 4 * SEC, parallelSyncs: 1 };
const NAMES = ['s1', 's2', 's3'];

describe('Sentinel +switch-master', () => {
  for (const seed of [1, 2, 3]) {
    it(`keeps the master instance's clocks: hello to the new master once its link is up, INFO when the old period ends, reconnection a second after the last attempt (seed ${seed})`, () => {
      const w = world({ seed, nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } }, sentinels: Object.fromEntries(NAMES.map((n) => [n, { config: cfg }])) });
      w.runFor(20 * SEC);
      w.crash('p');
      const switched = new Map<string, { atUs: number; infoRefreshUs: number; beforeUs: number }>();
      const before = new Map<string, number>();
      let hellos: { atUs: number; id: string }[] | null = null;
      const ok = w.runUntil(() => {
        for (const x of NAMES) {
          const m = w.sentinel(x).master;
          if (m.inst.host === 'p') before.set(x, m.inst.infoRefreshUs);
          else if (!switched.has(x)) switched.set(x, { atUs: w.sched.nowUs, infoRefreshUs: m.inst.infoRefreshUs, beforeUs: before.get(x)! });
        }
        // listen on the new master from the first switch on (the leader's CLIENT KILL TYPE pubsub is behind it)
        if (hellos === null && switched.size > 0) {
          hellos = [];
          const got = hellos;
          w.net.addHost('probe');
          const host = [...switched.keys()].map((x) => w.sentinel(x).master.inst.host)[0]!;
          const c = new RespConnection(w.net, 'probe', host, SYN_GIVE_UP_US, {
            onPush: (r) => {
              if (Array.isArray(r) && r[0] === 'message') got.push({ atUs: w.sched.nowUs, id: String(r[2]).split(',')[2]! });
            },
          });
          c.command(['SUBSCRIBE', HELLO_CHANNEL]);
        }
        return switched.size === NAMES.length;
      }, 30 * SEC);
      expect(ok).toBe(true);
      w.runFor(4 * SEC);
      const events = w.events();
      for (const x of NAMES) {
        const sw = switched.get(x)!;
        // INFO: the old master's last reply time, not "never" (which would ask the new master at once)
        expect(sw.infoRefreshUs).toBe(sw.beforeUs);
        expect(sw.infoRefreshUs).toBeGreaterThan(0);
        // the link: reopened no sooner than a second after the last attempt at the dead address
        const connects = events.filter((e): e is Extract<TraceEvent, { type: 'net.connect' }> => e.type === 'net.connect' && e.from === x);
        const lastToOld = connects.filter((e) => e.to === 'p' && e.t <= sw.atUs).at(-1)!;
        const firstToNew = connects.find((e) => e.to !== 'p' && e.t >= sw.atUs && e.to === w.sentinel(x).master.inst.host)!;
        expect(firstToNew.t - lastToOld.t).toBeGreaterThanOrEqual(SEC);
        // hello: the dead master's last answered hello is old, so one goes out as soon as the link is up
        const first = hellos!.find((h) => h.id === w.sentinel(x).myid && h.atUs >= sw.atUs)!;
        expect(first.atUs - firstToNew.t).toBeLessThan(SEC / 5);
      }
    });
  }
});
