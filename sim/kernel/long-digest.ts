// The 64-bit digest of a long string (48 code units or more), computed once per value however many
// places name it: the trace hash feeds a long string as its length and this digest (event-hash.ts),
// a stream entry's h folds a long argument in by it (hash.ts), and the properties name a long value
// by it (properties/client-ops.ts valueKey). A workload value can be 100 kB; a write's value is in
// its x.write or client.op, its stream entry and its reads. The dataset digest, which must continue
// under APPEND, reads its words through the same copy (utf16Words).

import { Recent } from './recent.js';

/** Strings at least this long are digested from a UTF-16 copy, two code units per word. */
export const LONG = 48;

export const KA = 0x9e3779b1;
export const KB = 0x85ebca77;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Code units copied at a time (a multiple of 4): the scratch buffer stays 64 KB whatever the string. */
export const CHUNK = 1 << 15;
const scratch = Buffer.allocUnsafeSlow(2 * CHUNK);
const scratchWords = new Uint32Array(scratch.buffer, scratch.byteOffset, CHUNK >>> 1);

/**
 * Code units from..from+len of s (len even, at most CHUNK) as 32-bit words: word k is units 2k and
 * 2k+1, the first in the low half. Copied natively as UTF-16LE on a little-endian machine, a unit at
 * a time elsewhere. The words are a shared scratch buffer that the next call overwrites.
 */
export function utf16Words(s: string, from: number, len: number): Uint32Array {
  if (!littleEndian) return utf16WordsPortable(s, from, len);
  scratch.write(from === 0 && len === s.length ? s : s.substring(from, from + len), 0, 'utf16le');
  return scratchWords;
}

/** utf16Words a code unit at a time, for big-endian machines (and tested against the native copy everywhere). */
export function utf16WordsPortable(s: string, from: number, len: number): Uint32Array {
  for (let k = 0; k < len >>> 1; k++) scratchWords[k] = s.charCodeAt(from + 2 * k) | (s.charCodeAt(from + 2 * k + 1) << 16);
  return scratchWords;
}

/** The digests of the last few strings of at least CACHE_MIN code units (a pure function: shared between runs). */
const CACHE_MIN = 256;
const DIGESTS = new Recent<readonly [number, number]>(8);

/** The digest of a string too short to keep, returned in place: read it before the next call. */
const SHORT: [number, number] = [0, 0];

/** Murmur3's finalizer: every input bit reaches every output bit. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Two 32-bit words over the string's code units, digested in four independent chains (even and odd
 * words, two lanes each: the chains run side by side in the CPU), four code units at a time, from
 * copies of CHUNK code units at a time read as words (utf16Words).
 * Defined for any string; callers use it from LONG code units on. The pair returned for a string
 * shorter than CACHE_MIN is overwritten by the next call: read it at once.
 */
export function longDigest(s: string): readonly [number, number] {
  const kept = DIGESTS.find(s);
  if (kept !== undefined) return kept;
  const n = s.length;
  let a0 = 0x243f6a88;
  let b0 = 0x85a308d3;
  let a1 = 0x13198a2e;
  let b1 = 0x03707344;
  let i = 0; // code units consumed, a multiple of 4
  while (n - i >= 4) {
    const len = Math.min(CHUNK, n - i) & ~3;
    const u = utf16Words(s, i, len);
    const words = len >>> 1;
    for (let k = 0; k < words; k += 2) {
      const w = u[k]!;
      const x = u[k + 1]!;
      a0 = Math.imul(a0 ^ w, KA);
      a0 ^= a0 >>> 16;
      b0 = Math.imul(b0 ^ w, KB);
      b0 ^= b0 >>> 13;
      a1 = Math.imul(a1 ^ x, KA);
      a1 ^= a1 >>> 16;
      b1 = Math.imul(b1 ^ x, KB);
      b1 ^= b1 >>> 13;
    }
    i += len;
  }
  // the last one to three code units, from the string itself
  for (let j = i; j < n; j += 2) {
    const w = j + 1 < n ? s.charCodeAt(j) | (s.charCodeAt(j + 1) << 16) : s.charCodeAt(j);
    a0 = Math.imul(a0 ^ w, KA);
    a0 ^= a0 >>> 16;
    b0 = Math.imul(b0 ^ w, KB);
    b0 ^= b0 >>> 13;
  }
  const w1 = fmix(a0 ^ Math.imul(a1, KB));
  const w2 = fmix(b0 ^ Math.imul(b1, KA));
  if (n >= CACHE_MIN) return DIGESTS.add(s, [w1, w2]);
  SHORT[0] = w1;
  SHORT[1] = w2;
  return SHORT;
}

/** The digest as 16 hex digits. */
export function longDigestHex(s: string): string {
  const [a, b] = longDigest(s);
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
