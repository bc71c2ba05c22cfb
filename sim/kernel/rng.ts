// All randomness of a run: one root seed split into named, independent streams (`net`, `workload`,
// `faults`, `redis:<node>` ...), so a new draw in one subsystem never reshuffles another.
// Built on seedrandom's tychei generator (fast, 4-number savable state; not the slow default ARC4).

import seedrandom from 'seedrandom';
import { UserError } from '../errors.js';

export type Seed = number | string;

/** Checks a user-given root seed: a non-negative safe integer or a non-empty string. */
export function validateSeed(seed: unknown, what = 'seed'): Seed {
  if (typeof seed === 'number') {
    if (Number.isSafeInteger(seed) && seed >= 0) return seed;
    if (Number.isInteger(seed) && seed > 0) throw new UserError(`${what} ${seed} is beyond ${Number.MAX_SAFE_INTEGER} and cannot be kept exactly as a number; write it as a string (e.g. "${seed}" in JSON), which is kept exactly`);
    throw new UserError(`${what} must be a non-negative integer or a non-empty string, got ${seed}`);
  }
  if (typeof seed === 'string' && seed.length > 0) return seed;
  throw new UserError(`${what} must be a non-negative integer or a non-empty string, got ${JSON.stringify(seed)}`);
}

export interface StreamState {
  name: string;
  state: object;
}

/** One named random stream. Every helper draws a fixed number of values, so sequences stay aligned. */
export class RngStream {
  private readonly gen: seedrandom.StatefulPRNG<seedrandom.State.Tychei>;

  constructor(
    readonly name: string,
    seedString: string,
    state?: object,
  ) {
    this.gen = state
      ? seedrandom.tychei('', { state: state as seedrandom.State.Tychei })
      : seedrandom.tychei(seedString, { state: true });
  }

  /** Uniform double in [0, 1) with 53 bits. */
  double(): number {
    return this.gen.double();
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`int(${lo}, ${hi}): empty range`);
    return lo + Math.floor(this.gen.double() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.gen.double() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** One element, with probability proportional to its weight (weights >= 0, not all 0). */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    if (!(total > 0)) throw new RangeError('weighted() needs at least one positive weight');
    let x = this.gen.double() * total;
    for (const [item, w] of items) {
      if (x < w) return item;
      x -= w;
    }
    return items[items.length - 1]![0];
  }

  /** Exponentially distributed integer delay in microseconds with the given mean. */
  exponentialUs(meanUs: number): number {
    if (meanUs <= 0) return 0;
    return Math.floor(-Math.log(1 - this.gen.double()) * meanUs);
  }

  /** Uniform integer delay in [loUs, hiUs]. */
  uniformUs(loUs: number, hiUs: number): number {
    return this.int(Math.floor(loUs), Math.floor(hiUs));
  }

  /** n lowercase hex characters (a Redis replication id is 40). */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += (this.gen.int32() >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, n);
  }

  /** Shuffle a copy of the list (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  saveState(): StreamState {
    return { name: this.name, state: this.gen.state() };
  }
}

/** The root of a run's randomness. Streams are created on first use and depend only on (seed, name). */
export class Rng {
  private readonly streams = new Map<string, RngStream>();
  readonly seed: Seed;

  constructor(seed: Seed) {
    this.seed = validateSeed(seed);
  }

  stream(name: string): RngStream {
    let s = this.streams.get(name);
    if (!s) {
      s = new RngStream(name, `replsim/${typeof this.seed}:${String(this.seed)}/${name}`);
      this.streams.set(name, s);
    }
    return s;
  }

  /** States of every stream created so far, sorted by name. */
  saveState(): StreamState[] {
    return [...this.streams.values()].map((s) => s.saveState()).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** A stream restored from a saved state (for resuming a run from a snapshot). */
  static restoreStream(saved: StreamState): RngStream {
    return new RngStream(saved.name, '', saved.state);
  }
}
