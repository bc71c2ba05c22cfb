// Replica output-buffer limits as 7.0.15 enforces them: checkClientOutputBufferLimits() (hard limit
// raised to repl-backlog-size, soft limit held for more than its seconds of server.unixtime), what
// each replica went through (drops, peak usage), and the words for a sync loop in a failure report.
// The usage itself comes from the shared buffer (ReplBuffer.usageFrom()).

import type { ClientOutputBufferLimit, RedisConfig } from './config.js';
import type { RedisHooks } from './hooks.js';

/** What the output-buffer limit did to one replica, for explaining a sync loop. */
export interface OutputBufferStats {
  /** Times it was dropped for overcoming the limit. */
  drops: number;
  /** Drops since it last received the stream (a full sync that never finishes: a sync loop). */
  dropsInARow: number;
  /** The limits in force at the last drop: the hard one as applied (at least repl-backlog-size), 0 for none. */
  hardLimitBytes: number;
  softLimitBytes: number;
  softSeconds: number;
  /** The largest output-buffer usage seen at a check (bytes, as Redis counts it). */
  peakBytes: number;
  /** The usage at the last drop. */
  lastUsedBytes: number;
}

/** The per-connection state the soft limit needs (obuf_soft_limit_reached_time; -1 when not over it). */
export interface SoftLimitClock {
  cobSoftSinceUs: number;
}

/** The hard limit as applied to replicas: 0 (none), else at least repl-backlog-size. */
export function effectiveHardLimit(lim: ClientOutputBufferLimit, backlogSize: number): number {
  return lim.hardBytes > 0 ? Math.max(lim.hardBytes, backlogSize) : 0;
}

export class OutputBufferLimits {
  /** Per replica, by peer name, across its reconnections. */
  readonly stats = new Map<string, OutputBufferStats>();

  constructor(private readonly hooks: () => Readonly<RedisHooks>) {}

  /**
   * checkClientOutputBufferLimits(): whether a replica using `usedBytes` is to be closed now. Moves
   * its soft-limit clock (started at the first check over the soft limit, reset at a check under it)
   * and records the check in its stats.
   */
  over(peer: string, clock: SoftLimitClock, usedBytes: number, cfg: Readonly<RedisConfig>, nowUs: number): boolean {
    const lim = cfg['client-output-buffer-limit-replica'];
    const hard = effectiveHardLimit(lim, cfg['repl-backlog-size']);
    const nowS = Math.floor(nowUs / 1_000_000);
    const stats = this.statsFor(peer);
    if (usedBytes > stats.peakBytes) stats.peakBytes = usedBytes;
    let over = hard > 0 && usedBytes >= hard;
    if (lim.softBytes > 0 && usedBytes >= lim.softBytes) {
      if (clock.cobSoftSinceUs < 0) clock.cobSoftSinceUs = nowS * 1_000_000;
      else if (this.hooks().softLimitFires(nowS - Math.floor(clock.cobSoftSinceUs / 1_000_000), lim.softSeconds)) over = true;
    } else clock.cobSoftSinceUs = -1;
    if (!over) return false;
    stats.drops++;
    stats.dropsInARow++;
    stats.lastUsedBytes = usedBytes;
    stats.hardLimitBytes = hard;
    stats.softLimitBytes = lim.softBytes;
    stats.softSeconds = lim.softSeconds;
    return true;
  }

  /** The replica receives the stream again: a run of drops (a sync loop) is over. */
  streamStarted(peer: string): void {
    const s = this.stats.get(peer);
    if (s !== undefined) s.dropsInARow = 0;
  }

  private statsFor(peer: string): OutputBufferStats {
    let s = this.stats.get(peer);
    if (s === undefined) {
      s = { drops: 0, dropsInARow: 0, peakBytes: 0, lastUsedBytes: 0, hardLimitBytes: 0, softLimitBytes: 0, softSeconds: 0 };
      this.stats.set(peer, s);
    }
    return s;
  }
}

/**
 * Why `replica` is not in sync with `master`, when the output-buffer limit keeps dropping it; null
 * when it was not dropped since it last received the stream.
 */
export function explainSyncLoop(replica: string, master: string, s: OutputBufferStats | undefined): string | null {
  if (s === undefined || s.dropsInARow === 0) return null;
  const limits: string[] = [];
  if (s.hardLimitBytes > 0) limits.push(`hard limit ${s.hardLimitBytes} bytes`);
  if (s.softLimitBytes > 0) limits.push(`soft limit ${s.softLimitBytes} bytes for more than ${s.softSeconds} s`);
  const times = s.dropsInARow === 1 ? 'once' : `${s.dropsInARow} times in a row`;
  return (
    `sync loop: ${master} dropped ${replica} ${times} for overcoming the replica output-buffer limit ` +
    `(${limits.join(', ')}; client-output-buffer-limit replica, the hard limit raised to repl-backlog-size); ` +
    `its output buffer peaked at ${s.peakBytes} bytes (${s.lastUsedBytes} at the last drop): ` +
    `more is written during a full sync than the limit holds, so each sync is dropped before it ends and starts over`
  );
}
