// What a property is: it observes typed trace events, keeps its own ground truth, and reports
// violations with the simulated time, the nodes and an explanation a Redis engineer would accept.

import type { TraceEvent } from '../sim/trace-events.js';

export interface Violation {
  property: string;
  time_us: number;
  nodes: string[];
  message: string;
}

/** What a property may look at when the run is over (public reads only). */
export interface FinalView {
  /** The node the run ended with as master, or null when there is not exactly one. */
  master: string | null;
  /** GET key in db on a node, as a client would; null when missing or the node is down. */
  get(node: string, db: number, key: string): string | null;
}

export interface Property {
  readonly name: string;
  /**
   * The event types onEvent reads: it is called for those only (a dispatch table by type instead of
   * every property seeing every event). Absent: every event (a property that counts or times all of
   * them, or one written before this existed).
   */
  readonly types?: readonly TraceEvent['type'][];
  onEvent(e: TraceEvent): void;
  /** Called once after the run; may add violations. */
  finish(view: FinalView): void;
  readonly violations: Violation[];
  /** Figures worth showing even when nothing was violated (e.g. missed partial syncs, lost writes). */
  stats(): Record<string, number>;
  /** Lines worth showing even when nothing was violated (e.g. each missed partial sync). */
  notes(): string[];
  /**
   * How many things the property judged (PSYNCs, applied entries, compared positions, keys...).
   * 0 means it saw nothing to check: a pass that says nothing, reported as `checked: 0`.
   */
  checked(): number;
}

/** At most this many violations are kept per property: the first ones explain the rest. */
export const MAX_VIOLATIONS = 5;

export abstract class BaseProperty implements Property {
  abstract readonly name: string;
  readonly violations: Violation[] = [];
  abstract onEvent(e: TraceEvent): void;
  finish(_view: FinalView): void {}
  stats(): Record<string, number> {
    return {};
  }
  notes(): string[] {
    return [];
  }
  abstract checked(): number;
  protected violate(time_us: number, nodes: string[], message: string): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push({ property: this.name, time_us, nodes, message });
  }
}

export const short = (id: string) => id.slice(0, 8);
