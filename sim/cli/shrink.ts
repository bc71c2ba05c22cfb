// replsim shrink: make a failing scenario small. Greedily removes steps (in halves, then one by
// one), fault families and the monitor, and lowers counts, rates and the fault phase, keeping each
// change only while the same failure (see failureSignature) still happens with the same seed.
// Deterministic: the same artifact always shrinks to the same scenario.

import type { Scenario, Step } from '../../scenarios/types.js';
import { simulate, type RunResult } from '../run.js';
import type { Failure } from '../cluster/runner.js';
import type { MutantName } from '../redis/mutants.js';
import type { Seed } from '../kernel/rng.js';

/**
 * What "the same failure" means while shrinking: the same property; for an expectation, the same
 * check (op, node and field; step numbers move as steps go); for liveness, any liveness failure.
 */
export function failureSignature(f: Failure): string {
  if (f.kind === 'property' || f.property) return `property:${f.property}`;
  if (f.kind === 'expectation') return `expectation:${f.op ?? ''}:${(f.node ?? []).join(',')}:${f.field ?? ''}`;
  return f.kind;
}

/**
 * Steps the shrinker may remove. For a failed expectation the workload stays: without its writes
 * an expectation fails trivially (dbsize 0, not 10), which is not the failure being explained.
 */
function removable(step: Step, signature: string): boolean {
  return !(signature.startsWith('expectation:') && (step.op === 'write' || step.op === 'command'));
}

export interface ShrinkResult {
  scenario: Scenario;
  runs: number;
  steps: [number, number];
  result: RunResult;
}

const clone = <T>(x: T): T => structuredClone(x);

export function shrink(original: Scenario, seed: Seed, mutant: MutantName | null, signature: string, budget = 400): ShrinkResult {
  let runs = 0;
  let best = clone(original);
  let bestResult: RunResult | null = null;
  const fails = (sc: Scenario): boolean => {
    if (runs >= budget) return false;
    runs++;
    try {
      const r = simulate(sc, { seed, mutant });
      if (r.failures.some((f) => failureSignature(f) === signature)) {
        bestResult = r;
        return true;
      }
    } catch {
      /* a candidate the validator refuses is simply not smaller-and-failing */
    }
    return false;
  };
  const attempt = (mutate: (sc: Scenario) => boolean): boolean => {
    const c = clone(best);
    if (!mutate(c)) return false;
    if (!fails(c)) return false;
    best = c;
    return true;
  };

  if (!fails(best)) throw new Error('the failure does not reproduce: nothing to shrink');
  let progress = true;
  while (progress && runs < budget) {
    progress = false;
    // steps: halves first, then single steps, from the end
    for (let size = Math.max(1, Math.floor((best.steps?.length ?? 0) / 2)); size >= 1; size = Math.floor(size / 2)) {
      for (let i = (best.steps?.length ?? 0) - size; i >= 0; i -= size) {
        if (attempt((sc) => sc.steps!.slice(i, i + size).every((st) => removable(st, signature)) && (sc.steps!.splice(i, size), true))) progress = true;
      }
      if (size === 1) break;
    }
    // fault families, the monitor, the workload's rate and the fault phase
    for (const fam of Object.keys(best.faults?.families ?? {})) {
      if (attempt((sc) => (delete (sc.faults!.families as Record<string, unknown>)[fam], Object.keys(sc.faults!.families).length > 0))) progress = true;
    }
    if (best.monitor && attempt((sc) => (delete sc.monitor, true))) progress = true;
    if (best.faults && best.faults.phaseMs > 1000 && attempt((sc) => ((sc.faults!.phaseMs = Math.max(1000, Math.floor(sc.faults!.phaseMs / 2))), true))) progress = true;
    for (const fam of Object.keys(best.faults?.families ?? {}) as (keyof NonNullable<Scenario['faults']>['families'])[]) {
      if (attempt((sc) => ((sc.faults!.families[fam]!.everyMs *= 2), true))) progress = true;
    }
    if (best.workload?.writesPerSec && best.workload.writesPerSec > 1 && attempt((sc) => ((sc.workload!.writesPerSec = Math.floor(sc.workload!.writesPerSec! / 2)), true))) progress = true;
    // write counts (not under a failed expectation: fewer writes fail a count trivially)
    (best.steps ?? []).forEach((s, i) => {
      if (s.op === 'write' && !signature.startsWith('expectation:') && (s.count ?? 1) > 1 && attempt((sc) => {
        const w = sc.steps![i] as { count?: number };
        w.count = Math.floor((w.count ?? 1) / 2);
        return true;
      })) progress = true;
    });
  }
  return { scenario: best, runs, steps: [original.steps?.length ?? 0, best.steps?.length ?? 0], result: bestResult! };
}
