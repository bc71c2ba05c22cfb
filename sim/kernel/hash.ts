// The simulator's small hashes: FNV-1a over strings (a stream entry's h), and FNV-1a paired with a
// multiply-xorshift lane over text (hashText: a scenario's hash). The trace hash is event-hash.ts, a
// long string's digest long-digest.ts, a dataset's digest in sim/redis/dataset.ts. Not cryptographic.

import { LONG as LONG_, longDigest } from './long-digest.js';

/** A module-local copy (an imported binding is read through its module cell each time). */
const LONG = LONG_;

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;
/** MurmurHash2's multiplier, for the second lane. */
export const MURMUR_M = 0x5bd1e995;

/** Fold the UTF-16 code units of s into an FNV-1a lane. */
export function fnv1a(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * FNV-1a of strings, each ended by a 0 (so ["ab","c"] and ["a","bc"] differ), as 8 hex digits. A
 * string of LONG code units or more is folded in as a mark, its length and its 64-bit digest
 * (long-digest.ts), which the trace hash computes for the same value anyway.
 */
export function hashStrings(parts: readonly string[]): string {
  let h = FNV_OFFSET;
  for (const s of parts) {
    if (s.length >= LONG) {
      const d = longDigest(s);
      h = Math.imul(h ^ LONG_MARK, FNV_PRIME);
      h = Math.imul(h ^ s.length, FNV_PRIME);
      h = Math.imul(h ^ d[0], FNV_PRIME);
      h = Math.imul(h ^ d[1], FNV_PRIME);
    } else h = fnv1a(h, s);
    h = Math.imul(h ^ 0, FNV_PRIME);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Not a UTF-16 code unit: what begins a long string's fold in hashStrings. */
const LONG_MARK = 0x10000;

/**
 * A running 64-bit hash over lines of text (version 1's trace hash): an FNV-1a lane (a) and a
 * multiply-xorshift lane (b), each line ended by a newline so the lines' boundaries count, as 16 hex
 * digits. It hashes a trace header's scenario and a sweep summary's scenario (hashText).
 */
export class RunningHash {
  a = FNV_OFFSET;
  b = FNV_PRIME ^ MURMUR_M;

  update(s: string): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, FNV_PRIME);
      b = Math.imul(b ^ c, MURMUR_M);
      b ^= b >>> 15;
    }
    this.a = Math.imul(a ^ 10, FNV_PRIME);
    this.b = Math.imul(b ^ 10, MURMUR_M);
  }

  digest(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

/** The RunningHash of one text, as 16 hex digits (e.g. a scenario's JSON, for the trace header). */
export function hashText(s: string): string {
  const h = new RunningHash();
  h.update(s);
  return h.digest();
}
