// One Sentinel script, two deployments behind one interface: real redis-server + redis-sentinel 7.0
// on 127.0.0.1 (test/real/sentinels.ts), or a simulated World with the same names (servers s0..s2,
// Sentinels x0..x2), events, INFO and hello messages reported alike (sentinel-differential.test.ts).
import { World } from '../../sim/cluster/world.js';
import { MemorySink } from '../../sim/kernel/trace.js';
import { SYN_GIVE_UP_US } from '../../sim/net/network.js';
import { RespConnection } from '../../sim/clients/connection.js';
import { HELLO_CHANNEL } from '../../sim/sentinel/sentinel.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import type { Seed } from '../../sim/kernel/rng.js';
import type { MutantName } from '../../sim/redis/mutants.js';
import { delay, pairs, withSentinels, type Config, type RealSentinels } from './sentinels.js';

/** One Sentinel event: the instance and detail as Sentinel's log writes them, addresses and run ids as names. */
export interface Ev {
  from: string;
  atMs: number;
  event: string;
  text: string;
}

/** What INFO says about one server (master_host as a server name). */
export interface ServerView {
  role: 'master' | 'slave';
  masterHost: string | null;
  linkUp: boolean;
  masterReplOffset: number;
  slaveReplOffset: number;
  priority: number;
  runid: string;
  /** sync_full, sync_partial_ok, sync_partial_err (INFO stats). */
  syncs: [number, number, number];
}

/** A hello message a subscriber on a server received, and what it says with addresses as names. */
export interface Hello {
  atMs: number;
  payload: string;
  /** The Sentinel that sent it. */
  from: string;
  /** `<epoch> <master> <config epoch>`: the sender's current epoch and the master as it sees it. */
  says: string;
}

export interface Setup {
  downAfterMs: number;
  failoverTimeoutMs: number;
  /** redis.conf settings per server (e.g. replica-priority). */
  perServer?: Record<string, Config>;
}

/**
 * Settings both deployments' servers run with: no saves, no replication PINGs (the stream carries
 * hellos only), and the first full syncs without the diskless delay (a faster start); BOOTED puts
 * 7.0.15's default delay back before the Sentinels start, for the syncs a failover causes.
 */
export const SERVER_CONFIG: Config = { save: '', 'repl-ping-replica-period': 3600, 'repl-diskless-sync-delay': 0 };
const BOOTED = ['CONFIG', 'SET', 'repl-diskless-sync-delay', '5'];
/** Events whose log line does not name the instance (their format has no %@); the trace still gives it. */
const NO_INSTANCE = new Set(['+switch-master', '+new-epoch', '+vote-for-leader']);

export interface Backend {
  readonly kind: 'real' | 'sim';
  readonly servers: readonly string[];
  readonly sentinels: readonly string[];
  nowMs(): number;
  events(): Ev[];
  /**
   * Hellos a server executed (sent to it, or to its master and propagated), from a subscription
   * opened before the first one (re-opened after each CLIENT KILL TYPE pubsub); s0's offset then.
   */
  hellos(n?: string): Hello[];
  readonly helloBaseOffset: number;
  sleep(ms: number): Promise<void>;
  waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void>;
  kill(n: string): Promise<void>;
  /** SIGSTOP now and SIGCONT ms later (returns at once; the process stays stopped meanwhile). */
  pause(n: string, ms: number): Promise<void>;
  restart(n: string): Promise<void>;
  info(n: string): Promise<ServerView | 'down'>;
  /** The master a Sentinel names (get-master-addr-by-name) and its config-epoch. */
  sentinelView(x: string): Promise<{ master: string; configEpoch: number }>;
  /** Cut replica n off its master's stream while it keeps answering the Sentinels. */
  lag(n: string): Promise<void>;
  set(key: string, value: string): Promise<void>;
}

const SERVERS = ['s0', 's1', 's2'];
const SENTINELS = ['x0', 'x1', 'x2'];

// ---- real processes ----

