// The properties checked on every run (a scenario may turn one off with "properties": {name: false}).

import type { TraceEvent } from '../sim/trace-events.js';
import { Lineage } from './lineage.js';
import { Horizon } from './horizon.js';
import { EqualIdOffsetEqualData } from './equal-id-offset-equal-data.js';
import { PartialSyncWhenAncestor } from './partial-sync-when-ancestor.js';
import { StreamPrefix } from './stream-prefix.js';
import { Convergence } from './convergence.js';
import { CounterSanity } from './counter-sanity.js';
import { AcknowledgedWrites } from './acknowledged-writes.js';
import type { FinalView, Property, Violation } from './types.js';

export type { FinalView, Property, Violation } from './types.js';
export { Lineage } from './lineage.js';

export const PROPERTY_NAMES = ['equal-id-offset-equal-data', 'partial-sync-when-ancestor', 'stream-prefix', 'convergence', 'counter-sanity', 'acknowledged-writes'] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];

/** Properties whose violation is a liveness failure (exit 3) rather than a safety one (exit 1). */
export const LIVENESS_PROPERTIES: ReadonlySet<string> = new Set(['convergence']);

export interface PropertyReport {
  violations: number;
  stats: Record<string, number>;
  notes: string[];
}

export class PropertySet {
  readonly lineage = new Lineage();
  /** Where the properties may forget their ground truth (keeps their memory flat in run length). */
  readonly horizon = new Horizon(this.lineage);
  readonly all: Property[];
  private readonly partial: PartialSyncWhenAncestor;
  private readonly writes: AcknowledgedWrites;

  constructor(enabled: Partial<Record<string, boolean>> = {}) {
    this.partial = new PartialSyncWhenAncestor(this.lineage);
    this.writes = new AcknowledgedWrites();
    const made: Property[] = [new EqualIdOffsetEqualData(this.horizon), this.partial, new StreamPrefix(this.lineage, this.horizon), new Convergence(), new CounterSanity(), this.writes];
    this.all = made.filter((p) => enabled[p.name] !== false);
  }

  onEvent(e: TraceEvent): void {
    this.lineage.onEvent(e);
    for (const p of this.all) p.onEvent(e);
    this.horizon.onEvent(e);
  }

  finish(view: FinalView): Violation[] {
    for (const p of this.all) p.finish(view);
    return this.all.flatMap((p) => p.violations);
  }

  report(): Record<string, PropertyReport> {
    const out: Record<string, PropertyReport> = {};
    for (const p of this.all) {
      const notes = p === this.partial ? this.partial.missedDetails : p === this.writes ? this.writes.lossesByEvent.map((l) => `${l.writes} acknowledged write(s) lost across the ${l.event.kind} of ${l.event.node} at ${(l.event.t / 1000).toFixed(3)} ms (allowed: asynchronous replication)`) : [];
      out[p.name] = { violations: p.violations.length, stats: p.stats(), notes };
    }
    return out;
  }
}
