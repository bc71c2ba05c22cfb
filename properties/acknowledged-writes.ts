// Property 6, on the clients' histories: every plain SET a client saw acknowledged (`client.op` ok,
// or an acknowledged `x.write` of a node's local client) is judged against the value the final
// master holds: present, overwritten (the final value's writer did not complete before this write
// was invoked), or lost. Each lost write is attributed to the event that discarded it. The contract:
//  - asynchronous replication allows a loss only across a promotion of a node that did not hold
//    it, or a crash, unsaved restart or demotion of the node that did, that came after the write was
//    acknowledged (for a client on the network: after it was invoked, since the node acknowledged it
//    somewhere between invocation and reply);
//  - a write acknowledged with WAIT is held by its node and the replicas WAIT found holding it: the
//    promotion of a holder does not excuse its loss, a crash, unsaved restart or demotion of a holder
//    removes it from the holders (the loss is allowed once none is left), and a demotion to a replica
//    of a holder loses nothing;
//  - a full sync replaces a node's data with its master's: a holder that full syncs from a node not
//    holding the write no longer holds it (a replica WAIT counted, re-pointed to a master that never
//    had the write); the target of a coordinated FAILOVER holds what its origin held;
//  - a node that comes back as master without the write (a crash or unsaved restart took it, or it
//    never had it) while no node holding it is master loses it: the holders resync from it (a master
//    without persistence that restarts empties its replicas);
//  - a coordinated FAILOVER loses nothing;
//  - with appendonly yes, a crash or unsaved restart of the acknowledging node loses the write only
//    if it was in the unfsynced AOF tail (no fsync at or after the reply covered it; never with
//    appendfsync always; SHUTDOWN fsyncs) or the node did not come back from that AOF.
// A lost write nothing excuses is a violation. Keys written by anything but plain SETs are not judged.
// Memory is flat in run length: the last MAX_SETS_PER_KEY SETs of each key are kept, older ones in bulk.

import type { TraceEvent } from '../sim/trace-events.js';
import { clientOp, dbKey, ms, valueKey, type ClientOp } from './client-ops.js';
import { BaseProperty, type FinalView } from './types.js';

type AppendFsync = 'always' | 'everysec' | 'no';

/** One SET on a key, ok or indeterminate: only what the judgement needs. */
interface SetRecord {
  /** valueKey() of the value written. */
  value: string;
  /** The client's name; null for a node's local scenario client. */
  client: string | null;
  node: string;
  invoked: number;
  /** Infinity for an indeterminate (info) write: it may take effect at any later time. */
  completed: number;
  /** The op's place in the trace (its completion); for a local write also its invocation. */
  seq: number;
  local: boolean;
  ok: boolean;
  /** Replicas a WAIT found holding it. */
  ackedBy: readonly string[];
  /** The acknowledging node's appendfsync when AOF was on, else null. */
  aof: AppendFsync | null;
}

interface KeyRecord {
  db: number;
  key: string;
  /** The last MAX_SETS_PER_KEY SETs, in completion order. */
  sets: SetRecord[];
  /** Acknowledged SETs no longer kept, the latest invocation and completion among all SETs no longer kept. */
  evictedOk: number;
  evictedInvoked: number;
  evictedCompleted: number;
}

/**
 * SETs kept per key (memory flat in run length). An older SET is judged in bulk: overwritten when
 * the final value is a kept SET's (every kept SET completed after it), else not judged.
 */
export const MAX_SETS_PER_KEY = 64;

/** What a node's AOF did, from its redis.aof events. */
interface AofFacts {
  /** Times at which records acknowledged at or before `until` became durable. */
  durable: { t: number; until: number }[];
  /** Boots with AOF on, and whether they loaded an existing AOF. */
  opens: { t: number; loaded: boolean }[];
}

/** `boot`: a restarted node came up as master; `full-sync`: a node loaded its master's data. */
export type LossKind = 'failover' | 'demotion' | 'coordinated-failover' | 'crash' | 'restart' | 'boot' | 'full-sync';

export interface LossEvent {
  seq: number;
  t: number;
  kind: LossKind;
  node: string;
  /** demotion, coordinated-failover's demotion half: the master the node now follows; full-sync: the node it synced from. */
  masterHost: string | null;
  /** boot: the other nodes that were live masters then. */
  masters: readonly string[];
}

