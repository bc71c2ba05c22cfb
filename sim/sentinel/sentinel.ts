// A simulated redis-sentinel 7.0.15 process monitoring one master: the timer (sentinelTimer() at a
// randomized 10-19 Hz), links to every instance, PING / INFO / hello, what INFO and hello messages
// teach it. The commands it serves (SENTINEL ..., PUBLISH, PING, INFO) are in commands.ts, the
// acting half (down detection, election, failover) in failover.ts. It sees the deployment only through its links.

import type { EventId } from '../kernel/scheduler.js';
import type { RngStream } from '../kernel/rng.js';
import type { Trace } from '../kernel/trace.js';
import { SYN_GIVE_UP_US, type Network, type Socket, type SocketHandler } from '../net/network.js';
import type { Disk } from '../net/disk.js';
import { RespConnection } from '../clients/connection.js';
import type { ToMaster } from '../redis/link.js';
import { respReplyBytes } from '../redis/link.js';
import { type Reply, isError } from '../redis/reply.js';
import { HELLO_CHANNEL, SentinelInstance, parseInfo, REDIS_PORT, SENTINEL_PORT } from './instance.js';
import { SENTINEL_CONF, type SentinelConfig, type SentinelState } from './config.js';
import * as F from './failover.js';
import { serveCommand } from './commands.js';
import type { SentinelEvent } from '../trace-events.js';
import { DEFAULT_SENTINEL_HOOKS, type SentinelHooks } from './hooks.js';
import { EPOCH_MS } from '../redis/dataset.js';

export { HELLO_CHANNEL } from './instance.js';
export const PING_PERIOD_US = 1_000_000;
export const INFO_PERIOD_US = 10_000_000;
export const PUBLISH_PERIOD_US = 2_000_000;
export const ASK_PERIOD_US = 1_000_000;
const TILT_TRIGGER_US = 2_000_000;
const TILT_PERIOD_US = 30_000_000;
const MAX_PENDING_COMMANDS = 100;
/** The Unix time of the run's t=0, as the Redis model's clock has it. */
const CLOCK_EPOCH_US = EPOCH_MS * 1000;

/** How a Sentinel process sees the world (like a Redis node's context). */
export interface SentinelContext {
  readonly name: string;
  nowUs(): number;
  readonly rng: RngStream;
  readonly disk: Disk;
  readonly trace: Trace;
  readonly net: Network;
  /** The run id a first start takes as its myid. */
  readonly runId: string;
  timer<A>(delayUs: number, fn: (arg: A) => void, arg: A): EventId;
  listen(accept: ((sock: Socket) => SocketHandler) | null): void;
}

export type FailoverStateName = 'none' | 'wait_start' | 'select_slave' | 'send_slaveof_noone' | 'wait_promotion' | 'reconf_slaves' | 'update_config';

/** The monitored master and everything this Sentinel keeps about it. */
export interface MasterRecord {
  readonly name: string;
  inst: SentinelInstance;
  readonly slaves: Map<string, SentinelInstance>;
  readonly sentinels: Map<string, SentinelInstance>;
  quorum: number;
  downAfterUs: number;
  failoverTimeoutUs: number;
  parallelSyncs: number;
  configEpoch: number;
  /** This Sentinel's vote for the leader of a failover of this master, and its epoch. */
  leader: string | null;
  leaderEpoch: number;
  failoverEpoch: number;
  failoverState: FailoverStateName;
  failoverStateChangeUs: number;
  failoverStartUs: number;
  inProgress: boolean;
  forced: boolean;
  promoted: SentinelInstance | null;
}

export class Sentinel {
  alive = true;
  readonly myid: string;
  currentEpoch: number;
  readonly master: MasterRecord;
  tilt = false;
  tiltStartUs = 0;
  private previousUs: number;

