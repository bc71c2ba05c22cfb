// replsim shrink: make a failing scenario small while it keeps *the* failure. A change is kept only
// if the same failure (failureSignature) still happens with the same seed and, for a mutant's
// failure, the changed scenario still passes without the mutant (so the failure stays the
// mutant's). Fault families, the fault phase and the workload are reduced first; then the fault
// phase is rewritten as the explicit steps it produced (fault-steps.ts), and steps, nodes,
// databases, config and network settings are removed one by one. Deterministic (the same input
// always shrinks to the same scenario) and bounded by a budget of simulations.

import type { FaultFamilyName, Scenario, Step } from '../scenario/types.js';
import { simulate, type RunResult } from './simulate.js';
import type { Failure } from '../scenario/runner.js';
import type { MutantName } from '../redis/mutants.js';
import type { Seed } from '../kernel/rng.js';
import { explicitFaultPhase, PhaseEventSink, renumberChangedSince, type WriteForm } from './fault-steps.js';

/**
 * What "the same failure" means while shrinking: the same property; for an expectation, the same
 * check (op, node and field; step numbers move as steps go); for liveness, any liveness failure.
 */
export function failureSignature(f: Failure): string {
  if (f.kind === 'property' || f.property) return `property:${f.property}`;
  if (f.kind === 'expectation') return `expectation:${f.op ?? ''}:${(f.node ?? []).join(',')}:${f.field ?? ''}`;
  return f.kind;
}

/** Sizes reported before and after. */
export interface ScenarioSize {
  steps: number;
  nodes: number;
  families: number;
}

export function sizeOf(sc: Scenario): ScenarioSize {
  return { steps: sc.steps?.length ?? 0, nodes: Object.keys(sc.nodes).length, families: Object.keys(sc.faults?.families ?? {}).length };
}

export interface ShrinkResult {
  /** The smallest scenario found that still fails the same way (the original if nothing could go). */
  scenario: Scenario;
  /** Simulations run, and the budget they were bounded by. */
  runs: number;
  budget: number;
  /** The budget ran out before no further change helped: a larger budget may shrink further. */
  exhausted: boolean;
  /** Anything was removed or reduced. */
  changed: boolean;
  /** The fault phase was rewritten as explicit steps. */
  explicit: boolean;
  before: ScenarioSize;
  after: ScenarioSize;
  /** The run of `scenario` (with the mutant, if any), or null when the budget did not allow one. */
  result: RunResult | null;
}

const clone = <T>(x: T): T => structuredClone(x);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Steps an expectation failure needs to stay meaningful (without its writes a count fails trivially). */
function removable(step: Step, signature: string, guarded: boolean): boolean {
  return guarded || !(signature.startsWith('expectation:') && (step.op === 'write' || step.op === 'command'));
}

/** Remove the steps at `drop` (renumbering changedSince); false if a removed step is referenced. */
function dropSteps(sc: Scenario, drop: ReadonlySet<number>): boolean {
  const steps = sc.steps ?? [];
  const index: number[] = [];
  let k = 0;
  for (let i = 0; i < steps.length; i++) index[i] = drop.has(i) ? -1 : k++;
  const kept = steps.filter((_, i) => !drop.has(i));
  if (!renumberChangedSince(kept, (i) => index[i] ?? -1)) return false;
  sc.steps = kept;
  return true;
}

/** Consecutive sleeps become one (the same run); zero sleeps go. Only when nothing refers to step numbers. */
function tidy(sc: Scenario): void {
  const steps = sc.steps ?? [];
  if (JSON.stringify(steps).includes('"changedSince"')) return;
  const out: Step[] = [];
  for (const s of steps) {
    if (s.op === 'sleep' && s.ms === 0) continue;
    const last = out[out.length - 1];
    if (s.op === 'sleep' && last?.op === 'sleep') last.ms = Number((last.ms + s.ms).toFixed(3));
    else out.push(s);
  }
  sc.steps = out;
}

function stepNode(s: Step): string | undefined {
  return 'node' in s && typeof s.node === 'string' ? s.node : undefined;
}

