// A Sentinel on a stub context for unit tests of failover.ts: a clock the test sets, instances added by
// hand with fake command links that record what the Sentinel sends (and can answer it), its events.

import { Sentinel, type SentinelContext } from '../../sim/sentinel/sentinel.js';
import type { SentinelConfig } from '../../sim/sentinel/config.js';
import type { SentinelInstance } from '../../sim/sentinel/instance.js';
import type { RespConnection } from '../../sim/clients/connection.js';
import type { Reply } from '../../sim/redis/reply.js';
import type { Network } from '../../sim/net/network.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import { Disk } from '../../sim/net/disk.js';
import { Rng } from '../../sim/kernel/rng.js';
import { MemorySink, Trace } from '../../sim/kernel/trace.js';
import { DEFAULT_SENTINEL_HOOKS } from '../../sim/sentinel/hooks.js';
import { expect } from 'vitest';

export const SEC = 1_000_000;
export const MY_ID = 'a'.repeat(40);

export type SEvent = Extract<TraceEvent, { type: 'sentinel.event' }>;

/** A command a Sentinel sent on a fake link, with its reply callback. */
export interface Sent {
  to: string;
  args: string[];
  reply: (r: Reply | null) => void;
}

export interface Stub {
  s: Sentinel;
  /** The Sentinel's clock (s.now()): µs, the stub's virtual time plus the model's Unix epoch. */
  now(): number;
  /** Move the clock forward. */
  advance(us: number): void;
  /** Every command sent on a fake link so far. */
  sent: Sent[];
  /** The commands sent to one host, as strings ('SLAVEOF NO ONE'). */
  sentTo(host: string): string[];
  events(): SEvent[];
  /** The event names only, optionally those after index `from`. */
  names(from?: number): string[];
  /** A replica, known and connected, with INFO fresh now. */
  slave(host: string, o?: Partial<SentinelInstance>): SentinelInstance;
  /** Another Sentinel, known and connected. */
  peer(host: string, runid: string, o?: Partial<SentinelInstance>): SentinelInstance;
  /** Give an instance a connected fake command link. */
  connect(ri: SentinelInstance): void;
  /** Cut an instance's link (disconnected, no command link). */
  disconnect(ri: SentinelInstance): void;
}

export const CFG: SentinelConfig = { masterName: 'mymaster', master: 'p', quorum: 2, downAfterUs: 5 * SEC, failoverTimeoutUs: 20 * SEC, parallelSyncs: 1 };

/** Events sentinel.c 7.0.15 logs with the format "%@" alone: the instance, no detail. */
export const PLAIN_EVENTS = new Set([
  '+sdown', '-sdown', '-odown', '+try-failover', '-failover-abort-not-elected', '+failover-state-select-slave',
  '-failover-abort-no-good-slave', '+selected-slave', '+failover-state-send-slaveof-noone', '+failover-state-wait-promotion',
  '-failover-abort-slave-timeout', '+promoted-slave', '+failover-state-reconf-slaves', '+slave-reconf-sent', '+slave-reconf-inprog',
  '+slave-reconf-done', '-slave-reconf-sent-timeout', '+failover-end-for-timeout', '+failover-end', '+slave-reconf-sent-be',
  '+convert-to-slave', '+fix-slave-config', '+reset-master',
]);

const made: Stub[] = [];

/** For afterEach(): every "%@"-only event the test's stubs emitted has an empty detail; forgets the stubs. */
export function expectPlainDetails(): void {
  const bad = made.flatMap((t) => t.events().filter((e) => PLAIN_EVENTS.has(e.event) && e.detail !== '').map((e) => `${e.event} ${e.detail}`));
  made.length = 0;
  expect(bad).toEqual([]);
}

export function stub(o: { cfg?: Partial<SentinelConfig>; myid?: string; hooks?: typeof DEFAULT_SENTINEL_HOOKS } = {}): Stub {
  let clockUs = 1000 * SEC;
  const sink = new MemorySink();
  const ctx: SentinelContext = {
    name: 's1',
    nowUs: () => clockUs,
    rng: new Rng(1).stream('sentinel:s1'),
    disk: new Disk(),
    trace: new Trace(sink),
    net: null as unknown as Network,
    runId: o.myid ?? MY_ID,
    timer: () => 0,
    listen: () => {},
  };
  const s = new Sentinel(ctx, { ...CFG, ...o.cfg }, o.hooks ?? DEFAULT_SENTINEL_HOOKS);
  const sent: Sent[] = [];
  const connect = (ri: SentinelInstance) => {
    let closed = false;
    const fake = {
      get isClosed() {
        return closed;
      },
      pending: 0,
      command: (args: string[], reply: (r: Reply | null) => void = () => {}) => void sent.push({ to: ri.host, args, reply }),
      close: () => {
        closed = true;
      },
    };
    ri.link.cc = fake as unknown as RespConnection;
    ri.link.disconnected = false;
  };
  const events = () => sink.lines.map((l) => JSON.parse(l) as TraceEvent).filter((e): e is SEvent => e.type === 'sentinel.event');
  const known = (ri: SentinelInstance | null, what: string) => {
    if (!ri) throw new Error(`${what} already known`);
    return ri;
  };
  connect(s.master.inst);
  const t: Stub = {
    s,
    now: () => s.now(),
    advance: (us) => {
      clockUs += us;
    },
    sent,
    sentTo: (host) => sent.filter((c) => c.to === host).map((c) => c.args.join(' ')),
    events,
    names: (from = 0) => events().slice(from).map((e) => e.event),
    slave: (host, fields = {}) => {
      const ri = known(s.addInstance('slave', host, null, false), host);
      connect(ri);
      ri.runid = host.padEnd(40, '0');
      ri.infoRefreshUs = s.now();
      ri.slaveMasterHost = s.master.inst.host;
      ri.slaveMasterPort = 6379;
      ri.slaveMasterLinkUp = true;
      Object.assign(ri, fields);
      return ri;
    },
    peer: (host, runid, fields = {}) => {
      const ri = known(s.addInstance('sentinel', host, runid, false), host);
      connect(ri);
      Object.assign(ri, fields);
      return ri;
    },
    connect,
    disconnect: (ri) => {
      ri.link.cc = null;
      ri.link.disconnected = true;
    },
  };
  made.push(t);
  return t;
}
