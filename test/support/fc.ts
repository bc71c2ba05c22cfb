// fast-check settings shared by the property tests: the run count comes from FC_NUM_RUNS, and a
// failure's message carries the seed and path that replay it (FC_SEED / FC_PATH re-run exactly it).
import fc from 'fast-check';

export function fcParams(defaultRuns: number): fc.Parameters<unknown> {
  const runs = Number(process.env.FC_NUM_RUNS ?? defaultRuns);
  const p: fc.Parameters<unknown> = { numRuns: Number.isFinite(runs) && runs > 0 ? runs : defaultRuns };
  // the seed is chosen here rather than inside fast-check so that it can be printed before the run
  p.seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
  if (process.env.FC_PATH) p.path = process.env.FC_PATH;
  return p;
}