class RealBackend implements Backend {
  readonly kind = 'real';
  readonly servers = SERVERS;
  readonly sentinels = SENTINELS;
  constructor(private readonly s: RealSentinels, readonly helloBaseOffset: number) {}
  nowMs() {
    return this.s.now();
  }
  events(): Ev[] {
    return this.s.events().map((m) => ({ from: m.from, atMs: m.atMs, event: m.channel, text: this.s.label(m.payload) }));
  }
  hellos(n = 's0'): Hello[] {
    return this.s.all().filter((m) => m.from === n && m.channel === HELLO_CHANNEL).map((m) => {
      const f = m.payload.split(',');
      return { atMs: m.atMs, payload: m.payload, from: this.s.nameOfPort(f[1]!), says: `${f[3]} ${this.s.nameOfPort(f[6]!)} ${f[7]}` };
    });
  }
  sleep(ms: number) {
    return delay(ms);
  }
  async waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
    await this.s.waitUntil(async () => cond(), timeoutMs, what);
  }
  kill(n: string) {
    return this.s.kill(n);
  }
  async pause(n: string, ms: number) {
    this.s.stop(n);
    setTimeout(() => this.s.cont(n), ms);
  }
  restart(n: string) {
    return this.s.restart(n);
  }
  async info(n: string): Promise<ServerView | 'down'> {
    if (!this.s.running(n)) return 'down';
    const r = await this.s.info(n, 'replication');
    const runid = (await this.s.info(n, 'server')).run_id!;
    const st = await this.s.info(n, 'stats');
    return {
      role: r.role === 'master' ? 'master' : 'slave',
      masterHost: r.role === 'slave' ? this.s.nameOfPort(r.master_port!) : null,
      linkUp: r.master_link_status === 'up',
      masterReplOffset: Number(r.master_repl_offset),
      slaveReplOffset: Number(r.slave_repl_offset ?? -1),
      priority: Number(r.slave_priority ?? 100),
      runid,
      syncs: [Number(st.sync_full), Number(st.sync_partial_ok), Number(st.sync_partial_err)],
    };
  }
  async sentinelView(x: string) {
    const m = pairs(await this.s.call(x, ['SENTINEL', 'MASTER', 'mymaster']));
    return { master: await this.s.masterOf(x), configEpoch: Number(m['config-epoch']) };
  }
  async lag(n: string) {
    // the replica's next sync is refused, so it stays connected to the Sentinels with a frozen offset
    await this.s.call(n, ['CONFIG', 'SET', 'masterauth', 'wrong-password']);
    await this.s.call(n, ['CLIENT', 'KILL', 'TYPE', 'master']);
  }
  async set(key: string, value: string) {
    await this.s.call('s0', ['SET', key, value]);
  }
}

/** Real servers s0 (master), s1, s2 and Sentinels x0..x2 (quorum 2); fn runs once every Sentinel knows everything. */
export async function withReal<T>(setup: Setup, fn: (b: Backend) => Promise<T>): Promise<T> {
  let base = -1;
  return withSentinels({
    replicas: 2, sentinels: 3, quorum: 2, downAfterMs: setup.downAfterMs, failoverTimeoutMs: setup.failoverTimeoutMs,
    serverConfig: SERVER_CONFIG, ...(setup.perServer ? { perServer: setup.perServer } : {}),
    beforeSentinels: async (s) => {
      for (const n of SERVERS) await s.call(n, BOOTED);
      for (const n of SERVERS) await s.subscribe(n, HELLO_CHANNEL);
      base = Number((await s.info('s0')).master_repl_offset);
    },
  }, (s) => fn(new RealBackend(s, base)));
}

// ---- the simulator ----

type SEvent = Extract<TraceEvent, { type: 'sentinel.event' }>;
const STEP_US = 10_000;

