// The random fault phase on the real backend: the scenario runs first in the simulator, with its seed,
// and the faults, writes and orchestrator actions its trace shows become explicit steps
// (harness/fault-steps.ts, as the shrinker writes them) that the real processes replay at the same
// times: the same seeded schedule in both worlds, ending with a `settle` the real backend runs itself.
import type { Scenario } from '../../scenario/types.js';
import type { Seed } from '../../kernel/rng.js';
import { simulate } from '../../harness/simulate.js';
import { explicitFaultPhase, PhaseEventSink } from '../../harness/fault-steps.js';
import { UserError } from '../../errors.js';

export interface FaultPlan {
  /** The scenario with its fault phase as explicit steps (no `faults`, `workload` or `monitor`). */
  scenario: Scenario;
  /** Steps first..last (inclusive) are the phase's replay; the last is its `settle`. */
  first: number;
  last: number;
  /** What the simulated phase held: fault injections and workload writes. */
  faults: number;
  writes: number;
}

/** Does the scenario have a random fault phase (top-level `faults`)? */
export function hasFaultPhase(sc: Scenario): boolean {
  return sc.faults !== undefined;
}

/** The fault phase of `sc` with `seed` as steps, or a UserError saying why it cannot be planned. */
export function planFaultPhase(sc: Scenario, seed: Seed): FaultPlan {
  const sink = new PhaseEventSink();
  const sim = simulate(sc, { seed, sink });
  const start = sink.events.findIndex((e) => e.type === 'x.fault.phase-start');
  if (start < 0) {
    const why = sim.failures[0]?.message ?? `status ${sim.status}`;
    throw new UserError(`the fault phase of ${sc.name ?? 'the scenario'} cannot be planned for the real backend: the simulated run with seed ${seed} ended before it (${why})`);
  }
  // the real run needs every write as it was sent (INCR, APPEND, MULTI ...), at its own time
  const explicit = explicitFaultPhase(sc, sink.events, 'exact');
  if (explicit === null) throw new UserError(`the fault phase of ${sc.name ?? 'the scenario'} cannot be planned for the real backend: it needs exactly one fault phase (one "faults" step at most)`);
  const before = sc.steps ?? [];
  const at = before.findIndex((s) => s.op === 'faults');
  const first = at < 0 ? before.length : at;
  const added = explicit.steps!.length - before.length + (at < 0 ? 0 : 1);
  const end = sink.events.findIndex((e) => e.type === 'x.fault.phase-end');
  const phase = sink.events.slice(start, end < 0 ? undefined : end);
  return {
    scenario: explicit,
    first,
    last: first + added - 1,
    faults: phase.filter((e) => e.type === 'x.fault').length,
    writes: phase.filter((e) => e.type === 'x.write').length,
  };
}
