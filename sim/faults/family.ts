// What one fault family is: a small workload that the fault phase calls at exponential intervals
// drawn from the family's own stream. A new family is one module here plus a line in families.ts.

import type { World } from '../cluster/world.js';
import type { Orchestrator } from '../cluster/orchestrator.js';
import type { ResolvedFaultFamily } from '../scenario/resolve.js';
import type { RngStream } from '../kernel/rng.js';

/** What the fault phase gives a family. */
export interface FaultEnv {
  readonly w: World;
  readonly orch: Orchestrator;
  /** The family's own stream `faults.<name>`: removing a family (as shrink does) leaves the others' draws unchanged. */
  readonly rng: RngStream;
  /** The family's parameters from the scenario, resolved (µs, defaults applied). */
  readonly fam: ResolvedFaultFamily;
  /** The default link loss when the phase started (the phase restores it at its end). */
  readonly lossBefore: number;
  /** Trace one injection as x.fault of this family. */
  emit(detail: Record<string, unknown>): void;
  /**
   * Take node n down with `stop` (a crash, a shutdown); the phase brings it back after downUs, or
   * at its end, and meanwhile offers it to no family.
   */
  takeDown(n: string, downUs: number, stop: () => void): void;
}

export interface Fault {
  /** One injection. `up`: the running nodes no family holds down (never empty). */
  inject(up: string[]): void;
  /** The phase ended: forget anything still pending (the phase itself heals and restarts). */
  stop?(): void;
}

/** Builds a family's fault; it must not draw from the stream before its first injection. */
export type FaultFamilyModule = (env: FaultEnv) => Fault;

/** The running nodes that are not masters. */
export function replicasAmong(w: World, up: string[]): string[] {
  return up.filter((n) => !w.node(n).isMaster);
}