/** One lost write, as the run's JSON and the tests see it. */
export interface LostWrite {
  key: string;
  db: number;
  /** The value, shortened past 64 characters (valueKey). */
  value: string;
  /** null: the node's local scenario client. */
  client: string | null;
  node: string;
  invoked: number;
  completed: number;
  /** The event that discarded it; null when nothing excuses the loss (a violation). */
  event: { kind: LossKind; node: string; t: number } | null;
  allowed: boolean;
  why: string;
}

/** At most this many lost writes are listed one by one (stats count them all). */
export const MAX_LOST_LISTED = 100;
/** At most this many events are named in a violation's message. */
const MAX_EVENTS_NAMED = 10;

/** The event without its time, as notes and messages name it. */
function label(ev: LossEvent): string {
  return ev.kind === 'full-sync' ? `full sync of ${ev.node} from ${ev.masterHost}` : `${ev.kind} of ${ev.node}`;
}

function describe(ev: LossEvent): string {
  return `${label(ev)}${ev.kind === 'boot' ? ' as master' : ''} at ${ms(ev.t)}`;
}


/** Why a crash or unsaved restart of the writer may lose the write, or why its AOF kept it. */
function aofVerdict(w: SetRecord, ev: LossEvent, facts: AofFacts | undefined): { lose: boolean; why: string } {
  const policy = w.aof!;
  // records the node acknowledged at or before durable_until are on disk; the node acknowledged it
  // somewhere between invocation and reply, so only an fsync at or after the reply, covering the
  // reply's time, surely covers it (an AOF rewrite covers everything written: durable_until Infinity)
  const fsynced = facts?.durable.find((d) => d.t >= w.completed && d.t <= ev.t && d.until >= w.completed);
  const durable = policy === 'always' || ev.kind === 'restart' || fsynced !== undefined;
  if (!durable) return { lose: true, why: `in ${w.node}'s unfsynced AOF tail (appendfsync ${policy}: no fsync covered it before the ${ev.kind})` };
  const reload = facts?.opens.find((o) => o.t >= ev.t);
  if (!reload || !reload.loaded) return { lose: true, why: `${w.node} did not come back from its AOF after the ${ev.kind}` };
  const how = policy === 'always' ? 'appendfsync always' : ev.kind === 'restart' ? 'SHUTDOWN fsyncs it' : `fsynced at ${ms(fsynced!.t)}`;
  return { lose: false, why: `${w.node}'s AOF had it on disk at the ${describe(ev)} (${how}) and ${w.node} reloaded it at ${ms(reload.t)}` };
}

/** `w` completed before `s` was invoked (so `w` cannot have overwritten `s`). */
function completedBefore(w: SetRecord, s: SetRecord): boolean {
  if (w.completed < s.invoked) return true;
  // at one instant only a local write's invocation has a known place in the trace
  return w.completed === s.invoked && s.local && w.seq < s.seq;
}

const who = (w: { client: string | null; node: string }) => (w.client === null ? `${w.node}'s local client` : `client ${w.client}`);

export class AcknowledgedWrites extends BaseProperty {
  readonly name = 'acknowledged-writes';
  readonly types: readonly TraceEvent['type'][] = ['client.op', 'x.write', 'redis.failover', 'redis.role', 'redis.sync', 'redis.aof', 'redis.start', 'redis.stop'];
  /** The place of the last event read in the trace (of the events read: only their order matters). */
  private seq = 0;
  private readonly keys = new Map<string, KeyRecord>();
  private readonly tainted = new Set<string>();
  /** Latest time a flush (FLUSHALL, FLUSHDB ...) may have taken effect, for every db / per db. */
  private flushedAll = -Infinity;
  private readonly flushedDb = new Map<number, number>();
  private readonly events: LossEvent[] = [];
  /** A coordinated FAILOVER in progress: its origin and target. */
  private coordinating: { origin: string; target: string | null } | null = null;
  /** Nodes acting as masters, from start and role events (a stopped master stays one until it restarts). */
  private readonly masters = new Set<string>();
  /** Masters that are up. */
  private readonly liveMasters = new Set<string>();
  private readonly started = new Set<string>();
  /** Each node's appendfsync while its AOF is on. */
  private readonly aofPolicy = new Map<string, AppendFsync>();
  private readonly aof = new Map<string, AofFacts>();

