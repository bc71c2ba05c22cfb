// Stale reads, a measurement: a client's GET of a key after its own acknowledged SET of it is fresh
// (its own value), overwritten (the value of a SET anyone invoked after the client's own, or the key
// was changed otherwise since), or stale (an older value, or nothing). Redis replication does not
// promise read-your-writes when a read goes to a replica or a failover intervenes, so a stale read
// is never a violation: the figure is what clients of this run would have seen. Memory is flat in
// run length: recent SETs and unexplained reads are kept per key, a bounded number of each.

import type { TraceEvent } from '../sim/trace-events.js';
import { clientOp, dbKey, ms, valueKey, type ClientOp } from './client-ops.js';
import { BaseProperty } from './types.js';

/** A client's last acknowledged SET of a key. */
interface OwnSet {
  value: string;
  node: string;
  invoked: number;
  completed: number;
}

/** A read that was not fresh and not yet explained: a SET still in flight may explain it. */
interface PendingRead {
  client: string;
  node: string;
  db: number;
  key: string;
  reply: string;
  completed: number;
  own: OwnSet;
}

/** SETs remembered per key (value and invocation), and unexplained reads kept per key: memory flat in run length. */
export const RECENT_SETS_PER_KEY = 64;
export const PENDING_READS_PER_KEY = 16;
/** Stale reads shown one by one in the notes. */
const MAX_NOTED = 5;

export class StaleReads extends BaseProperty {
  readonly name = 'stale-reads';
  readonly types: readonly TraceEvent['type'][] = ['client.op', 'x.write'];
  /** Per client, per key: its last acknowledged SET. */
  private readonly own = new Map<string, Map<string, OwnSet>>();
  /** Per key: the last SETs (ok or indeterminate, by anyone), in completion order. */
  private readonly recent = new Map<string, { value: string; invoked: number }[]>();
  /** Per key: the latest invocation of another write to it; per db (or 'all'): of a flush. */
  private readonly otherWrite = new Map<string, number>();
  private readonly flushed = new Map<number | 'all', number>();
  private readonly pending = new Map<string, PendingRead[]>();
  private fresh = 0;
  private overwritten = 0;
  private stale = 0;
  /** The earliest stale reads, by completion time. */
  private readonly staleNotes: { t: number; text: string }[] = [];

  onEvent(e: TraceEvent): void {
    if (e.type !== 'client.op' && e.type !== 'x.write') return;
    const op = clientOp(e);
    if (op !== null && op.outcome !== 'fail') this.onOp(op);
  }

  private onOp(op: ClientOp): void {
    switch (op.kind) {
      case 'set': {
        const k = dbKey(op.db, op.key);
        const v = valueKey(op.value);
        let ring = this.recent.get(k);
        if (!ring) this.recent.set(k, (ring = []));
        ring.push({ value: v, invoked: op.invoked });
        if (ring.length > RECENT_SETS_PER_KEY) ring.shift();
        this.explain(k, (r) => r.reply === v && op.invoked > r.own.invoked && op.invoked <= r.completed);
        if (op.outcome !== 'ok' || op.client === null || op.node === null) return;
        let mine = this.own.get(op.client);
        if (!mine) this.own.set(op.client, (mine = new Map()));
        mine.set(k, { value: v, node: op.node, invoked: op.invoked, completed: op.completed });
        return;
      }
      case 'write':
        for (const k of op.keys) {
          this.otherWrite.set(k, Math.max(this.otherWrite.get(k) ?? -Infinity, op.invoked));
          this.explain(k, (r) => op.invoked > r.own.invoked && op.invoked <= r.completed);
        }
        return;
      case 'flush': {
        const dbs = op.flushes;
        for (const db of dbs === 'all' ? ['all' as const] : dbs) this.flushed.set(db, Math.max(this.flushed.get(db) ?? -Infinity, op.invoked));
        for (const k of [...this.pending.keys()]) this.explain(k, (r) => (dbs === 'all' || dbs.includes(r.db)) && op.invoked > r.own.invoked && op.invoked <= r.completed);
        return;
      }
      case 'get': {
        if (op.outcome !== 'ok' || op.client === null || op.node === null) return;
        const k = dbKey(op.db, op.key);
        const own = this.own.get(op.client)?.get(k);
        if (!own || op.invoked < own.completed) return;
        const reply = valueKey(op.value);
        if (reply === own.value) {
          this.fresh++;
          return;
        }
        // what has completed so far was invoked before this read completed
        const after = own.invoked;
        const changed =
          (this.recent.get(k)?.some((x) => x.value === reply && x.invoked > after) ?? false) ||
          (this.otherWrite.get(k) ?? -Infinity) > after ||
          (this.flushed.get(op.db) ?? -Infinity) > after ||
          (this.flushed.get('all') ?? -Infinity) > after;
        if (changed) {
          this.overwritten++;
          return;
        }
        let waiting = this.pending.get(k);
        if (!waiting) this.pending.set(k, (waiting = []));
        waiting.push({ client: op.client, node: op.node, db: op.db, key: op.key, reply, completed: op.completed, own });
        // a SET that could explain the oldest would have completed long ago: it is stale
        if (waiting.length > PENDING_READS_PER_KEY) this.markStale(waiting.shift()!);
        return;
      }
      default:
        return;
    }
  }

  /** Pending reads of key k that `by` explains are overwritten. */
  private explain(k: string, by: (r: PendingRead) => boolean): void {
    const waiting = this.pending.get(k);
    if (!waiting) return;
    const left = waiting.filter((r) => !by(r));
    this.overwritten += waiting.length - left.length;
    if (left.length === 0) this.pending.delete(k);
    else if (left.length !== waiting.length) this.pending.set(k, left);
  }

  private markStale(r: PendingRead): void {
    this.stale++;
    const notes = this.staleNotes;
    if (notes.length === MAX_NOTED && notes[MAX_NOTED - 1]!.t <= r.completed) return;
    notes.push({ t: r.completed, text: `${r.client} read ${r.key} (db ${r.db}) from ${r.node} at ${ms(r.completed)} and got ${JSON.stringify(r.reply)}, but had written ${JSON.stringify(r.own.value)} (acknowledged by ${r.own.node} at ${ms(r.own.completed)})` });
    notes.sort((a, b) => a.t - b.t);
    if (notes.length > MAX_NOTED) notes.pop();
  }

  finish(): void {
    for (const waiting of this.pending.values()) for (const r of waiting) this.markStale(r);
    this.pending.clear();
  }

  notes(): string[] {
    const shown = this.staleNotes.map((n) => n.text);
    const more = this.stale - shown.length;
    return more > 0 ? [...shown, `and ${more} more stale read(s)`] : shown;
  }

  checked(): number {
    return this.fresh + this.overwritten + this.stale;
  }

  stats(): Record<string, number> {
    return { reads_checked: this.checked(), fresh: this.fresh, overwritten: this.overwritten, stale: this.stale };
  }
}