  constructor(
    readonly ctx: SentinelContext,
    readonly config: SentinelConfig,
    readonly hooks: Readonly<SentinelHooks> = DEFAULT_SENTINEL_HOOKS,
  ) {
    const now = ctx.nowUs() + CLOCK_EPOCH_US;
    const saved = ctx.disk.read<SentinelState>(SENTINEL_CONF)?.data;
    this.myid = saved?.myid ?? ctx.runId;
    this.currentEpoch = saved?.currentEpoch ?? 0;
    this.master = {
      name: config.masterName,
      inst: new SentinelInstance('master', saved?.masterHost ?? config.master, REDIS_PORT, now),
      slaves: new Map(),
      sentinels: new Map(),
      quorum: config.quorum,
      downAfterUs: config.downAfterUs,
      failoverTimeoutUs: config.failoverTimeoutUs,
      parallelSyncs: config.parallelSyncs,
      configEpoch: saved?.configEpoch ?? 0,
      leader: saved?.leader ?? null,
      leaderEpoch: saved?.leaderEpoch ?? 0,
      failoverEpoch: 0,
      failoverState: 'none',
      failoverStateChangeUs: 0,
      failoverStartUs: 0,
      inProgress: false,
      forced: false,
      promoted: null,
    };
    for (const r of saved?.replicas ?? []) this.addInstance('slave', r, null, false);
    for (const s of saved?.sentinels ?? []) this.addInstance('sentinel', s.host, s.runid, false);
    this.previousUs = now;
    ctx.listen((sock) => this.accept(sock));
    this.flushConfig();
    this.event('+monitor', this.master.inst, `quorum ${this.master.quorum}`, { config_epoch: this.master.configEpoch });
    // the first serverCron comes 1 ms after start at the default hz (10)
    ctx.timer(1000, Sentinel.tick, this);
  }

  /**
   * mstime(): the wall clock as the process reads it (a Unix time, in µs here). Fields Redis starts
   * at 0 ("never") then compare as long ago, as they do in the real process.
   */
  now(): number {
    return this.ctx.nowUs() + CLOCK_EPOCH_US;
  }

  private static tick(s: Sentinel): void {
    if (!s.alive) return;
    s.timer();
    // sentinelTimer() changes the frequency every time: hz = 10 + rand() % 10
    const hz = 10 + s.ctx.rng.int(0, 9);
    s.ctx.timer(Math.floor(1000 / hz) * 1000, Sentinel.tick, s);
  }

  /** sentinelTimer(): the TILT check, then every instance of the master. */
  private timer(): void {
    const now = this.now();
    const delta = now - this.previousUs;
    if (delta < 0 || delta > TILT_TRIGGER_US) {
      this.tilt = true;
      this.tiltStartUs = now;
      this.event('+tilt', null, '#tilt mode entered');
    }
    this.previousUs = now;
    const m = this.master;
    this.handleInstance(m.inst);
    for (const s of [...m.slaves.values()]) this.handleInstance(s);
    for (const s of [...m.sentinels.values()]) this.handleInstance(s);
    if (m.failoverState === 'update_config') F.switchToPromoted(this);
  }

  /** sentinelHandleRedisInstance(): the monitoring half always, the acting half out of TILT. */
  private handleInstance(ri: SentinelInstance): void {
    this.reconnect(ri);
    this.sendPeriodic(ri);
    if (this.tilt) {
      if (this.now() - this.tiltStartUs < TILT_PERIOD_US) return;
      this.tilt = false;
      this.event('-tilt', null, '#tilt mode exited');
    }
    F.checkSubjectivelyDown(this, ri);
    if (ri === this.master.inst) {
      F.checkObjectivelyDown(this);
      if (F.startFailoverIfNeeded(this)) F.askOtherSentinels(this, true);
      F.failoverStateMachine(this);
      F.askOtherSentinels(this, false);
    }
  }

  // ---- instances ----

  isRedis(ri: SentinelInstance): boolean {
    return ri.kind !== 'sentinel';
  }

