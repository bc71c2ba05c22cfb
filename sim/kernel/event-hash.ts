// The trace hash (version 2): a running 64-bit hash over trace events as values, field by field,
// without building their JSON. It hashes exactly what the event's JSON line holds (a line read back
// from a trace file and parsed hashes the same), so every field of every event counts.

import { Recent } from './recent.js';

/**
 * Each value is fed as 32-bit words: a tag word, then its content, so the word sequence of an
 * event decodes one way only (a string carries its length; an object ends with END).
 */
const TAG_OBJ = 0x4f424a7b;
const TAG_END = 0x454e447d;
const TAG_ARR = 0x4152525b;
const TAG_INT = 0x494e5423;
const TAG_NUM = 0x4e554d2e;
const TAG_STR = 0x53545222;
/** A long string is fed as its length and a 64-bit digest of its code units (long.ts below). */
const TAG_LONG = 0x4c4f4e47;
const TAG_NULL = 0x4e554c4c;
const TAG_TRUE = 0x54525545;
const TAG_FALSE = 0x46414c53;

/** Strings at least this long are digested from a UTF-16 copy, two code units per word. */
const LONG = 48;

const KA = 0x9e3779b1;
const KB = 0x85ebca77;

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Code units copied at a time (a multiple of 4): the scratch buffer stays 64 KB whatever the string. */
const CHUNK = 1 << 15;
const scratch = Buffer.allocUnsafeSlow(2 * CHUNK);
const scratchWords = new Uint32Array(scratch.buffer, scratch.byteOffset, CHUNK >>> 1);

/** The digests (two words) of the last few long strings of at least LONG_CACHE_MIN code units (long() below). */
const LONG_CACHE_MIN = 256;
const LONG_DIGESTS = new Recent<readonly [number, number]>(8);

/** Murmur3's finalizer: every input bit reaches every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Two 32-bit lanes, each step xor-multiply-xorshift: a bijection of the lane for a fixed word, so
 * two inputs that differ in one word never meet again, and the two lanes use unrelated constants.
 */
export class EventHash {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;

  private word(w: number): void {
    let a = Math.imul(this.a ^ w, KA);
    this.a = a ^ (a >>> 16);
    let b = Math.imul(this.b ^ w, KB);
    this.b = b ^ (b >>> 13);
  }

  /** One event (or any JSON value): what its JSON text says, in the order its keys are listed. */
  update(event: object): void {
    this.value(event);
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        if ((v | 0) === v) {
          this.word(TAG_INT);
          this.word(v);
        } else if (Number.isFinite(v)) {
          f64[0] = v;
          this.word(TAG_NUM);
          this.word(f64Words[0]!);
          this.word(f64Words[1]!);
        } else this.word(TAG_NULL); // JSON writes NaN and the infinities as null
        return;
      case 'string':
        this.string(v);
        return;
      case 'boolean':
        this.word(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'object':
        if (v === null) this.word(TAG_NULL);
        else if (Array.isArray(v)) {
          this.word(TAG_ARR);
          this.word(v.length);
          for (let i = 0; i < v.length; i++) {
            const x: unknown = v[i];
            if (x === undefined || typeof x === 'function' || typeof x === 'symbol') this.word(TAG_NULL);
            else this.value(x);
          }
        } else {
          this.word(TAG_OBJ);
          const o = v as Record<string, unknown>;
          for (const k in o) {
            const x = o[k];
            if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue; // JSON leaves these out
            this.string(k);
            this.value(x);
          }
          this.word(TAG_END);
        }
        return;
      case 'bigint':
        throw new TypeError('a trace event holds a BigInt, which JSON cannot write');
      default:
        this.word(TAG_NULL); // undefined at the top level; never an event
    }
  }

  private string(s: string): void {
    const n = s.length;
    if (n >= LONG) {
      this.long(s);
      return;
    }
    this.word(TAG_STR);
    this.word(n);
    let i = 0;
    for (; i + 1 < n; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < n) this.word(s.charCodeAt(i));
  }

  /**
   * A long string, digested apart in four independent chains (even and odd words, two lanes each:
   * the chains run side by side in the CPU), four code units at a time, from a UTF-16LE copy made
   * CHUNK code units at a time into a fixed scratch buffer and read a word at a time.
   */
  private long(s: string): void {
    const n = s.length;
    // the same long value is often in several events in a row (a write's x.write or client.op, its
    // reads): its digest depends on the string alone, so the last few are kept
    const kept = LONG_DIGESTS.find(s);
    if (kept !== undefined) {
      this.word(TAG_LONG);
      this.word(n);
      this.word(kept[0]);
      this.word(kept[1]);
      return;
    }
    let a0 = 0x243f6a88;
    let b0 = 0x85a308d3;
    let a1 = 0x13198a2e;
    let b1 = 0x03707344;
    let i = 0; // code units consumed, a multiple of 4
    if (littleEndian) {
      const u = scratchWords;
      while (n - i >= 4) {
        const len = Math.min(CHUNK, n - i) & ~3;
        scratch.write(i === 0 && len === n ? s : s.substring(i, i + len), 0, 'utf16le');
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
    } else {
      for (; n - i >= 4; i += 4) {
        const w = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
        const x = s.charCodeAt(i + 2) | (s.charCodeAt(i + 3) << 16);
        a0 = Math.imul(a0 ^ w, KA);
        a0 ^= a0 >>> 16;
        b0 = Math.imul(b0 ^ w, KB);
        b0 ^= b0 >>> 13;
        a1 = Math.imul(a1 ^ x, KA);
        a1 ^= a1 >>> 16;
        b1 = Math.imul(b1 ^ x, KB);
        b1 ^= b1 >>> 13;
      }
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
    if (n >= LONG_CACHE_MIN) LONG_DIGESTS.add(s, [w1, w2]);
    this.word(TAG_LONG);
    this.word(n);
    this.word(w1);
    this.word(w2);
  }

  /** 16 hex digits. */
  digest(): string {
    const a = fmix(this.a ^ Math.imul(this.b, KA)) >>> 0;
    const b = fmix(this.b ^ Math.imul(this.a, KB)) >>> 0;
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  }
}
