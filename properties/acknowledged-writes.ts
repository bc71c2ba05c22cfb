// Property 6: every write a client saw acknowledged is tracked. At the end, the final master must
// hold the last acknowledged value of each key, unless after the write another node was promoted,
// or the node that acknowledged it crashed, restarted without a save or was demoted: asynchronous
// replication may lose those, and they are counted per event. A coordinated FAILOVER must lose
// nothing, and neither may a run with no failover and no crash. With appendonly yes, a crash or
// restart of the acknowledging node loses a write only if it was in the unfsynced AOF tail (no
// fsync or writeback covered it before the stop; never with appendfsync always, and SHUTDOWN
// fsyncs) or the node did not come back from that AOF.

import type { TraceEvent } from '../sim/trace-events.js';
import { BaseProperty, type FinalView } from './types.js';

type AppendFsync = 'always' | 'everysec' | 'no';

interface Write {
  node: string;
  db: number;
  key: string;
  value: string;
  t: number;
  /** The acknowledging node's appendfsync when AOF was on, else null. */
  aof: AppendFsync | null;
}

/** What a node's AOF did, from its redis.aof events. */
interface AofFacts {
  /** Times at which records acknowledged at or before `until` became durable. */
  durable: { t: number; until: number }[];
  /** Boots with AOF on, and whether they loaded an existing AOF. */
  opens: { t: number; loaded: boolean }[];
}

interface LossEvent {
  t: number;
  kind: 'failover' | 'demotion' | 'coordinated-failover' | 'crash' | 'restart';
  node: string;
}

const ms = (t: number) => `${(t / 1000).toFixed(3)} ms`;

function describe(ev: LossEvent): string {
  return `${ev.kind} of ${ev.node} at ${ms(ev.t)}`;
}

/** Why a crash or unsaved restart of the writer may lose the write, or why its AOF kept it. */
function aofVerdict(w: Write, ev: LossEvent, facts: AofFacts | undefined): { lose: boolean; why: string } {
  const policy = w.aof!;
  const fsynced = facts?.durable.find((d) => d.t >= w.t && d.t <= ev.t && d.until >= w.t);
  const durable = policy === 'always' || ev.kind === 'restart' || fsynced !== undefined;
  if (!durable) return { lose: true, why: `in ${w.node}'s unfsynced AOF tail (appendfsync ${policy}: no fsync covered it before the ${ev.kind})` };
  const reload = facts?.opens.find((o) => o.t >= ev.t);
  if (!reload || !reload.loaded) return { lose: true, why: `${w.node} did not come back from its AOF after the ${ev.kind}` };
  const how = policy === 'always' ? 'appendfsync always' : ev.kind === 'restart' ? 'SHUTDOWN fsyncs it' : `fsynced at ${ms(fsynced!.t)}`;
  return { lose: false, why: `${w.node}'s AOF had it on disk at the ${describe(ev)} (${how}) and ${w.node} reloaded it at ${ms(reload.t)}` };
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
  readonly lossesByEvent: { event: LossEvent; writes: number; why: string }[] = [];
  /** Each node's appendfsync while its AOF is on. */
  private readonly aofPolicy = new Map<string, AppendFsync>();
  private readonly aof = new Map<string, AofFacts>();

  private aofFacts(node: string): AofFacts {
    let f = this.aof.get(node);
    if (!f) this.aof.set(node, (f = { durable: [], opens: [] }));
    return f;
  }

  onEvent(e: TraceEvent): void {
    switch (e.type) {
      case 'x.write': {
        if (!e.acked) return;
        const key = `${e.db as number}\u0000${e.key as string}`;
        if (e.cmd === 'FLUSHALL') this.flushedAt = e.t;
        else if (e.cmd === 'SET') {
          this.acked++;
          this.last.set(key, { node: e.node as string, db: e.db as number, key: e.key as string, value: e.value as string, t: e.t, aof: this.aofPolicy.get(e.node as string) ?? null });
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
      case 'redis.aof':
        if (e.what === 'open') {
          this.aofPolicy.set(e.node, e.appendfsync);
          this.aofFacts(e.node).opens.push({ t: e.t, loaded: e.loaded });
        } else if (e.what === 'policy') this.aofPolicy.set(e.node, e.appendfsync);
        else if (e.what === 'off') this.aofPolicy.delete(e.node); // CONFIG SET appendonly no: later writes are not in the AOF
        else if (e.what === 'fsync' || e.what === 'writeback') this.aofFacts(e.node).durable.push({ t: e.t, until: e.durable_until });
        return;
      case 'redis.start':
        this.aofPolicy.delete(e.node); // a new process: its AOF, if on, opens right after
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
    const byEvent = new Map<LossEvent, { writes: number; why: string }>();
    for (const [key, w] of this.last) {
      if (this.tainted.has(key) || w.t <= this.flushedAt) continue;
      this.keysChecked++;
      const now = view.get(view.master, w.db, w.key);
      if (now === w.value) continue;
      this.lost++;
      const after = this.events.filter((ev) => ev.t >= w.t);
      const kept: string[] = [];
      let excuse: { ev: LossEvent; why: string } | undefined;
      for (const ev of after) {
        if (!canLose(ev, w.node)) continue;
        if (w.aof !== null && ev.node === w.node && (ev.kind === 'crash' || ev.kind === 'restart')) {
          const v = aofVerdict(w, ev, this.aof.get(w.node));
          if (!v.lose) {
            kept.push(v.why);
            continue;
          }
          excuse = { ev, why: v.why };
        } else excuse = { ev, why: 'asynchronous replication' };
        break;
      }
      if (excuse) {
        this.lostAllowed++;
        const b = byEvent.get(excuse.ev);
        if (b) b.writes++;
        else byEvent.set(excuse.ev, { writes: 1, why: excuse.why });
        continue;
      }
      const aofNote = kept.length > 0 ? `; ${kept.join('; ')}` : '';
      const why = after.length > 0 ? `nothing after it may lose it (${after.map(describe).join(', ')}): only a crash, unsaved restart or demotion of ${w.node}, or another node's promotion, may${aofNote}` : 'no failover, crash or unsaved restart came after it';
      this.violate(w.t, [w.node, view.master], `SET ${w.key} ${w.value} (db ${w.db}) was acknowledged by ${w.node} at ${(w.t / 1000).toFixed(3)} ms but the final master ${view.master} has ${now === null ? 'no such key' : JSON.stringify(now)}; ${why}.`);
    }
    for (const [event, b] of byEvent) this.lossesByEvent.push({ event, writes: b.writes, why: b.why });
    this.lossesByEvent.sort((a, b) => a.event.t - b.event.t);
  }

  notes(): string[] {
    return this.lossesByEvent.map((l) => `${l.writes} acknowledged write(s) lost across the ${l.event.kind} of ${l.event.node} at ${(l.event.t / 1000).toFixed(3)} ms (allowed: ${l.why})`);
  }

  checked(): number {
    return this.keysChecked;
  }

  stats(): Record<string, number> {
    return { acknowledged_sets: this.acked, keys_checked: this.keysChecked, lost_writes: this.lost, lost_writes_allowed: this.lostAllowed };
  }
}
