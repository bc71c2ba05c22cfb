// fast-check settings shared by the property tests. `npm test` is deterministic: every property
// runs from a fixed seed (one commit, one result). `npm run fuzz` sets REPLSIM_FUZZ=1, which draws
// a fresh seed per run and prints it. Either way FC_SEED / FC_PATH replay exactly one run, and
// FC_NUM_RUNS sets the run count of the suites that use fcParams.
import fc from 'fast-check';

/** The seed `npm test` uses for every property (any fixed number would do; changing it is a commit). */
export const FIXED_FC_SEED = 20261202;

export const FUZZING = process.env.REPLSIM_FUZZ === '1';

function envSeed(): number | null {
  const v = process.env.FC_SEED;
  if (v === undefined || v === '') return null;
  if (!/^-?\d+$/.test(v)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** FC_SEED if given; else a fresh random seed when fuzzing; else the fixed seed. */
export function fcSeed(): number {
  // only exploration draws a fresh seed; the wall-clock lint covers simulated code, not tests
  return envSeed() ?? (FUZZING ? Math.floor(Math.random() * 2 ** 31) : FIXED_FC_SEED);
}

export function fcParams(defaultRuns: number): fc.Parameters<unknown> {
  const runs = Number(process.env.FC_NUM_RUNS ?? defaultRuns);
  const p: fc.Parameters<unknown> = { numRuns: Number.isFinite(runs) && runs > 0 ? runs : defaultRuns };
  // the seed is chosen here rather than inside fast-check so that it can be printed before the run
  p.seed = fcSeed();
  if (process.env.FC_PATH) p.path = process.env.FC_PATH;
  return p;
}
