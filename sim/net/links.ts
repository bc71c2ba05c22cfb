// Link parameters: per-directed-link latency, jitter, packet loss (as TCP retransmission
// delay with exponential backoff) and bandwidth, plus the set of blocked directions (partitions).

import type { RngStream } from '../kernel/rng.js';

export interface LinkParams {
  /** One-way base latency. */
  latencyUs: number;
  /** Extra delay drawn uniformly from [0, jitterUs] per message (never reorders a connection). */
  jitterUs: number;
  /** Probability that one TCP segment is lost and must be retransmitted, 0 <= loss < 1. */
  loss: number;
  /** Link bandwidth in bytes per second (shared by all connections in that direction). */
  bandwidthBytesPerSec: number;
}

export const DEFAULT_LINK: LinkParams = {
  latencyUs: 1000,
  jitterUs: 200,
  loss: 0,
  bandwidthBytesPerSec: 125_000_000, // 1 Gbit/s
};

/** TCP segment payload size used to count segments of a message. */
export const MSS_BYTES = 1448;
/** Linux's minimum retransmission timeout; each further retry doubles it. */
export const MIN_RTO_US = 200_000;
const MAX_RETRIES = 8;

export function linkKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

/** One direction of a link: its parameters and when its sender finishes what it already accepted. */
export interface LinkState {
  params: LinkParams;
  busyUntilUs: number;
}

/** Link parameters by direction, with defaults and per-pair overrides. */
export class LinkTable {
  private defaults: LinkParams;
  private readonly overrides = new Map<string, LinkParams>();
  /** Directed links currently blocked by a partition. Insertion-ordered. */
  private readonly blocked = new Set<string>();
  /** The same directions by source host: isBlocked() runs for every packet, without building a key. */
  private readonly blockedTo = new Map<string, Set<string>>();
  private readonly states = new Map<string, LinkState>();

  constructor(defaults: LinkParams = DEFAULT_LINK) {
    this.defaults = { ...defaults };
  }

  get defaultParams(): LinkParams {
    return { ...this.defaults };
  }

  params(from: string, to: string): LinkParams {
    return this.overrides.get(linkKey(from, to)) ?? this.defaults;
  }

  /** Change the default for every link (and drop overrides), or set one direction's parameters. */
  set(change: Partial<LinkParams>, from?: string, to?: string): void {
    if (from === undefined || to === undefined) {
      this.defaults = { ...this.defaults, ...change };
      for (const [k, v] of this.overrides) this.overrides.set(k, { ...v, ...change });
    } else {
      const k = linkKey(from, to);
      this.overrides.set(k, { ...this.params(from, to), ...change });
    }
    for (const [k, st] of this.states) st.params = this.overrides.get(k) ?? this.defaults;
  }

  /** The state of one direction, created on first use; connections keep a reference to it. */
  state(from: string, to: string): LinkState {
    const k = linkKey(from, to);
    let st = this.states.get(k);
    if (!st) {
      st = { params: this.overrides.get(k) ?? this.defaults, busyUntilUs: 0 };
      this.states.set(k, st);
    }
    return st;
  }

  isBlocked(from: string, to: string): boolean {
    if (this.blocked.size === 0) return false;
    const to2 = this.blockedTo.get(from);
    return to2 !== undefined && to2.has(to);
  }

  block(from: string, to: string): boolean {
    const k = linkKey(from, to);
    if (this.blocked.has(k)) return false;
    this.blocked.add(k);
    let tos = this.blockedTo.get(from);
    if (!tos) this.blockedTo.set(from, (tos = new Set()));
    tos.add(to);
    return true;
  }

  /** Unblock every direction; returns the ones that were blocked, in the order they were blocked. */
  unblockAll(): [string, string][] {
    const out = [...this.blocked].map((k) => k.split('\u0000') as [string, string]);
    this.blocked.clear();
    this.blockedTo.clear();
    return out;
  }

  get anyBlocked(): boolean {
    return this.blocked.size > 0;
  }

  /**
   * When a message of sizeBytes sent now on from->to arrives: serialization behind earlier traffic
   * on the link, then latency, jitter and retransmission delay for lost segments.
   */
  arrivalUs(st: LinkState, nowUs: number, sizeBytes: number, rng: RngStream): number {
    const p = st.params;
    const txUs = p.bandwidthBytesPerSec > 0 ? Math.ceil((sizeBytes * 1_000_000) / p.bandwidthBytesPerSec) : 0;
    const start = nowUs > st.busyUntilUs ? nowUs : st.busyUntilUs;
    const departed = start + txUs;
    if (txUs > 0) st.busyUntilUs = departed;
    let arrival = departed + p.latencyUs;
    if (p.jitterUs > 0) arrival += rng.int(0, Math.floor(p.jitterUs));
    if (p.loss > 0) arrival += retransmitDelayUs(sizeBytes, p.loss, rng);
    return arrival;
  }
}

/**
 * Extra delay caused by lost segments. A message of n segments is hit with probability
 * 1-(1-loss)^n; a hit segment is retried after MIN_RTO, 2*MIN_RTO, ... until a retry gets through.
 */
export function retransmitDelayUs(sizeBytes: number, loss: number, rng: RngStream): number {
  const segments = Math.max(1, Math.ceil(sizeBytes / MSS_BYTES));
  const hit = 1 - Math.pow(1 - loss, segments);
  if (!rng.chance(hit)) return 0;
  let delay = 0;
  let rto = MIN_RTO_US;
  for (let retry = 0; retry < MAX_RETRIES; retry++) {
    delay += rto;
    rto *= 2;
    if (!rng.chance(loss)) break;
  }
  return delay;
}