/**
 * The steps that go with step i: the restart after a crash or shutdown, the heal after a
 * partition, the next network change after one, the re-points after a promotion, the command after
 * a SELECT, the transaction after a MULTI.
 */
function partners(steps: readonly Step[], i: number): number[] {
  const s = steps[i]!;
  const next = (pred: (x: Step) => boolean): number[] => {
    for (let j = i + 1; j < steps.length; j++) if (pred(steps[j]!)) return [j];
    return [];
  };
  const node = stepNode(s);
  if (s.op === 'crash' || s.op === 'shutdown' || (s.op === 'command' && String(s.args[0]).toUpperCase() === 'SHUTDOWN')) return next((x) => x.op === 'restart' && x.node === node);
  if (s.op === 'partition' || s.op === 'partition-oneway' || s.op === 'isolate') return next((x) => x.op === 'heal');
  if (s.op === 'network') return next((x) => x.op === 'network');
  if (s.op === 'replicaof' && s.primary === null) {
    const out: number[] = [];
    for (let j = i + 1; j < steps.length; j++) {
      const x = steps[j]!;
      if (x.op !== 'replicaof' || x.primary !== s.node) break;
      out.push(j);
    }
    return out;
  }
  if (s.op === 'command') {
    const name = String(s.args[0]).toUpperCase();
    if (name === 'SELECT' && i + 1 < steps.length && stepNode(steps[i + 1]!) === node) {
      return [i + 1, ...partners(steps, i + 1)];
    }
    if (name === 'MULTI') {
      const out: number[] = [];
      for (let j = i + 1; j < steps.length; j++) {
        const x = steps[j]!;
        if (x.op !== 'command' || x.node !== node) break;
        out.push(j);
        if (String(x.args[0]).toUpperCase() === 'EXEC') break;
      }
      return out;
    }
  }
  return [];
}

/** Remove a node and every reference to it; its replicas follow its own master (or its first replica takes its place). */
function removeNode(sc: Scenario, name: string, canDrop: (s: Step) => boolean): boolean {
  const entries = Object.entries(sc.nodes);
  if (entries.length <= 1) return false;
  const parent = sc.nodes[name]!.replicaof;
  const children = entries.filter(([, e]) => e.replicaof === name).map(([n]) => n);
  const heir = parent ?? children[0] ?? null;
  delete sc.nodes[name];
  for (const c of children) {
    if (c === heir) delete sc.nodes[c]!.replicaof;
    else sc.nodes[c]!.replicaof = heir!;
  }
  const steps = sc.steps ?? [];
  const drop = new Set<number>();
  steps.forEach((s, i) => {
    const x = s as Record<string, unknown>;
    if (x.node === name || x.from === name || x.to === name) return void drop.add(i);
    if ('primary' in x && x.primary === name) {
      if (heir === null || heir === x.node) drop.add(i);
      else x.primary = heir;
    }
    if ('replicaof' in x && x.replicaof === name) {
      if (heir === null || heir === x.node) delete x.replicaof;
      else x.replicaof = heir;
    }
    if (s.op === 'partition') {
      const groups = s.groups.map((g) => g.filter((n) => n !== name)).filter((g) => g.length > 0);
      if (groups.length < 2) drop.add(i);
      else s.groups = groups;
    }
    if (s.op === 'network' && s.between?.includes(name)) drop.add(i);
    if (s.op === 'expect-equal') {
      s.nodes = s.nodes.filter((n) => n !== name);
      if (s.nodes.length < 2) drop.add(i);
    }
  });
  if ([...drop].some((i) => !canDrop(steps[i]!))) return false;
  return dropSteps(sc, drop);
}

