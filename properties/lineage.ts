// The lineage oracle: every replication history the run created, where it forked from (parent id
// and offset) or that it has none, built from facts alone: an id first seen on a node that keeps
// its data is a fork of the id the oracle last saw that node with, at the offset it appears at; the
// node's own replid2 bookkeeping and the reason it gives are not read. It answers "does position
// (id, offset) lie on history S?".

import type { TraceEvent } from '../sim/trace-events.js';

export interface History {
  id: string;
  parent: { id: string; offset: number } | null;
  /** Offset of the history's first own byte minus one (where it starts). */
  start: number;
}

export class Lineage {
  readonly histories = new Map<string, History>();
  /** The id each node was last seen with, by the oracle itself (start, id changes, observations, links). */
  private readonly lastId = new Map<string, string>();

  private add(h: History): void {
    if (!this.histories.has(h.id)) this.histories.set(h.id, h);
  }

  onEvent(e: TraceEvent): void {
    if (e.type === 'redis.start') {
      // a master restarted from an RDB with replication info continues that history under a new id
      const parent = e.role === 'master' && e.rdb_repl_id !== null && e.rdb_repl_offset !== null ? { id: e.rdb_repl_id, offset: e.rdb_repl_offset } : null;
      this.add({ id: e.replid, parent, start: parent ? parent.offset : e.master_repl_offset });
    } else if (e.type === 'redis.replid') {
      // An id nobody had before, taken by a node that keeps its data and offset, continues the
      // history the oracle last saw that node on (not the one the node says it had). An id that
      // exists already (a full sync, +CONTINUE with a new id) is adopted: no new history.
      const prev = this.lastId.get(e.node) ?? e.prev_replid;
      if (!this.histories.has(e.replid)) this.add({ id: e.replid, parent: { id: prev, offset: e.master_repl_offset }, start: e.master_repl_offset });
    }
    this.track(e);
  }

  private track(e: TraceEvent): void {
    // not the per-command stream/applied events: this runs for every trace event
    if (e.type === 'redis.start' || e.type === 'redis.replid' || e.type === 'redis.obs' || e.type === 'redis.link' || e.type === 'redis.sync') this.lastId.set(e.node, e.replid);
  }

  /**
   * Is position (id, offset) (the replica has the history's bytes 1..offset) a prefix of history
   * `server` as it stands at `serverOffset`?
   */
  onLineage(id: string, offset: number, server: string, serverOffset: number): boolean {
    let bound = serverOffset;
    let cur: string | undefined = server;
    const seen = new Set<string>();
    while (cur !== undefined && !seen.has(cur)) {
      seen.add(cur);
      if (cur === id) return offset <= bound;
      const h = this.histories.get(cur);
      if (!h || !h.parent) return false;
      bound = Math.min(bound, h.parent.offset);
      cur = h.parent.id;
    }
    return false;
  }

  /** The ancestors of a history (itself first) with the highest offset each one still covers. */
  ancestry(id: string): { id: string; upTo: number }[] {
    const out: { id: string; upTo: number }[] = [];
    let bound = Number.POSITIVE_INFINITY;
    let cur: string | undefined = id;
    const seen = new Set<string>();
    while (cur !== undefined && !seen.has(cur)) {
      seen.add(cur);
      out.push({ id: cur, upTo: bound });
      const h = this.histories.get(cur);
      if (!h || !h.parent) break;
      bound = Math.min(bound, h.parent.offset);
      cur = h.parent.id;
    }
    return out;
  }
}
