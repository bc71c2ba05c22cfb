// The properties checked on every run, in one registry (a scenario may turn one off with
// "properties": {name: false}), and the set that feeds them the shared observation model.

import type { TraceEvent } from '../sim/trace-events.js';
import { ClusterView } from './view.js';
import { Horizon } from './horizon.js';
import { EqualIdOffsetEqualData } from './equal-id-offset-equal-data.js';
import { PartialSyncWhenAncestor } from './partial-sync-when-ancestor.js';
import { StreamPrefix } from './stream-prefix.js';
import { Convergence } from './convergence.js';
import { CounterSanity } from './counter-sanity.js';
import { AcknowledgedWrites } from './acknowledged-writes.js';
import { SplitBrain } from './split-brain.js';
import { StaleReads } from './stale-reads.js';
import { OneMasterPerEpoch } from './one-master-per-epoch.js';
import { FailoverChoice } from './failover-choice.js';
import { SentinelConvergence } from './sentinel-convergence.js';
import type { FinalView, Property, Violation } from './types.js';

export type { FinalView, Property, Violation } from './types.js';
export { Lineage } from './lineage.js';
export { ClusterView } from './view.js';

/** What a property is built from: the shared model and the retention horizon. */
export interface PropertyContext {
  view: ClusterView;
  horizon: Horizon;
}

/** The one list of properties: name, kind (a liveness violation exits 3, a safety one 1), constructor. */
export const PROPERTIES = [
  { name: 'equal-id-offset-equal-data', kind: 'safety', make: (c: PropertyContext) => new EqualIdOffsetEqualData(c.horizon) },
  { name: 'partial-sync-when-ancestor', kind: 'safety', make: (c: PropertyContext) => new PartialSyncWhenAncestor(c.view) },
  { name: 'stream-prefix', kind: 'safety', make: (c: PropertyContext) => new StreamPrefix(c.view.lineage, c.horizon) },
  { name: 'convergence', kind: 'liveness', make: (c: PropertyContext) => new Convergence(c.view) },
  { name: 'counter-sanity', kind: 'safety', make: () => new CounterSanity() },
  { name: 'acknowledged-writes', kind: 'safety', make: () => new AcknowledgedWrites() },
  { name: 'split-brain', kind: 'safety', make: () => new SplitBrain() },
  { name: 'stale-reads', kind: 'safety', make: () => new StaleReads() },
  { name: 'one-master-per-epoch', kind: 'safety', make: () => new OneMasterPerEpoch() },
  { name: 'failover-choice', kind: 'safety', make: (c: PropertyContext) => new FailoverChoice(c.view) },
  { name: 'sentinel-convergence', kind: 'liveness', make: (c: PropertyContext) => new SentinelConvergence(c.view) },
] as const satisfies readonly { name: string; kind: 'safety' | 'liveness'; make: (c: PropertyContext) => Property }[];

export type PropertyName = (typeof PROPERTIES)[number]['name'];
export const PROPERTY_NAMES: readonly PropertyName[] = PROPERTIES.map((p) => p.name);

/** Properties whose violation is a liveness failure (exit 3) rather than a safety one (exit 1). */
export const LIVENESS_PROPERTIES: ReadonlySet<string> = new Set(PROPERTIES.filter((p) => p.kind === 'liveness').map((p) => p.name));

export interface PropertyReport {
  violations: number;
  /** How many things the property judged; 0 means it saw nothing to check (not a silent pass). */
  checked: number;
  stats: Record<string, number>;
  notes: string[];
}

/** The event types Horizon.onEvent reads. */
const HORIZON_TYPES: ReadonlySet<string> = new Set(['redis.start', 'redis.save', 'redis.replid', 'redis.link', 'redis.psync']);

export class PropertySet {
  readonly view = new ClusterView();
  /** Where the properties may forget their ground truth (keeps their memory flat in run length). */
  readonly horizon = new Horizon(this.view);
  readonly all: Property[];

  constructor(enabled: Partial<Record<string, boolean>> = {}) {
    const ctx: PropertyContext = { view: this.view, horizon: this.horizon };
    this.all = PROPERTIES.filter((p) => enabled[p.name] !== false).map((p) => p.make(ctx));
  }

  get lineage() {
    return this.view.lineage;
  }

  /** A property of this set by name (undefined when the scenario turned it off). */
  get(name: PropertyName): Property | undefined {
    return this.all.find((p) => p.name === name);
  }

  /**
   * Per event type (filled as types occur): the properties that read it, in registry order, and
   * whether the shared model does (the view and its lineage read only the nodes' redis.* events,
   * the horizon the few in HORIZON_TYPES).
   */
  private readonly byType = new Map<string, { ps: Property[]; view: boolean; horizon: boolean }>();

  onEvent(e: TraceEvent): void {
    let d = this.byType.get(e.type);
    if (d === undefined) {
      const type = e.type;
      d = { ps: this.all.filter((p) => p.types === undefined || p.types.includes(type)), view: type.startsWith('redis.'), horizon: HORIZON_TYPES.has(type) };
      this.byType.set(type, d);
    }
    if (d.view) this.view.onEvent(e);
    const ps = d.ps;
    for (let i = 0; i < ps.length; i++) ps[i]!.onEvent(e);
    if (d.horizon) this.horizon.onEvent(e);
  }

  finish(view: FinalView): Violation[] {
    for (const p of this.all) p.finish(view);
    return this.all.flatMap((p) => p.violations);
  }

  report(): Record<string, PropertyReport> {
    const out: Record<string, PropertyReport> = {};
    for (const p of this.all) out[p.name] = { violations: p.violations.length, checked: p.checked(), stats: p.stats(), notes: p.notes() };
    return out;
  }
}
