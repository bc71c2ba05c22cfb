// Sentinel safety: in each failover epoch at most one Sentinel wins the election and at most one
// replica is promoted, and no two majorities of the Sentinels adopt different masters for the same
// configuration epoch. Judged from the Sentinels' own events: an elected leader, a promotion seen, a
// switch. A single Sentinel that adopts another master for an epoch (it can: a leader whose slow
// failover ends after it took the newer epoch from a hello naming its old master's address) is
// counted and noted, not a violation: 7.0.15's sentinel.c allows it.

import type { TraceEvent } from '../sim/trace-events.js';
import { BaseProperty } from './types.js';

/** The host named in an event's instance ("slave r1:6379 r1 6379 @ ..." -> r1). */
export const instanceHost = (instance: string | null): string | null => instance?.split(' ')[2] ?? null;

/** +switch-master detail: "<name> <old-ip> <old-port> <new-ip> <new-port>" -> the new ip. */
export const switchedTo = (detail: string): string | null => detail.split(' ')[3] ?? null;

export class OneMasterPerEpoch extends BaseProperty {
  readonly name = 'one-master-per-epoch';
  readonly types: readonly TraceEvent['type'][] = ['sentinel.event'];
  private readonly leaders = new Map<number, string>();
  private readonly promoted = new Map<number, string>();
  /** Per configuration epoch: which Sentinels adopted which master (their latest switch in that epoch). */
  private readonly adopted = new Map<number, Map<string, string>>();
  /** Per configuration epoch: the master a majority adopted first. */
  private readonly majority = new Map<number, string>();
  private readonly sentinelNames = new Set<string>();
  private readonly conflicts: string[] = [];
  private minorityConflicts = 0;
  private judged = 0;

  onEvent(e: TraceEvent): void {
    if (e.type !== 'sentinel.event') return;
    this.sentinelNames.add(e.sentinel);
    if (e.event === '+elected-leader' && e.failover_epoch !== undefined && e.detail !== 'forced') {
      this.once(this.leaders, e.failover_epoch, e.sentinel, e.t, (was) => `two Sentinels elected leader in epoch ${e.failover_epoch}: ${was} and ${e.sentinel} (one vote per epoch, a majority each: at least one Sentinel voted twice)`, [e.sentinel]);
    } else if (e.event === '+promoted-slave' && e.failover_epoch !== undefined) {
      const node = instanceHost(e.instance) ?? '?';
      this.once(this.promoted, e.failover_epoch, node, e.t, (was) => `two replicas promoted in epoch ${e.failover_epoch}: ${was} and ${node} (by ${e.sentinel})`, [node]);
    } else if (e.event === '+switch-master' && e.config_epoch !== undefined) {
      this.judged++;
      this.adopt(e.t, e.config_epoch, e.sentinel, switchedTo(e.detail) ?? '?');
    }
  }

  private adopt(t: number, epoch: number, sentinel: string, master: string): void {
    const who = this.adopted.get(epoch) ?? new Map<string, string>();
    this.adopted.set(epoch, who);
    const others = [...who].filter(([s, m]) => s !== sentinel && m !== master);
    who.set(sentinel, master);
    if (others.length > 0) {
      this.minorityConflicts++;
      if (this.conflicts.length < 10) this.conflicts.push(`${(t / 1e6).toFixed(3)} s: ${sentinel} switched to ${master} in configuration epoch ${epoch}, which ${others.map(([s, m]) => `${s} holds with ${m}`).join(', ')}`);
    }
    const needed = Math.floor(this.sentinelNames.size / 2) + 1;
    const votes = [...who.values()].filter((m) => m === master).length;
    if (votes < needed) return;
    const first = this.majority.get(epoch);
    if (first === undefined) this.majority.set(epoch, master);
    else if (first !== master) this.violate(t, [first, master].sort(), `configuration epoch ${epoch} names two masters, each adopted by a majority of the ${this.sentinelNames.size} Sentinels: ${first} first, then ${master}`);
  }

  private once(map: Map<number, string>, epoch: number, who: string, t: number, msg: (was: string) => string, nodes: string[]): void {
    this.judged++;
    const was = map.get(epoch);
    if (was === undefined) map.set(epoch, who);
    else if (was !== who) this.violate(t, [was, ...nodes].sort(), msg(was));
  }

  checked(): number {
    return this.judged;
  }

  stats(): Record<string, number> {
    return this.judged ? { failover_epochs: this.leaders.size, promotions: this.promoted.size, minority_conflicts: this.minorityConflicts } : {};
  }

  notes(): string[] {
    return this.conflicts;
  }
}
