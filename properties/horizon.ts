// The retention horizon: which histories and offsets a node may still apply, generate or be
// observed at, derived from the events alone. Properties forget ground truth outside it, so a long
// run keeps only a window of it (memory flat in run length) without deciding any check differently.

import type { TraceEvent } from '../sim/trace-events.js';
import type { ClusterView } from './view.js';

/** Bytes of stream kept below the lowest position that may still matter: slack, not a rule. */
export const MARGIN_BYTES = 1 << 16;
/** Redis's default repl-backlog-size: how far back a master may serve until a PSYNC shows a larger backlog. */
const DEFAULT_BACKLOG_BYTES = 1 << 20;

interface Position {
  replid: string;
  offset: number;
}

/**
 * Each node's own position is the view's (replid, offset) while it is meaningful (a node that is
 * down keeps its last one); the horizon adds what the view does not keep: full syncs under way, the
 * RDBs on disk and the largest backlog seen.
 */
export class Horizon {
  /** A replica told to full sync: it will load an RDB at its master's position then or later. */
  private readonly syncing = new Map<string, Position>();
  /** Each node's RDB on disk: where it would come back from after a restart. */
  readonly disk = new Map<string, Position>();
  /** The largest backlog a PSYNC reported: a replica may ask for that much behind a master. */
  private maxBacklog = 0;

  constructor(private readonly view: ClusterView) {}

  onEvent(e: TraceEvent): void {
    switch (e.type) {
      case 'redis.start':
        this.syncing.delete(e.node);
        if (e.rdb_repl_id !== null && e.rdb_repl_offset !== null) this.disk.set(e.node, { replid: e.rdb_repl_id, offset: e.rdb_repl_offset });
        else this.disk.delete(e.node);
        return;
      case 'redis.save':
        if (e.repl_id !== null && e.repl_offset !== null) this.disk.set(e.node, { replid: e.repl_id, offset: e.repl_offset });
        return;
      case 'redis.replid':
      case 'redis.link':
        if (e.type === 'redis.link' ? e.status === 'up' : e.reason === 'full-sync') this.syncing.delete(e.node);
        return;
      case 'redis.psync':
        if (e.repl_backlog_histlen > this.maxBacklog) this.maxBacklog = e.repl_backlog_histlen;
        if (e.result === 'full') this.syncing.set(e.replica, { replid: e.master_replid, offset: e.master_repl_offset });
        return;
      default:
        return;
    }
  }

  /**
   * For each history a node may still apply bytes of, or be observed on (the history of a node or
   * of a full sync under way, and their ancestors), the offsets that may still matter: from the
   * lowest such position (an RDB on disk counts while it is within a backlog of the furthest
   * node: a replica restarted from it may still be served the bytes after it) minus a small margin,
   * up to where a live descendant forked off (`high`; Infinity for a node's own history). A new
   * history forks from a node's current one, or starts from nothing, so nothing outside these
   * windows is needed again, except positions held by an RDB on disk (`diskPositions`), which the
   * observation property keeps exactly.
   */
  windows(): Map<string, { low: number; high: number }> {
    const margin = MARGIN_BYTES;
    const out = new Map<string, { low: number; high: number }>();
    const add = (p: Position) => {
      const low = Math.max(0, p.offset - margin);
      for (const a of this.view.lineage.ancestry(p.replid)) {
        if (a.upTo < low) break; // further ancestors end even lower
        const w = out.get(a.id);
        if (!w) out.set(a.id, { low, high: a.upTo });
        else {
          if (low < w.low) w.low = low;
          if (a.upTo > w.high) w.high = a.upTo;
        }
      }
    };
    const placed = [...this.view.nodes.values()].filter((n) => n.meaningful);
    let head = 0;
    for (const v of placed) if (v.offset > head) head = v.offset;
    const reach = head - Math.max(this.maxBacklog, DEFAULT_BACKLOG_BYTES);
    for (const v of placed) add(v);
    for (const v of this.syncing.values()) add(v);
    for (const v of this.disk.values()) if (v.offset >= reach) add(v);
    return out;
  }

  /** The (replid:offset) positions of the RDBs on disk. */
  diskPositions(): Set<string> {
    return new Set([...this.disk.values()].map((d) => `${d.replid}:${d.offset}`));
  }
}

/** When to prune a growing map again: after it has doubled since the last prune (amortized O(1) per entry). */
export function nextPruneAt(size: number): number {
  return Math.max(4096, 2 * size);
}
