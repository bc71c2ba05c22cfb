// What one Sentinel knows about one instance (sentinelRedisInstance in 7.0.15's sentinel.c): the
// monitored master, a replica, or another Sentinel; its links (a command connection, and a Pub/Sub
// connection for Redis instances) and the timestamps the timers compare; and the INFO parser
// (sentinelRefreshInstanceInfo()'s reading half).

import type { RespConnection } from '../clients/connection.js';

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
/** The channel Sentinels announce themselves on, through every instance they monitor. */
export const HELLO_CHANNEL = '__sentinel__:hello';

export type InstanceKind = 'master' | 'slave' | 'sentinel';

/** One instance link (instanceLink): times are µs of the Sentinel's clock, 0 when never. */
export class InstanceLink {
  cc: RespConnection | null = null;
  pc: RespConnection | null = null;
  disconnected = true;
  ccConnUs = 0;
  pcConnUs = 0;
  pcLastActivityUs = 0;
  /** The time the last valid reply to PING came (PONG, LOADING, MASTERDOWN). */
  lastAvailUs: number;
  /** The time of the oldest PING still unanswered, 0 when answered. */
  actPingUs: number;
  lastPingUs = 0;
  lastPongUs: number;
  lastReconnUs = 0;
  constructor(nowUs: number) {
    // createInstanceLink(): a fresh link counts as pinged now, so a dead instance goes SDOWN after
    // down-after from the moment it is known
    this.actPingUs = nowUs;
    this.lastAvailUs = nowUs;
    this.lastPongUs = nowUs;
  }
}

export class SentinelInstance {
  readonly link: InstanceLink;
  runid: string | null = null;
  sdown = false;
  odown = false;
  sdownSinceUs = 0;
  odownSinceUs = 0;
  /** Another Sentinel's last reply said the master is down (SRI_MASTER_DOWN). */
  masterDown = false;
  lastMasterDownReplyUs = 0;
  /** The Sentinel this one voted for, and in which epoch (leader, leader_epoch). */
  leader: string | null = null;
  leaderEpoch = 0;
  lastHelloUs = 0;
  lastPubUs = 0;
  // INFO
  infoRefreshUs = 0;
  roleReported: 'master' | 'slave';
  roleReportedUs: number;
  masterLinkDownMs = 0;
  slaveMasterHost: string | null = null;
  slaveMasterPort = 0;
  slaveMasterLinkUp = false;
  slaveConfChangeUs = 0;
  slavePriority = 100;
  slaveReplOffset = 0;
  // failover flags of a replica
  promoted = false;
  reconfSent = false;
  reconfInprog = false;
  reconfDone = false;
  reconfSentUs = 0;

  constructor(
    readonly kind: InstanceKind,
    readonly host: string,
    readonly port: number,
    nowUs: number,
  ) {
    this.link = new InstanceLink(nowUs);
    this.lastPubUs = nowUs;
    this.lastHelloUs = nowUs;
    this.lastMasterDownReplyUs = nowUs;
    this.slaveConfChangeUs = nowUs;
    this.roleReported = kind === 'slave' ? 'slave' : 'master';
    this.roleReportedUs = nowUs;
  }

  /** ip:port, the name Sentinel gives replicas and Sentinels. */
  get addr(): string {
    return `${this.host}:${this.port}`;
  }

  /** No SDOWN or ODOWN in the last `us` (sentinelRedisInstanceNoDownFor()). */
  noDownFor(nowUs: number, us: number): boolean {
    const recent = Math.max(this.sdownSinceUs, this.odownSinceUs);
    return recent === 0 || nowUs - recent > us;
  }
}

/** The fields of one INFO reply Sentinel reads. */
export interface ParsedInfo {
  runid: string | null;
  role: 'master' | 'slave' | null;
  /** slaveN lines: host and port. */
  replicas: { host: string; port: number }[];
  masterLinkDownMs: number;
  masterHost: string | null;
  masterPort: number | null;
  masterLinkUp: boolean | null;
  priority: number | null;
  replOffset: number | null;
}

/** Read INFO the way sentinelRefreshInstanceInfo() does (line by line, role fields after role:slave). */
export function parseInfo(text: string): ParsedInfo {
  const p: ParsedInfo = { runid: null, role: null, replicas: [], masterLinkDownMs: 0, masterHost: null, masterPort: null, masterLinkUp: null, priority: null, replOffset: null };
  for (const l of text.split('\r\n')) {
    if (l.length >= 47 && l.startsWith('run_id:')) p.runid = l.slice(7, 47);
    const slave = /^slave\d+:/.exec(l);
    if (slave) {
      const ip = /ip=([^,]*)/.exec(l);
      const port = /port=(\d+)/.exec(l);
      if (ip && port) p.replicas.push({ host: ip[1]!, port: Number(port[1]) });
    }
    if (l.startsWith('master_link_down_since_seconds:')) p.masterLinkDownMs = Number(l.slice(31)) * 1000;
    if (l.startsWith('role:master')) p.role = 'master';
    else if (l.startsWith('role:slave')) p.role = 'slave';
    if (p.role === 'slave') {
      if (l.startsWith('master_host:')) p.masterHost = l.slice(12);
      if (l.startsWith('master_port:')) p.masterPort = Number(l.slice(12));
      if (l.startsWith('master_link_status:')) p.masterLinkUp = l.slice(19).toLowerCase() === 'up';
      if (l.startsWith('slave_priority:')) p.priority = Number(l.slice(15));
      if (l.startsWith('slave_repl_offset:')) p.replOffset = Number(l.slice(18));
    }
  }
  return p;
}