  /** Add a replica (by host) or a Sentinel (by host and run id), with its event; null if known. */
  addInstance(kind: 'slave' | 'sentinel', host: string, runid: string | null, announce = true): SentinelInstance | null {
    const m = this.master;
    const table = kind === 'slave' ? m.slaves : m.sentinels;
    const port = kind === 'slave' ? REDIS_PORT : SENTINEL_PORT;
    const key = `${host}:${port}`;
    if (table.has(key)) return null;
    const ri = new SentinelInstance(kind, host, port, this.now());
    if (runid !== null) ri.runid = runid;
    table.set(key, ri);
    if (announce) this.event(kind === 'slave' ? '+slave' : '+sentinel', ri, '');
    return ri;
  }

  /** Forget a link's connections (instanceLinkCloseConnection()). */
  closeLink(ri: SentinelInstance, which: 'cc' | 'pc'): void {
    const c = ri.link[which];
    if (!c) return;
    ri.link[which] = null;
    ri.link.disconnected = true;
    c.close();
  }

  /** sentinelReconnectInstance(): at most once a second, open what is missing. */
  private reconnect(ri: SentinelInstance): void {
    const link = ri.link;
    if (!link.disconnected) return;
    const now = this.now();
    if (now - link.lastReconnUs < PING_PERIOD_US) return;
    link.lastReconnUs = now;
    if (link.cc === null) {
      this.openLink(ri, 'cc');
      link.ccConnUs = now;
      this.sendPing(ri);
    }
    if (this.isRedis(ri) && link.pc === null) {
      const pc = this.openLink(ri, 'pc', (r) => this.onHelloPush(ri, r));
      link.pcConnUs = now;
      pc.command(['SUBSCRIBE', HELLO_CHANNEL], (r) => this.onHelloPush(ri, r));
    }
    if (link.cc !== null && (!this.isRedis(ri) || link.pc !== null)) link.disconnected = false;
  }

  /** A new command or Pub/Sub connection of a link; when it closes, the link is disconnected. */
  private openLink(ri: SentinelInstance, which: 'cc' | 'pc', onPush?: (r: Reply) => void): RespConnection {
    const c = new RespConnection(this.ctx.net, this.ctx.name, ri.host, SYN_GIVE_UP_US, {
      ...(onPush ? { onPush } : {}),
      onClose: () => {
        if (ri.link[which] !== c) return;
        ri.link[which] = null;
        ri.link.disconnected = true;
      },
    });
    ri.link[which] = c;
    return c;
  }

  /** Send on the command link (pending count kept by the connection). */
  command(ri: SentinelInstance, args: string[], done?: (r: Reply | null) => void): boolean {
    const cc = ri.link.cc;
    if (cc === null || cc.isClosed) return false;
    cc.command(args, (r) => {
      if (this.alive) done?.(r);
    });
    return true;
  }

  sendPing(ri: SentinelInstance): boolean {
    const now = this.now();
    if (!this.command(ri, ['PING'], (r) => this.onPong(ri, r))) return false;
    ri.link.lastPingUs = now;
    if (ri.link.actPingUs === 0) ri.link.actPingUs = now;
    return true;
  }

  private onPong(ri: SentinelInstance, r: Reply | null): void {
    if (r === null) return;
    const text = isError(r) ? r.message : typeof r === 'string' ? r : '';
    if (text.startsWith('PONG') || text.startsWith('LOADING') || text.startsWith('MASTERDOWN')) {
      ri.link.lastAvailUs = this.now();
      ri.link.actPingUs = 0;
    }
    ri.link.lastPongUs = this.now();
  }

  /** sentinelSendPeriodicCommands(): INFO, PING and hello when each is due. */
  private sendPeriodic(ri: SentinelInstance): void {
    const link = ri.link;
    if (link.disconnected || link.cc === null) return;
    if (link.cc.pending >= MAX_PENDING_COMMANDS) return;
    const now = this.now();
    const m = this.master;
    const infoPeriod = ri.kind === 'slave' && (m.inst.odown || m.inProgress || ri.masterLinkDownMs !== 0) ? 1_000_000 : INFO_PERIOD_US;
    const pingPeriod = Math.min(m.downAfterUs, PING_PERIOD_US);
    if (this.isRedis(ri) && (ri.infoRefreshUs === 0 || now - ri.infoRefreshUs > infoPeriod)) {
      this.command(ri, ['INFO'], (r) => {
        if (typeof r === 'string') this.refreshInfo(ri, r);
      });
    }
    if (now - link.lastPongUs > pingPeriod && now - link.lastPingUs > pingPeriod / 2) this.sendPing(ri);
    if (now - ri.lastPubUs > PUBLISH_PERIOD_US) this.sendHello(ri);
  }

