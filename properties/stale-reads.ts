// Stale reads, a measurement: a client's GET of a key after its own acknowledged SET of it is fresh
// (its own value), overwritten (the value of a SET anyone invoked after the client's own, or the key
// was changed otherwise since), or stale (an older value, or nothing). Redis replication does not
// promise read-your-writes when a read goes to a replica or a failover intervenes, so a stale read
// is never a violation: the figure is what clients of this run would have seen.

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

/** A read that was not fresh: judged at the end, when every SET it may have seen is known. */
interface PendingRead {
  client: string;
  node: string;
  db: number;
  key: string;
  reply: string;
  invoked: number;
  completed: number;
  own: OwnSet;
}

/** Stale reads shown one by one in the notes. */
const MAX_NOTED = 5;

/** Some time in `times` lies in (after, until]. */
const within = (times: number[] | undefined, after: number, until: number) => times !== undefined && times.some((t) => t > after && t <= until);

export class StaleReads extends BaseProperty {
  readonly name = 'stale-reads';
  /** Per client, per key: its last acknowledged SET. */
  private readonly own = new Map<string, Map<string, OwnSet>>();
  /** Per key, per value: when SETs of it (ok or indeterminate, by anyone) were invoked. */
  private readonly setsByValue = new Map<string, Map<string, number[]>>();
  /** Per key: when other writes to it were invoked; flushes per db and of every db. */
  private readonly otherWrites = new Map<string, number[]>();
  private readonly flushes = new Map<number | 'all', number[]>();
  private readonly pending: PendingRead[] = [];
  private fresh = 0;
  private overwritten = 0;
  private stale = 0;
  private readonly staleNotes: string[] = [];

  onEvent(e: TraceEvent): void {
    if (e.type !== 'client.op' && e.type !== 'x.write') return;
    const op = clientOp(e);
    if (op !== null && op.outcome !== 'fail') this.onOp(op);
  }

  private onOp(op: ClientOp): void {
    switch (op.kind) {
      case 'set': {
        const k = dbKey(op.db, op.key);
        let byValue = this.setsByValue.get(k);
        if (!byValue) this.setsByValue.set(k, (byValue = new Map()));
        const v = valueKey(op.value);
        const times = byValue.get(v);
        if (times) times.push(op.invoked);
        else byValue.set(v, [op.invoked]);
        if (op.outcome !== 'ok' || op.client === null || op.node === null) return;
        let mine = this.own.get(op.client);
        if (!mine) this.own.set(op.client, (mine = new Map()));
        mine.set(k, { value: v, node: op.node, invoked: op.invoked, completed: op.completed });
        return;
      }
      case 'write':
        for (const k of op.keys) {
          const times = this.otherWrites.get(k);
          if (times) times.push(op.invoked);
          else this.otherWrites.set(k, [op.invoked]);
        }
        return;
      case 'flush':
        for (const db of op.flushes === 'all' ? ['all' as const] : op.flushes) {
          const times = this.flushes.get(db);
          if (times) times.push(op.invoked);
          else this.flushes.set(db, [op.invoked]);
        }
        return;
      case 'get': {
        if (op.outcome !== 'ok' || op.client === null || op.node === null) return;
        const own = this.own.get(op.client)?.get(dbKey(op.db, op.key));
        if (!own || op.invoked < own.completed) return;
        const reply = valueKey(op.value);
        if (reply === own.value) this.fresh++;
        else this.pending.push({ client: op.client, node: op.node, db: op.db, key: op.key, reply, invoked: op.invoked, completed: op.completed, own });
        return;
      }
      default:
        return;
    }
  }

  finish(): void {
    for (const r of this.pending) {
      const k = dbKey(r.db, r.key);
      const after = r.own.invoked;
      const changed =
        within(this.setsByValue.get(k)?.get(r.reply), after, r.completed) ||
        within(this.otherWrites.get(k), after, r.completed) ||
        within(this.flushes.get(r.db), after, r.completed) ||
        within(this.flushes.get('all'), after, r.completed);
      if (changed) {
        this.overwritten++;
        continue;
      }
      this.stale++;
      if (this.staleNotes.length < MAX_NOTED) {
        this.staleNotes.push(`${r.client} read ${r.key} (db ${r.db}) from ${r.node} at ${ms(r.completed)} and got ${JSON.stringify(r.reply)}, but had written ${JSON.stringify(r.own.value)} (acknowledged by ${r.own.node} at ${ms(r.own.completed)})`);
      }
    }
    this.pending.length = 0;
  }

  notes(): string[] {
    const more = this.stale - this.staleNotes.length;
    return more > 0 ? [...this.staleNotes, `and ${more} more stale read(s)`] : this.staleNotes;
  }

  checked(): number {
    return this.fresh + this.overwritten + this.stale;
  }

  stats(): Record<string, number> {
    return { reads_checked: this.checked(), fresh: this.fresh, overwritten: this.overwritten, stale: this.stale };
  }
}
