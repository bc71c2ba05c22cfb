// Property 1: whenever two observations, on any nodes at any times, share (replid, offset) where the
// offset is meaningful (the node has a backlog, a master link or a cached master), their dataset
// digests are equal. Real Redis breaks this only through writes to a writable replica.

import type { TraceEvent } from '../sim/trace-events.js';
import { BaseProperty, short } from './types.js';
import { nextPruneAt, type Horizon } from './horizon.js';

interface Obs {
  node: string;
  replid: string;
  offset: number;
  t: number;
  digest: string;
}

export class EqualIdOffsetEqualData extends BaseProperty {
  readonly name = 'equal-id-offset-equal-data';
  readonly types: readonly TraceEvent['type'][] = ['redis.obs'];
  private readonly first = new Map<string, Obs>();
  private compared = 0;
  private pruneAt = nextPruneAt(0);

  constructor(private readonly horizon?: Horizon) {
    super();
  }

  /**
   * Forget positions outside the horizon's windows unless an RDB on disk holds them: no node can be
   * observed there again (see Horizon), so no comparison is lost.
   */
  private prune(): void {
    const windows = this.horizon!.windows();
    const keep = this.horizon!.diskPositions();
    for (const [key, o] of this.first) {
      const w = windows.get(o.replid);
      if ((!w || o.offset < w.low || o.offset > w.high) && !keep.has(key)) this.first.delete(key);
    }
    this.pruneAt = nextPruneAt(this.first.size);
  }

  /** Number of positions remembered (for tests of the bound). */
  get kept(): number {
    return this.first.size;
  }

  onEvent(e: TraceEvent): void {
    if (e.type !== 'redis.obs' || !e.meaningful) return;
    const key = `${e.replid}:${e.offset}`;
    const prev = this.first.get(key);
    if (!prev) {
      this.first.set(key, { node: e.node, replid: e.replid, offset: e.offset, t: e.t, digest: e.digest });
      if (this.horizon && this.first.size >= this.pruneAt) this.prune();
      return;
    }
    this.compared++;
    if (prev.digest !== e.digest) {
      this.violate(e.t, [prev.node, e.node], `${prev.node} at ${(prev.t / 1000).toFixed(3)} ms and ${e.node} at ${(e.t / 1000).toFixed(3)} ms both report replid ${short(e.replid)} offset ${e.offset}, but their data differ (digest ${prev.digest} vs ${e.digest}). Equal replication id and offset must mean equal data; a write to a writable replica (replica-read-only no) is the one way real Redis breaks this, any other cause is a replication bug.`);
      this.first.set(key, { node: e.node, replid: e.replid, offset: e.offset, t: e.t, digest: e.digest }); // report each divergence once
    }
  }

  checked(): number {
    return this.compared;
  }

  stats(): Record<string, number> {
    return { positions_compared: this.compared };
  }
}