  /** sentinelSendHello(): our address, epoch, and the master as we see it, to `__sentinel__:hello`. */
  private sendHello(ri: SentinelInstance): void {
    if (ri.link.disconnected) return;
    const m = this.master;
    const addr = F.currentMasterHost(this);
    const payload = `${this.ctx.name},${SENTINEL_PORT},${this.myid},${this.currentEpoch},${m.name},${addr},${REDIS_PORT},${m.configEpoch}`;
    this.command(ri, ['PUBLISH', HELLO_CHANNEL, payload], (r) => {
      if (r !== null && !isError(r)) ri.lastPubUs = this.now();
    });
  }

  /** Force hellos out at the next tick (sentinelForceHelloUpdateForMaster()). */
  forceHelloUpdate(): void {
    const m = this.master;
    for (const ri of [m.inst, ...m.sentinels.values(), ...m.slaves.values()]) {
      if (ri.lastPubUs >= PUBLISH_PERIOD_US + 1000) ri.lastPubUs -= PUBLISH_PERIOD_US + 1000;
    }
  }

  /** A message on a Pub/Sub link (sentinelReceiveHelloMessages()). */
  private onHelloPush(ri: SentinelInstance, r: Reply | null): void {
    if (!this.alive || r === null) return;
    ri.link.pcLastActivityUs = this.now();
    if (!Array.isArray(r) || r.length !== 3 || r[0] !== 'message' || typeof r[2] !== 'string') return;
    if (r[2].includes(this.myid)) return;
    this.processHello(r[2]);
  }

  /** sentinelProcessHelloMessage(): meet the sender, adopt a newer epoch and a newer master config. */
  processHello(hello: string): void {
    const t = hello.split(',');
    if (t.length !== 8) return;
    const m = this.master;
    if (t[4] !== m.name) return;
    const [host, , runid] = t as [string, string, string];
    const currentEpoch = Number(t[3]);
    const masterHost = t[5]!;
    const masterConfigEpoch = Number(t[7]);
    let si = m.sentinels.get(`${host}:${SENTINEL_PORT}`) ?? null;
    if (si !== null && si.runid !== runid) {
      // the same address with another run id: the old one is gone (a Sentinel rebuilt from scratch)
      this.event('+sentinel-invalid-addr', si, '');
      this.closeLink(si, 'cc');
      m.sentinels.delete(si.addr);
      si = null;
    }
    if (si === null) {
      si = this.addInstance('sentinel', host, runid);
      this.flushConfig();
    }
    if (currentEpoch > this.currentEpoch) {
      this.currentEpoch = currentEpoch;
      this.flushConfig();
      this.event('+new-epoch', m.inst, String(this.currentEpoch));
    }
    if (si && m.configEpoch < masterConfigEpoch) {
      m.configEpoch = masterConfigEpoch;
      if (masterHost !== m.inst.host) {
        this.event('+config-update-from', si, '');
        this.event('+switch-master', m.inst, `${m.name} ${m.inst.host} ${REDIS_PORT} ${masterHost} ${REDIS_PORT}`, { config_epoch: m.configEpoch });
        F.resetMasterAndChangeAddress(this, masterHost);
      }
      this.flushConfig();
    }
    if (si) si.lastHelloUs = this.now();
  }

