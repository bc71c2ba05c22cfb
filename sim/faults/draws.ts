// The ranges random scenarios draw the fault families' parameters from, written once: the
// fast-check arbitraries (testing/) read this table; the seeded swarm generator (sim/scenario/swarm.ts)
// spells out the same numbers and is to read them from here too (same draws).

export interface IntRange {
  readonly min: number;
  readonly max: number;
}

export const FAMILY_DRAWS = {
  /** How often a family strikes, on average. */
  everyMs: { min: 1500, max: 8000 },
  /** crash and restart take a node down: they strike this many times less often, for downMs. */
  downEveryFactor: 2,
  downMs: { min: 100, max: 5000 },
  /** A partition is short or long, with even odds. */
  partitionMs: [{ min: 300, max: 3000 }, { min: 3000, max: 15000 }],
  lossBurstMs: { min: 300, max: 4000 },
  lossBurstLoss: [0.05, 0.2, 0.5],
} as const satisfies Record<string, IntRange | number | readonly IntRange[] | readonly number[]>;