  private acknowledged = 0;
  private indeterminate = 0;
  private present = 0;
  private overwritten = 0;
  private lost = 0;
  private lostAllowed = 0;
  private keysChecked = 0;
  private notJudged = 0;
  /** Lost writes per excusing event, acknowledging node and reason. */
  readonly lossesByEvent: { event: LossEvent; node: string; writes: number; why: string }[] = [];
  /** The first MAX_LOST_LISTED lost writes, allowed or not, in the order they were judged. */
  readonly lostWrites: LostWrite[] = [];

  private aofFacts(node: string): AofFacts {
    let f = this.aof.get(node);
    if (!f) this.aof.set(node, (f = { durable: [], opens: [] }));
    return f;
  }

  private lossEvent(t: number, kind: LossKind, node: string, masterHost: string | null = null, masters: readonly string[] = []): void {
    this.events.push({ seq: this.seq, t, kind, node, masterHost, masters });
  }

  onEvent(e: TraceEvent): void {
    this.seq++;
    switch (e.type) {
      case 'client.op':
      case 'x.write': {
        const op = clientOp(e);
        if (op !== null) this.onOp(op);
        return;
      }
      case 'redis.failover':
        if (e.state === 'failover-in-progress') this.coordinating = { origin: e.node, target: e.target };
        else if (e.state === 'no-failover' && this.coordinating?.origin === e.node) this.coordinating = null;
        return;
      case 'redis.role': {
        // a promotion, or a master demoted to replica (ending a split brain), may lose writes;
        // both halves of a coordinated FAILOVER (and its abort) may not
        const c = this.coordinating;
        const coordinated = c !== null && (e.node === c.origin || e.node === c.target);
        if (e.role === 'master') {
          if (!this.masters.has(e.node)) this.lossEvent(e.t, coordinated ? 'coordinated-failover' : 'failover', e.node);
          if (coordinated && e.node === c.target) this.coordinating = null;
          this.masters.add(e.node);
          this.liveMasters.add(e.node);
        } else {
          if (this.masters.delete(e.node)) this.lossEvent(e.t, coordinated ? 'coordinated-failover' : 'demotion', e.node, e.master_host);
          this.liveMasters.delete(e.node);
        }
        return;
      }
      case 'redis.sync':
        if (e.kind === 'full') this.lossEvent(e.t, 'full-sync', e.node, e.master);
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
        if (e.role === 'master') {
          if (this.started.has(e.node)) this.lossEvent(e.t, 'boot', e.node, null, [...this.liveMasters]);
          this.masters.add(e.node);
          this.liveMasters.add(e.node);
        } else if (this.masters.delete(e.node)) this.lossEvent(e.t, 'demotion', e.node, e.master_host);
        this.started.add(e.node);
        return;
      case 'redis.stop':
        this.liveMasters.delete(e.node);
        if (this.coordinating?.origin === e.node) this.coordinating = null;
        if (e.how === 'crash') this.lossEvent(e.t, 'crash', e.node);
        else if (!e.saved) this.lossEvent(e.t, 'restart', e.node);
        return;
      default:
        return;
    }
  }

  private onOp(op: ClientOp): void {
    if (op.outcome === 'fail') return; // definitely not applied
    switch (op.kind) {
      case 'set': {
        if (op.outcome === 'ok') this.acknowledged++;
        else this.indeterminate++;
        const k = dbKey(op.db, op.key);
        if (this.tainted.has(k) || op.node === null) return;
        let rec = this.keys.get(k);
        if (!rec) this.keys.set(k, (rec = { db: op.db, key: op.key, sets: [], evictedOk: 0, evictedInvoked: -Infinity, evictedCompleted: -Infinity }));
        const ok = op.outcome === 'ok';
        rec.sets.push({ value: valueKey(op.value), client: op.client, node: op.node, invoked: op.invoked, completed: ok ? op.completed : Infinity, seq: this.seq, local: op.local, ok, ackedBy: op.ackedBy, aof: this.aofPolicy.get(op.node) ?? null });
        if (rec.sets.length > MAX_SETS_PER_KEY) {
          const old = rec.sets.shift()!;
          if (old.ok) rec.evictedOk++;
          rec.evictedInvoked = Math.max(rec.evictedInvoked, old.invoked);
          rec.evictedCompleted = Math.max(rec.evictedCompleted, old.completed);
        }
        return;
      }
      case 'write':
        for (const k of op.keys) {
          this.tainted.add(k);
          this.keys.delete(k);
        }
        return;
      case 'flush': {
        // an indeterminate flush may take effect at any later time
        const t = op.outcome === 'ok' ? op.completed : Infinity;
        if (op.flushes === 'all') this.flushedAll = Math.max(this.flushedAll, t);
        else for (const db of op.flushes) this.flushedDb.set(db, Math.max(this.flushedDb.get(db) ?? -Infinity, t));
        return;
      }
      default:
        return;
    }
  }