  /** sentinelRefreshInstanceInfo(): what INFO says, then what it makes this Sentinel do. */
  private refreshInfo(ri: SentinelInstance, text: string): void {
    const now = this.now();
    const p = parseInfo(text);
    const m = this.master;
    ri.masterLinkDownMs = 0;
    if (p.runid !== null) {
      if (ri.runid !== null && ri.runid !== p.runid) this.event('+reboot', ri, '');
      ri.runid = p.runid;
    }
    if (ri === m.inst) {
      for (const r of p.replicas) {
        if (this.addInstance('slave', r.host, null)) this.flushConfig();
      }
    }
    ri.masterLinkDownMs = p.masterLinkDownMs;
    if (p.role === 'slave') {
      if (p.masterHost !== null && p.masterHost !== ri.slaveMasterHost) {
        ri.slaveMasterHost = p.masterHost;
        ri.slaveConfChangeUs = now;
      }
      if (p.masterPort !== null && p.masterPort !== ri.slaveMasterPort) {
        ri.slaveMasterPort = p.masterPort;
        ri.slaveConfChangeUs = now;
      }
      if (p.masterLinkUp !== null) ri.slaveMasterLinkUp = p.masterLinkUp;
      if (p.priority !== null) ri.slavePriority = p.priority;
      if (p.replOffset !== null) ri.slaveReplOffset = p.replOffset;
    }
    ri.infoRefreshUs = now;
    const role = p.role;
    if (role !== null && role !== ri.roleReported) {
      ri.roleReportedUs = now;
      ri.roleReported = role;
      if (role === 'slave') ri.slaveConfChangeUs = now;
      this.event(ri.kind === role ? '+role-change' : '-role-change', ri, `new reported role is ${role}`);
    }
    if (this.tilt) return;
    F.actOnInfo(this, ri, role);
  }

  // ---- the commands this Sentinel serves ----

  private accept(sock: Socket): SocketHandler {
    return {
      onMessage: (_s, payload) => {
        if (!this.alive) return;
        const msg = payload as ToMaster;
        if (msg.k !== 'cmd') return;
        const reply = this.serve(msg.args);
        if (sock.state === 'open' && sock.alive) this.ctx.net.send(sock, { k: 'client-reply', reply }, respReplyBytes(reply));
      },
      onClose: () => {},
    };
  }

  /** One command from a client or another Sentinel (commands.ts). */
  serve(args: string[]): Reply {
    return serveCommand(this, args);
  }

  // ---- state, events ----

  /** sentinelFlushConfig(): rewrite sentinel.conf (fsynced: it survives a crash). */
  flushConfig(): void {
    const m = this.master;
    const state: SentinelState = {
      myid: this.myid,
      currentEpoch: this.currentEpoch,
      masterHost: m.inst.host,
      configEpoch: m.configEpoch,
      leader: m.leader,
      leaderEpoch: m.leaderEpoch,
      replicas: [...m.slaves.values()].map((s) => s.host),
      sentinels: [...m.sentinels.values()].map((s) => ({ host: s.host, runid: s.runid ?? '' })),
    };
    this.ctx.disk.write(SENTINEL_CONF, state, 256);
  }

  /** sentinelEvent(): the trace event, with the instance named as Sentinel's log names it (%@). */
  event(type: string, ri: SentinelInstance | null, detail: string, extra: Partial<Pick<SentinelEvent, 'failover_epoch' | 'config_epoch' | 'candidates'>> = {}): void {
    this.ctx.trace.emit({
      t: this.ctx.nowUs(),
      type: 'sentinel.event',
      sentinel: this.ctx.name,
      event: type,
      instance: ri ? this.describeAt(ri) : null,
      detail,
      epoch: this.currentEpoch,
      ...extra,
    });
  }

  private describeAt(ri: SentinelInstance): string {
    const m = this.master;
    const own = `${ri.kind} ${ri.kind === 'master' ? m.name : ri.kind === 'sentinel' ? ri.runid ?? ri.addr : ri.addr} ${ri.host} ${ri.port}`;
    return ri.kind === 'master' ? own : `${own} @ ${m.name} ${m.inst.host} ${REDIS_PORT}`;
  }

  /** The process exits (crash, SIGKILL): nothing of it acts any more. */
  exit(): void {
    this.alive = false;
  }
}
