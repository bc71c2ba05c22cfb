// Seeds as users write them: one seed for a run ("7", or any text), lists and ranges for a sweep
// ("1..100", "1,5,9"), budgets for the mutation self-test, and interleaved shards of a list.

import { UserError } from '../errors.js';

/** "7", "1..100", "1,5,9", "3..5,10": whole numbers, in order, without duplicates. */
export function parseSeeds(spec: string): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UserError(`--seeds: "${part}" is not a seed or range; expected forms like 7, 1..100 or 1,5,9`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    for (const [text, n] of [[m[1]!, a], [m[2], b]] as const) {
      if (text !== undefined && !Number.isSafeInteger(n)) throw new UserError(`--seeds: ${text.trim()} is beyond ${Number.MAX_SAFE_INTEGER}, the largest seed a sweep can count exactly; sweep smaller seeds, or run a big one alone with replsim run --seed ${text.trim()} (kept as text)`);
    }
    if (b < a) throw new UserError(`--seeds: range ${part} is empty (the end is before the start)`);
    if (b - a > 10_000_000) throw new UserError(`--seeds: range ${part} has more than 10,000,000 seeds`);
    for (let s = a; s <= b; s++) if (!seen.has(s)) (seen.add(s), out.push(s));
  }
  return out;
}

/** mutants --seeds: a count N (seeds 1..N) or anything parseSeeds takes. */
export function parseSeedBudget(spec: string): number[] {
  if (!/^\s*\d+\s*$/.test(spec)) return parseSeeds(spec);
  const n = Number(spec);
  if (n < 1) throw new UserError(`--seeds: expected a count of at least 1 or a range like 1..300, got "${spec.trim()}"`);
  return parseSeeds(`1..${n}`);
}

/** --seed: a non-negative integer, or any other text as a string seed. */
export function parseSeed(v: string): number | string {
  if (v === '') throw new UserError('--seed: expected a whole number or some text, got an empty string');
  // a digit string a double cannot hold exactly (beyond 2^53 - 1) stays text, so it is never rounded
  return /^\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

/** --shard i/n: the i-th of n interleaved parts (1-based); together the parts are the whole list. */
export function shardOf<T>(items: T[], spec: string | undefined): T[] {
  if (spec === undefined) return items;
  const m = /^(\d+)\/(\d+)$/.exec(spec);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new UserError(`--shard: expected i/n with 1 <= i <= n, like 1/4, got "${spec}"`);
  return items.filter((_, k) => k % n === i - 1);
}
