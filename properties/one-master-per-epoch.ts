// Sentinel safety: in each failover epoch at most one Sentinel wins the election and at most one
// replica is promoted, and every Sentinel that adopts a configuration epoch adopts the same master
// for it. Judged from the Sentinels' own events: an elected leader, a promotion seen, a switch.

import type { TraceEvent } from '../sim/trace-events.js';
import { BaseProperty } from './types.js';

/** The host named in an event's instance ("slave r1:6379 r1 6379 @ ..." -> r1). */
export const instanceHost = (instance: string | null): string | null => instance?.split(' ')[2] ?? null;

/** +switch-master detail: "<name> <old-ip> <old-port> <new-ip> <new-port>" -> the new ip. */
export const switchedTo = (detail: string): string | null => detail.split(' ')[3] ?? null;

export class OneMasterPerEpoch extends BaseProperty {
  readonly name = 'one-master-per-epoch';
  private readonly leaders = new Map<number, string>();
  private readonly promoted = new Map<number, string>();
  private readonly adopted = new Map<number, { master: string; sentinel: string }>();
  private judged = 0;

  onEvent(e: TraceEvent): void {
    if (e.type !== 'sentinel.event') return;
    if (e.event === '+elected-leader' && e.failover_epoch !== undefined && e.detail !== 'forced') {
      this.once(this.leaders, e.failover_epoch, e.sentinel, e.t, (was) => `two Sentinels elected leader in epoch ${e.failover_epoch}: ${was} and ${e.sentinel} (one vote per epoch, a majority each: at least one Sentinel voted twice)`, [e.sentinel]);
    } else if (e.event === '+promoted-slave' && e.failover_epoch !== undefined) {
      const node = instanceHost(e.instance) ?? '?';
      this.once(this.promoted, e.failover_epoch, node, e.t, (was) => `two replicas promoted in epoch ${e.failover_epoch}: ${was} and ${node} (by ${e.sentinel})`, [node]);
    } else if (e.event === '+switch-master' && e.config_epoch !== undefined) {
      const to = switchedTo(e.detail) ?? '?';
      this.judged++;
      const was = this.adopted.get(e.config_epoch);
      if (!was) this.adopted.set(e.config_epoch, { master: to, sentinel: e.sentinel });
      else if (was.master !== to) this.violate(e.t, [was.master, to], `configuration epoch ${e.config_epoch} names two masters: ${was.sentinel} switched to ${was.master}, ${e.sentinel} to ${to}`);
    }
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
    return this.judged ? { failover_epochs: this.leaders.size, promotions: this.promoted.size } : {};
  }
}