export function shrink(original: Scenario, seed: Seed, mutant: MutantName | null, signature: string, budget = 400): ShrinkResult {
  let runs = 0;
  let exhausted = false;
  let best = clone(original);
  let bestResult: RunResult | null = null;
  // with a mutant: must a candidate pass without it (strict), or only not fail this way without it?
  let strict = true;

  const spend = (): boolean => {
    if (runs >= budget) {
      exhausted = true;
      return false;
    }
    runs++;
    return true;
  };
  const run = (sc: Scenario, withMutant: boolean, sink?: PhaseEventSink): RunResult | null => {
    if (!spend()) return null;
    try {
      return simulate(sc, { seed, mutant: withMutant ? mutant : null, ...(sink ? { sink } : {}) });
    } catch {
      return null; // a candidate the validator refuses is simply not smaller-and-failing
    }
  };
  const hasTarget = (r: RunResult) => r.failures.some((f) => failureSignature(f) === signature);
  const keepsFailure = (sc: Scenario, sink?: PhaseEventSink): RunResult | null => {
    const r = run(sc, true, sink);
    if (!r || !hasTarget(r)) return null;
    if (mutant) {
      const b = run(sc, false);
      if (!b || (strict ? b.failures.length > 0 : hasTarget(b))) return null;
    }
    return r;
  };
  const attempt = (mutate: (sc: Scenario) => boolean | void): boolean => {
    if (exhausted) return false;
    const c = clone(best);
    try {
      if (mutate(c) === false) return false;
    } catch {
      return false; // the change does not apply to this scenario
    }
    tidy(c);
    if (same(c, best)) return false;
    const r = keepsFailure(c);
    if (!r) return false;
    best = c;
    bestResult = r;
    return true;
  };
  const done = (explicit: boolean): ShrinkResult => ({
    scenario: best, runs, budget, exhausted, changed: !same(best, original), explicit,
    before: sizeOf(original), after: sizeOf(best), result: bestResult,
  });

  // the failure must happen as recorded: with the mutant, and (for a mutant) be the mutant's
  const first = run(best, true);
  if (first === null && exhausted) return done(false);
  if (first === null) throw new Error('the scenario does not run');
  if (!hasTarget(first)) throw new Error('the failure does not reproduce: nothing to shrink');
  bestResult = first;
  if (mutant) {
    const b = run(best, false);
    if (b === null) return done(false);
    if (hasTarget(b)) throw new Error(`the same failure (${signature}) happens without the mutant ${mutant}, so it is not the mutant's`);
    strict = b.failures.length === 0;
  }
  // without a mutant to compare with, a failed expectation keeps the writes and commands it counts
  const guarded = mutant !== null;

  let explicit = false;
  let triedExplicitOn: string | null = null;
  let progress = true;
  while (progress && !exhausted) {
    progress = false;
    const step = (mutate: (sc: Scenario) => boolean | void) => {
      if (attempt(mutate)) progress = true;
    };

    // 1. the fault phase as families: fewer families, no monitor, a shorter phase, a lighter workload
    // (to a fixpoint before the rewrite, so that it has few events to write out)
    const reducePhase = (): boolean => {
      const was = JSON.stringify(best);
      for (const fam of Object.keys(best.faults?.families ?? {}) as FaultFamilyName[]) step((sc) => void delete sc.faults!.families[fam]);
      if (best.monitor) step((sc) => void delete sc.monitor);
      if (best.faults && best.faults.phaseMs > 1000) step((sc) => void (sc.faults!.phaseMs = Math.max(1000, Math.floor(sc.faults!.phaseMs / 2))));
      for (const fam of Object.keys(best.faults?.families ?? {}) as FaultFamilyName[]) {
        // a family that strikes less often than once a phase is as good as gone (and removing it was tried)
        const f = best.faults!.families[fam]!;
        if (f.everyMs * 2 <= best.faults!.phaseMs) step((sc) => void (sc.faults!.families[fam]!.everyMs *= 2));
      }
      if (best.workload) step((sc) => void delete sc.workload);
      if ((best.workload?.dbs ?? 1) > 1) step((sc) => void delete sc.workload!.dbs);
      if (best.workload?.burstMs !== undefined) step((sc) => void (delete sc.workload!.burstMs, delete sc.workload!.idleMs));
      if (best.workload?.commands && !same(best.workload.commands, ['SET'])) step((sc) => void (sc.workload!.commands = ['SET']));
      if ((best.workload?.writesPerSec ?? 0) > 1) step((sc) => void (sc.workload!.writesPerSec = Math.floor(sc.workload!.writesPerSec! / 2)));
      return JSON.stringify(best) !== was;
    };
    while (!exhausted && reducePhase());

    // 2. the fault phase as the steps it produced (once per state of the phase)
    if (best.faults && !exhausted && triedExplicitOn !== JSON.stringify(best)) {
      triedExplicitOn = JSON.stringify(best);
      const sink = new PhaseEventSink();
      if (run(best, true, sink)) {
        for (const form of ['grouped', 'exact'] as WriteForm[]) {
          const ex = exhausted ? null : explicitFaultPhase(best, sink.events, form);
          if (!ex) continue;
          tidy(ex);
          const r = keepsFailure(ex);
          if (!r) continue;
          best = ex;
          bestResult = r;
          explicit = true;
          progress = true;
          break;
        }
      }
    }

    // 3. steps: halves first, then each step (with the steps that go with it), from the end
    for (let size = Math.max(1, Math.floor((best.steps?.length ?? 0) / 2)); size >= 1 && !exhausted; size = Math.floor(size / 2)) {
      for (let i = (best.steps?.length ?? 0) - size; i >= 0 && !exhausted; i -= size) {
        step((sc) => {
          const part = sc.steps!.slice(i, i + size);
          if (part.length === 0 || !part.every((s) => removable(s, signature, guarded))) return false;
          return dropSteps(sc, new Set(Array.from({ length: part.length }, (_, k) => i + k)));
        });
      }
      if (size === 1) break;
    }
    for (let i = (best.steps?.length ?? 0) - 1; i >= 0 && !exhausted; i--) {
      if (i >= (best.steps?.length ?? 0)) continue;
      const with_ = partners(best.steps!, i);
      if (with_.length === 0) continue;
      step((sc) => {
        const group = [i, ...with_];
        if (!group.every((k) => removable(sc.steps![k]!, signature, guarded))) return false;
        return dropSteps(sc, new Set(group));
      });
    }

    // 4. nodes the failure does not need
    for (const name of Object.keys(best.nodes).reverse()) if (best.nodes[name]) step((sc) => removeNode(sc, name, (s) => removable(s, signature, guarded)));

    // 5. smaller steps: fewer writes, no databases, whole-millisecond sleeps
    (best.steps ?? []).forEach((s, i) => {
      if (s.op === 'write' && (s.count ?? 1) > 1 && (guarded || !signature.startsWith('expectation:'))) {
        // halve; if that loses the failure, take a quarter off
        for (const keep of [0.5, 0.75]) {
          if (attempt((sc) => {
            const w = sc.steps![i] as { count?: number };
            w.count = Math.floor((w.count ?? 1) * keep);
          })) {
            progress = true;
            break;
          }
        }
      }
    });
    if ((best.steps ?? []).some((s) => s.op === 'write' && s.db !== undefined)) {
      step((sc) => {
        for (const s of sc.steps!) if (s.op === 'write') delete s.db;
      });
    }
    if ((best.steps ?? []).some((s) => s.op === 'sleep' && !Number.isInteger(s.ms))) {
      step((sc) => {
        for (const s of sc.steps!) if (s.op === 'sleep') s.ms = Math.max(1, Math.round(s.ms));
      });
    }

    // 6. settings back to their defaults: network, config, per-node config
    if (best.network) {
      step((sc) => void delete sc.network);
      for (const k of Object.keys(best.network ?? {})) step((sc) => void delete (sc.network as Record<string, unknown>)[k]);
    }
    for (const k of Object.keys(best.config ?? {})) step((sc) => void delete sc.config![k]);
    if (best.config && Object.keys(best.config).length === 0) step((sc) => void delete sc.config);
    for (const [n, e] of Object.entries(best.nodes)) if (e.config) step((sc) => void delete sc.nodes[n]!.config);
  }
  return done(explicit);
}