  /** Index of the first loss event that may have come after `w` was acknowledged. */
  private firstAfter(w: SetRecord): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const ev = this.events[mid]!;
      const before = w.local ? ev.seq <= w.seq : ev.t < w.invoked;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  finish(view: FinalView): void {
    if (view.master === null) return;
    const byEvent = new Map<string, { event: LossEvent; node: string; writes: number; why: string }>();
    for (const [k, rec] of this.keys) {
      if (this.tainted.has(k)) continue;
      const flushed = Math.max(this.flushedAll, this.flushedDb.get(rec.db) ?? -Infinity);
      const judged = rec.sets.filter((s) => s.ok && s.invoked > flushed);
      const evicted = rec.evictedInvoked > flushed ? rec.evictedOk : 0;
      if (judged.length === 0 && evicted === 0) continue;
      this.keysChecked++;
      const got = view.get(view.master, rec.db, rec.key);
      const now = got === null ? null : valueKey(got);
      // a repeated value is taken to be its latest writer's (the most generous reading)
      let writer: SetRecord | null = null;
      if (now !== null) for (const s of rec.sets) if (s.value === now && (writer === null || s.invoked >= writer.invoked)) writer = s;
      if (writer !== null) this.overwritten += evicted;
      else this.notJudged += evicted;
      // a value no kept SET wrote may be a SET's no longer kept: it completed by evictedCompleted
      const older = writer === null && now !== null && rec.evictedCompleted > -Infinity;
      for (const s of judged) {
        if (s.value === now) this.present++;
        else if (writer !== null && !completedBefore(writer, s)) this.overwritten++;
        else if (older && rec.evictedCompleted >= s.invoked) this.overwritten++;
        else this.judgeLost(s, rec, view.master, now, writer, byEvent);
      }
    }
    for (const l of byEvent.values()) this.lossesByEvent.push(l);
    this.lossesByEvent.sort((a, b) => a.event.seq - b.event.seq || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }

  /**
   * Walk the loss events that may have come after `w` was acknowledged, tracking the nodes that
   * hold it: the first one that may lose it under the contract excuses the loss. `why` is the
   * reason notes group by; `detail` adds what only this write has (the replicas WAIT counted).
   */
  private attribute(w: SetRecord): { excuse: { ev: LossEvent; why: string; detail?: string } | null; after: LossEvent[]; kept: string[]; holders: string[] } {
    const holders = new Set([w.node, ...w.ackedBy]);
    const initial = [...holders];
    const kept: string[] = [];
    const aofKept: string[] = [];
    /** The events after it, as a violation names them (a holder coming back is not one). */
    const after: LossEvent[] = [];
    const done = (ev: LossEvent, why: string, detail?: string) => ({ excuse: { ev, why, ...(detail ? { detail } : {}) }, after, kept, holders: initial });
    for (let i = this.firstAfter(w); i < this.events.length; i++) {
      const ev = this.events[i]!;
      // a holder coming back is not named, nor a full sync of a node that does not hold it
      if (ev.kind === 'boot' ? !holders.has(ev.node) : ev.kind !== 'full-sync' || holders.has(ev.node)) after.push(ev);
      switch (ev.kind) {
        case 'coordinated-failover':
          // the origin's demotion to its target, which caught up before the switch
          if (ev.masterHost !== null && holders.has(ev.node)) holders.add(ev.masterHost);
          continue;
        case 'failover':
          if (holders.has(ev.node)) {
            kept.push(`${ev.node} held it when promoted`);
            continue;
          }
          if (w.ackedBy.length === 0) return done(ev, 'asynchronous replication');
          return done(ev, `asynchronous replication: ${ev.node} was not among the replicas WAIT counted`, `asynchronous replication: ${ev.node} was not among the replicas WAIT counted (${w.ackedBy.join(', ')})`);
        case 'boot': {
          if (holders.has(ev.node)) continue;
          const holding = ev.masters.filter((m) => holders.has(m));
          if (holding.length > 0) {
            kept.push(`${ev.node} came back as master while ${holding.join(', ')}, which held it, was master`);
            continue;
          }
          return done(ev, `${ev.node} came back as master without it, and the replicas that held it resync from it`, `${ev.node} came back as master without it, and the replicas that held it (${[...holders].join(', ')}) resync from it`);
        }
        default:
          break;
      }
      if (!holders.has(ev.node)) continue;
      if (ev.kind === 'demotion' && ev.masterHost !== null && holders.has(ev.masterHost)) {
        kept.push(`${ev.node} was demoted to a replica of ${ev.masterHost}, which held it`);
        continue;
      }
      if (ev.kind === 'full-sync' && ev.masterHost !== null && holders.has(ev.masterHost)) {
        kept.push(`${ev.node} full synced from ${ev.masterHost}, which held it`);
        continue;
      }
      let why = 'asynchronous replication';
      if (ev.node === w.node && w.aof !== null && (ev.kind === 'crash' || ev.kind === 'restart')) {
        const v = aofVerdict(w, ev, this.aof.get(w.node));
        if (!v.lose) {
          aofKept.push(v.why);
          continue;
        }
        why = v.why;
      }
      holders.delete(ev.node);
      if (holders.size === 0) return done(ev, why);
    }
    return { excuse: null, after, kept: [...kept, ...aofKept], holders: initial };
  }

  /** Attribute a lost write to the event that discarded it, or report it. */
  private judgeLost(w: SetRecord, rec: KeyRecord, master: string, now: string | null, writer: SetRecord | null, byEvent: Map<string, { event: LossEvent; node: string; writes: number; why: string }>): void {
    this.lost++;
    const { excuse, after, kept, holders } = this.attribute(w);
    const write = `SET ${rec.key} ${w.value} (db ${rec.db})${w.client === null ? '' : ` from client ${w.client}, invoked at ${ms(w.invoked)},`}`;
    const finalValue = now === null ? 'no such key' : `${JSON.stringify(now)}${writer === null ? '' : ` (written by ${who(writer)}'s SET acknowledged by ${writer.node} at ${ms(writer.completed)}, before this one was invoked)`}`;
    let why: string;
    if (excuse !== null) {
      this.lostAllowed++;
      why = excuse.why;
      const key = `${excuse.ev.seq}\u0000${w.node}\u0000${why}`;
      const b = byEvent.get(key);
      if (b) b.writes++;
      else byEvent.set(key, { event: excuse.ev, node: w.node, writes: 1, why });
    } else {
      const named = after.slice(0, MAX_EVENTS_NAMED).map(describe).join(', ') + (after.length > MAX_EVENTS_NAMED ? ` and ${after.length - MAX_EVENTS_NAMED} more` : '');
      const keptNote = kept.length > 0 ? `; ${kept.join('; ')}` : '';
      why =
        after.length > 0
          ? `nothing after it may lose it (${named}): only the promotion of a node that did not hold it (or its return as master while none that did was master), or a crash, unsaved restart, demotion or full sync from a node without it of every node that did (${holders.join(', ')}), may, and a coordinated FAILOVER never${keptNote}`
          : 'no failover, crash or unsaved restart came after it';
      this.violate(w.completed, [w.node, master], `${write} was acknowledged by ${w.node} at ${ms(w.completed)} but the final master ${master} has ${finalValue}; ${why}.`);
    }
    if (this.lostWrites.length < MAX_LOST_LISTED) {
      this.lostWrites.push({ key: rec.key, db: rec.db, value: w.value, client: w.client, node: w.node, invoked: w.invoked, completed: w.completed, event: excuse === null ? null : { kind: excuse.ev.kind, node: excuse.ev.node, t: excuse.ev.t }, allowed: excuse !== null, why: excuse?.detail ?? why });
    }
  }

  notes(): string[] {
    return this.lossesByEvent.map((l) => `${l.writes} acknowledged write(s) lost across the ${label(l.event)} at ${ms(l.event.t)} (acknowledged by ${l.node}; allowed: ${l.why})`);
  }

  checked(): number {
    return this.present + this.overwritten + this.lost;
  }

  stats(): Record<string, number> {
    return {
      acknowledged: this.acknowledged,
      present: this.present,
      overwritten: this.overwritten,
      lost: this.lost,
      lost_allowed: this.lostAllowed,
      indeterminate: this.indeterminate,
      keys_checked: this.keysChecked,
      not_judged: this.notJudged,
    };
  }
}
