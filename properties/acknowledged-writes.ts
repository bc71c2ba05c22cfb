// Property 6: every write a client saw acknowledged is tracked. At the end, the final master must
// hold the last acknowledged value of each key, unless after the write another node was promoted,
// or the node that acknowledged it crashed, restarted without a save or was demoted: asynchronous
// replication may lose those, and they are counted per event. A coordinated FAILOVER must lose
// nothing, and neither may a run with no failover and no crash.

import type { TraceEvent } from '../sim/trace-events.js';
import { BaseProperty, type FinalView } from './types.js';

interface Write {
  node: string;
  db: number;
  key: string;
  value: string;
  t: number;
}

interface LossEvent {
  t: number;
  kind: 'failover' | 'demotion' | 'coordinated-failover' | 'crash' | 'restart';
  node: string;
}

function describe(ev: LossEvent): string {
  return `${ev.kind} of ${ev.node} at ${(ev.t / 1000).toFixed(3)} ms`;
}

/**
 * Whether an event after a write may lose it under asynchronous replication: the acknowledging
 * node crashed, restarted without a save or was demoted (its unreplicated writes go with it), or
 * another node was promoted (it may not have had the write yet). A coordinated FAILOVER never may,
 * and neither may something that happened to an unrelated node.
 */
function canLose(ev: LossEvent, writer: string): boolean {
  if (ev.kind === 'coordinated-failover') return false;
  return ev.node === writer ? ev.kind !== 'failover' : ev.kind === 'failover';
}

export class AcknowledgedWrites extends BaseProperty {
  readonly name = 'acknowledged-writes';
  private readonly last = new Map<string, Write>();
  private readonly tainted = new Set<string>();
  private flushedAt = -1;
  private acked = 0;
  private readonly events: LossEvent[] = [];
  private coordinating = false;
  /** Nodes currently acting as masters (from start and role events). */
  private readonly masters = new Set<string>();
  private lost = 0;
  private lostAllowed = 0;
  private keysChecked = 0;
  readonly lossesByEvent: { event: LossEvent; writes: number }[] = [];

  onEvent(e: TraceEvent): void {
    switch (e.type) {
      case 'x.write': {
        if (!e.acked) return;
        const key = `${e.db as number}\u0000${e.key as string}`;
        if (e.cmd === 'FLUSHALL') this.flushedAt = e.t;
        else if (e.cmd === 'SET') {
          this.acked++;
          this.last.set(key, { node: e.node as string, db: e.db as number, key: e.key as string, value: e.value as string, t: e.t });
        } else this.tainted.add(key);
        return;
      }
      case 'redis.failover':
        if (e.state === 'failover-in-progress') this.coordinating = true;
        return;
      case 'redis.role':
        // a promotion, or a master demoted to replica (ending a split brain), may lose writes;
        // both halves of a coordinated FAILOVER may not
        if (e.role === 'master') {
          this.events.push({ t: e.t, kind: this.coordinating ? 'coordinated-failover' : 'failover', node: e.node });
          this.coordinating = false;
        } else if (this.masters.has(e.node)) {
          this.events.push({ t: e.t, kind: this.coordinating ? 'coordinated-failover' : 'demotion', node: e.node });
        }
        if (e.role === 'master') this.masters.add(e.node);
        else this.masters.delete(e.node);
        return;
      case 'redis.start':
        // a master that comes back as a replica (its config names a master) is demoted: the full
        // sync that follows replaces whatever it acknowledged that its new master never had
        if (e.role === 'master') this.masters.add(e.node);
        else if (this.masters.delete(e.node)) this.events.push({ t: e.t, kind: 'demotion', node: e.node });
        return;
      case 'redis.stop':
        if (e.how === 'crash') this.events.push({ t: e.t, kind: 'crash', node: e.node });
        else if (!e.saved) this.events.push({ t: e.t, kind: 'restart', node: e.node });
        return;
      default:
        return;
    }
  }

  finish(view: FinalView): void {
    if (view.master === null) return;
    const byEvent = new Map<LossEvent, number>();
    for (const [key, w] of this.last) {
      if (this.tainted.has(key) || w.t <= this.flushedAt) continue;
      this.keysChecked++;
      const now = view.get(view.master, w.db, w.key);
      if (now === w.value) continue;
      this.lost++;
      const after = this.events.filter((ev) => ev.t >= w.t);
      const excuse = after.find((ev) => canLose(ev, w.node));
      if (excuse) {
        this.lostAllowed++;
        byEvent.set(excuse, (byEvent.get(excuse) ?? 0) + 1);
        continue;
      }
      const why = after.length > 0 ? `nothing after it may lose it (${after.map(describe).join(', ')}): only a crash, unsaved restart or demotion of ${w.node}, or another node's promotion, may` : 'no failover, crash or unsaved restart came after it';
      this.violate(w.t, [w.node, view.master], `SET ${w.key} ${w.value} (db ${w.db}) was acknowledged by ${w.node} at ${(w.t / 1000).toFixed(3)} ms but the final master ${view.master} has ${now === null ? 'no such key' : JSON.stringify(now)}; ${why}.`);
    }
    for (const [event, writes] of byEvent) this.lossesByEvent.push({ event, writes });
    this.lossesByEvent.sort((a, b) => a.event.t - b.event.t);
  }

  notes(): string[] {
    return this.lossesByEvent.map((l) => `${l.writes} acknowledged write(s) lost across the ${l.event.kind} of ${l.event.node} at ${(l.event.t / 1000).toFixed(3)} ms (allowed: asynchronous replication)`);
  }

  checked(): number {
    return this.keysChecked;
  }

  stats(): Record<string, number> {
    return { acknowledged_sets: this.acked, keys_checked: this.keysChecked, lost_writes: this.lost, lost_writes_allowed: this.lostAllowed };
  }
}