class SimBackend implements Backend {
  readonly kind = 'sim';
  readonly servers = SERVERS;
  readonly sentinels = SENTINELS;
  helloBaseOffset = 0;
  private readonly got = new Map<string, Hello[]>(SERVERS.map((n) => [n, []]));
  private readonly probes = new Map<string, RespConnection | null>();
  constructor(readonly w: World, private readonly sink: MemorySink) {
    w.net.addHost('probe');
    this.subscribe();
  }
  /** A subscriber on every running server, like the real harness's: re-opened when a Sentinel's CLIENT KILL TYPE pubsub closes it. */
  private subscribe(): void {
    for (const n of SERVERS) {
      if (this.probes.get(n) || !this.w.isRunning(n)) continue;
      const c = new RespConnection(this.w.net, 'probe', n, SYN_GIVE_UP_US, {
        onPush: (r) => {
          if (!Array.isArray(r) || r[0] !== 'message' || r[1] !== HELLO_CHANNEL) return;
          const f = String(r[2]).split(',');
          this.got.get(n)!.push({ atMs: this.nowMs(), payload: String(r[2]), from: f[0]!, says: `${f[3]} ${f[5]} ${f[7]}` });
        },
        onClose: () => {
          if (this.probes.get(n) === c) this.probes.set(n, null);
        },
      });
      this.probes.set(n, c);
      c.command(['SUBSCRIBE', HELLO_CHANNEL]);
    }
  }
  nowMs() {
    return this.w.sched.nowUs / 1000;
  }
  private runFor(us: number) {
    const end = this.w.sched.nowUs + us;
    while (this.w.sched.nowUs < end) {
      this.w.runFor(Math.min(STEP_US, end - this.w.sched.nowUs));
      this.subscribe();
    }
  }
  events(): Ev[] {
    const names = new Map<string, string>();
    for (const x of this.sentinels) if (this.w.sentinelOrNull(x)) names.set(this.w.sentinel(x).myid, x);
    const norm = (t: string) => t
      .replace(/(\S+):(6379|26379) \1 \2/g, '$1 $1')
      .replace(/ (\S+) (6379|26379)\b/g, ' $1')
      .replace(/\b[0-9a-f]{40}\b/g, (id) => names.get(id) ?? id);
    return this.sink.lines.map((l) => JSON.parse(l) as TraceEvent)
      .filter((e): e is SEvent => e.type === 'sentinel.event' && e.event !== 'start' && e.event !== 'stop')
      .map((e) => ({ from: e.sentinel, atMs: e.t / 1000, event: e.event, text: norm([NO_INSTANCE.has(e.event) ? '' : e.instance ?? '', e.detail].filter((p) => p !== '').join(' ')) }));
  }
  hellos(n = 's0') {
    return [...this.got.get(n)!];
  }
  async sleep(ms: number) {
    this.runFor(ms * 1000);
  }
  async waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
    const end = this.w.sched.nowUs + timeoutMs * 1000;
    for (;;) {
      if (await cond()) return;
      if (this.w.sched.nowUs >= end) throw new Error(`sim: timed out after ${timeoutMs} ms waiting for ${what}`);
      this.runFor(STEP_US);
    }
  }
  async kill(n: string) {
    // kill -9 of a process: its kernel closes every socket (FIN) and later connections are refused.
    // World.crash is a host crash, which tells the peers nothing: they would learn of it at their
    // next send, and the Sentinels' SDOWN would come up to a second late
    this.w.node(n).ctx.closeAll();
    this.w.crash(n);
  }
  async pause(n: string, ms: number) {
    this.w.pause(n, ms * 1000);
  }
  async restart(n: string) {
    this.w.restart(n);
  }
  async info(n: string): Promise<ServerView | 'down'> {
    if (!this.w.isRunning(n)) return 'down';
    const i = this.w.info(n);
    return {
      role: i.role === 'master' ? 'master' : 'slave',
      masterHost: i.role === 'slave' ? String(i.master_host) : null,
      linkUp: i.master_link_status === 'up',
      masterReplOffset: Number(i.master_repl_offset),
      slaveReplOffset: Number(i.slave_repl_offset ?? -1),
      priority: Number(i.slave_priority ?? 100),
      runid: this.w.node(n).ctx.runId,
      syncs: [Number(i.sync_full), Number(i.sync_partial_ok), Number(i.sync_partial_err)],
    };
  }
  async sentinelView(x: string) {
    const s = this.w.sentinel(x);
    const addr = s.serve(['SENTINEL', 'get-master-addr-by-name', 'mymaster']);
    const m = pairs(s.serve(['SENTINEL', 'MASTER', 'mymaster']) as never);
    return { master: Array.isArray(addr) ? String(addr[0]) : 'none', configEpoch: Number(m['config-epoch']) };
  }
  async lag(n: string) {
    // no masterauth in the model: a partition between the two stalls the link (still "up" in INFO)
    this.w.partition([['s0'], [n]]);
  }
  async set(key: string, value: string) {
    this.w.call('s0', ['SET', key, value]);
  }
}

/** The same deployment simulated (loopback-like latency); fn runs once every Sentinel knows everything. */
export async function withSim<T>(setup: Setup, seed: Seed, fn: (b: Backend) => Promise<T>, mutant: MutantName | null = null): Promise<T> {
  const sink = new MemorySink();
  const config = { masterName: 'mymaster', master: 's0', quorum: 2, downAfterUs: setup.downAfterMs * 1000, failoverTimeoutUs: setup.failoverTimeoutMs * 1000, parallelSyncs: 1 };
  const node = (n: string) => ({ config: { ...(setup.perServer?.[n] ?? {}) }, ...(n === 's0' ? {} : { replicaof: 's0' }) });
  const w = new World({
    seed, sink, mutant, config: { ...SERVER_CONFIG },
    network: { latencyUs: 50, jitterUs: 20 },
    nodes: Object.fromEntries(SERVERS.map((n) => [n, node(n)])),
    sentinels: Object.fromEntries(SENTINELS.map((x) => [x, { config }])),
  });
  // the real harness starts its Sentinels once the replicas are online: the same here (sentinel.conf
  // written at t=0 keeps their ids), so hellos start on a synced stream and SELECT comes once
  for (const x of SENTINELS) w.crashSentinel(x);
  const b = new SimBackend(w, sink);
  await b.waitUntil(() => w.inSync(), 60_000, 'replicas online');
  for (const n of SERVERS) w.call(n, BOOTED);
  b.helloBaseOffset = w.node('s0').masterReplOffset;
  for (const x of SENTINELS) w.restartSentinel(x);
  await b.waitUntil(() => SENTINELS.every((x) => {
    const m = w.sentinel(x).master;
    return m.slaves.size === 2 && m.sentinels.size === 2;
  }), 60_000, 'sentinel discovery');
  return fn(b);
}
