// The named points where a simulated Sentinel asks how to behave. DEFAULT_SENTINEL_HOOKS are
// sentinel.c 7.0.15's own rules; a mutant (sim/redis/mutants.ts lists them all) overrides one.

import type { SentinelInstance } from './instance.js';
import type { MutantName } from '../redis/mutants.js';

export interface SentinelHooks {
  /** compareSlavesForPromotion(): lower priority, larger offset, smaller run id first. */
  compareForPromotion(a: SentinelInstance, b: SentinelInstance): number;
  /** sentinelVoteLeader(): whether a vote request for reqEpoch gets a (new) vote. */
  mayVote(votedEpoch: number, reqEpoch: number, currentEpoch: number): boolean;
}

/** compareSlavesForPromotion(): lower priority, then larger offset (no replid check), then smaller run id. */
export function compareForPromotion(a: SentinelInstance, b: SentinelInstance): number {
  if (a.slavePriority !== b.slavePriority) return a.slavePriority - b.slavePriority;
  return compareIgnoringPriority(a, b);
}

function compareIgnoringPriority(a: SentinelInstance, b: SentinelInstance): number {
  if (a.slaveReplOffset !== b.slaveReplOffset) return a.slaveReplOffset > b.slaveReplOffset ? -1 : 1;
  if (a.runid === null && b.runid === null) return 0;
  if (a.runid === null) return 1;
  if (b.runid === null) return -1;
  const x = a.runid.toLowerCase();
  const y = b.runid.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export const DEFAULT_SENTINEL_HOOKS: Readonly<SentinelHooks> = {
  compareForPromotion,
  mayVote: (votedEpoch, reqEpoch, currentEpoch) => votedEpoch < reqEpoch && currentEpoch <= reqEpoch,
};

const OVERRIDES: Partial<Record<MutantName, Partial<SentinelHooks>>> = {
  'sentinel-votes-twice': { mayVote: (_voted, reqEpoch, currentEpoch) => currentEpoch <= reqEpoch },
  'sentinel-ignores-priority': { compareForPromotion: compareIgnoringPriority },
};

/** The hooks a run's Sentinels use: sentinel.c's own, with the named mutant's override if it is one of theirs. */
export function sentinelHooksFor(mutant: MutantName | null): Readonly<SentinelHooks> {
  const o = mutant === null ? undefined : OVERRIDES[mutant];
  return o ? { ...DEFAULT_SENTINEL_HOOKS, ...o } : DEFAULT_SENTINEL_HOOKS;
}
