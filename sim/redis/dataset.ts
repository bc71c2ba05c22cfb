// A Redis dataset: databases 0-15 of string and list keys with millisecond expiry, and an
// order-independent digest (like DEBUG DIGEST) kept up to date on every change, incrementally:
// a change costs the size of what it adds (APPEND, RPUSH, an expiry), not the size of the value.

import * as hash from '../kernel/hash.js';
import { Recent } from '../kernel/recent.js';
import { CHUNK, utf16Words } from '../kernel/long-digest.js';

// module-local copies of the constants the digest's loops read on every word (an imported binding is
// read through its module cell each time)
const FNV_OFFSET = hash.FNV_OFFSET;
const FNV_PRIME = hash.FNV_PRIME;
const MURMUR_M = hash.MURMUR_M;

export const DB_COUNT = 16;
/** Unix time in ms at simulated time 0, so absolute expiry timestamps have real Redis's 13 digits. */
export const EPOCH_MS = 1_700_000_000_000;

export type Value = string | string[];

export interface Entry {
  value: Value;
  /** Absolute unix ms, or 0 for no expiry. */
  expireAtMs: number;
  h1: number;
  h2: number;
  /**
   * The two hash lanes after the key, the type and the value (a string's code units, a list's items
   * each with its length and separator) and, for a string, its last code unit when their count is
   * odd (pc, else -1): an APPEND or RPUSH continues from here, an expiry finishes from here.
   */
  pa: number;
  pb: number;
  pc: number;
}

// The entry digest streams the key, a type tag, the value and the expiry through two lanes, two
// code units to a 32-bit word (the last one alone when their count is odd), each string followed
// by its length (so where the words of a string end is known) and a separator; the lanes live in
// these scratch variables so a change hashes only what it adds. Single-threaded and never re-entered.
let la = 0;
let lb = 0;
/** The code unit waiting for its pair, or -1. */
let lp = -1;
const SEP = 0xff;
/** Runs of at least this many code units are read as words from a copy (shorter ones by charCodeAt). */
const WORDS_MIN = 64;

function word(w: number): void {
  la = Math.imul(la ^ w, FNV_PRIME);
  const b = Math.imul(lb ^ w, MURMUR_M);
  lb = b ^ (b >>> 13);
}

/** More code units of the string being hashed (lp carries an odd one over to the next call). */
function feed(s: string): void {
  const n = s.length;
  if (n === 0) return;
  let i = 0;
  if (lp >= 0) {
    word(lp | (s.charCodeAt(0) << 16));
    i = 1;
  }
  let a = la;
  let b = lb;
  // a long run of pairs read as words from a copy (the same words as below, faster)
  while (n - i >= WORDS_MIN) {
    const len = Math.min(CHUNK, n - i) & ~1;
    const u = utf16Words(s, i, len);
    const words = len >>> 1;
    for (let k = 0; k < words; k++) {
      const w = u[k]!;
      a = Math.imul(a ^ w, FNV_PRIME);
      b = Math.imul(b ^ w, MURMUR_M);
      b ^= b >>> 13;
    }
    i += len;
  }
  for (; i + 1 < n; i += 2) {
    const w = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    a = Math.imul(a ^ w, FNV_PRIME);
    b = Math.imul(b ^ w, MURMUR_M);
    b ^= b >>> 13;
  }
  lp = i < n ? s.charCodeAt(i) : -1;
  la = a;
  lb = b;
}

/** The string being hashed ends: its odd code unit alone, its length, a separator. */
function end(length: number): void {
  if (lp >= 0) word(lp);
  lp = -1;
  word(length);
  la = Math.imul(la ^ SEP, FNV_PRIME);
  lb = Math.imul(lb ^ SEP, MURMUR_M);
}

/** One whole string. */
function str(s: string): void {
  feed(s);
  end(s.length);
}

/** Lanes after the key and its type tag. */
function start(db: number, key: string, tag: string): void {
  la = FNV_OFFSET ^ db;
  lb = 0x9747b28c ^ Math.imul(db + 1, MURMUR_M);
  lp = -1;
  str(key);
  str(tag);
}

// The lanes after (db, key, a string value) of the last few long values set: a write is set on
// the master and then on every replica that applies it, and a value can be 100 kB; a hit skips
// hashing it again (a pure function of its inputs, so sharing it between runs changes nothing).
/** Values shorter than this are hashed every time (comparing costs about as much as hashing). */
const LANE_CACHE_MIN = 256;
/** By value: the db and key it was set under, and the lanes after them. */
const LANES = new Recent<{ db: number; key: string; a: number; b: number; p: number }>(8);

/** Lanes after the whole value (see Entry.pa), from scratch. */
function valueLanes(db: number, key: string, value: Value): void {
  if (typeof value === 'string') {
    if (value.length < LANE_CACHE_MIN) {
      start(db, key, 's');
      feed(value);
      return;
    }
    const kept = LANES.find(value, (k) => k.db === db && k.key === key);
    if (kept !== undefined) {
      la = kept.a;
      lb = kept.b;
      lp = kept.p;
      return;
    }
    start(db, key, 's');
    feed(value);
    LANES.add(value, { db, key, a: la, b: lb, p: lp });
  } else {
    start(db, key, 'l');
    for (let i = 0; i < value.length; i++) str(value[i]!);
  }
}

/** The entry's digest (into e.h1, e.h2) from its value lanes and its expiry. */
function finish(e: Entry): void {
  la = e.pa;
  lb = e.pb;
  lp = e.pc;
  if (typeof e.value === 'string') end(e.value.length);
  if (e.expireAtMs) str(String(e.expireAtMs));
  // final avalanche so that XOR-combining per-key hashes does not cancel structure
  let a = la;
  let b = lb;
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 13;
  e.h1 = a | 0;
  e.h2 = b | 0;
}

export class Dataset {
  readonly dbs: Map<string, Entry>[] = [];
  /** Keys with an expiry, per db, in the order their expiry was set. */
  readonly volatile: Set<string>[] = [];
  private d1 = 0;
  private d2 = 0;

  constructor() {
    for (let i = 0; i < DB_COUNT; i++) {
      this.dbs.push(new Map());
      this.volatile.push(new Set());
    }
  }

  /** The raw entry, expired or not. */
  entry(db: number, key: string): Entry | undefined {
    return this.dbs[db]!.get(key);
  }

  /** Store a value (the entry's expiry is `expireAtMs`; 0 clears it). Hashes the whole value. */
  set(db: number, key: string, value: Value, expireAtMs = 0): void {
    const map = this.dbs[db]!;
    const old = map.get(key);
    const hadExpiry = old !== undefined && old.expireAtMs !== 0;
    if (old) {
      this.d1 ^= old.h1;
      this.d2 ^= old.h2;
    }
    valueLanes(db, key, value);
    // an existing entry is refilled in place (no caller keeps one across a change)
    const e: Entry = old ?? { value, expireAtMs, h1: 0, h2: 0, pa: 0, pb: 0, pc: -1 };
    e.value = value;
    e.expireAtMs = expireAtMs;
    e.pa = la;
    e.pb = lb;
    e.pc = lp;
    finish(e);
    if (!old) map.set(key, e);
    this.d1 ^= e.h1;
    this.d2 ^= e.h2;
    if (expireAtMs) this.volatile[db]!.add(key);
    else if (hadExpiry) this.volatile[db]!.delete(key);
  }

  /** APPEND to `e`, a string entry of this dataset: hashes only `suffix`. */
  appendString(e: Entry, suffix: string): void {
    this.d1 ^= e.h1;
    this.d2 ^= e.h2;
    e.value = (e.value as string) + suffix;
    la = e.pa;
    lb = e.pb;
    lp = e.pc;
    feed(suffix);
    e.pa = la;
    e.pb = lb;
    e.pc = lp;
    finish(e);
    this.d1 ^= e.h1;
    this.d2 ^= e.h2;
  }

  /** RPUSH `items` onto `e`, a list entry of this dataset, in place: hashes only the items. */
  pushItems(e: Entry, items: readonly string[]): void {
    this.d1 ^= e.h1;
    this.d2 ^= e.h2;
    const list = e.value as string[];
    la = e.pa;
    lb = e.pb;
    lp = -1;
    for (let i = 0; i < items.length; i++) {
      list.push(items[i]!);
      str(items[i]!);
    }
    e.pa = la;
    e.pb = lb;
    finish(e);
    this.d1 ^= e.h1;
    this.d2 ^= e.h2;
  }

  setExpire(db: number, key: string, expireAtMs: number): boolean {
    const e = this.dbs[db]!.get(key);
    if (!e) return false;
    this.d1 ^= e.h1;
    this.d2 ^= e.h2;
    const had = e.expireAtMs;
    e.expireAtMs = expireAtMs;
    finish(e);
    this.d1 ^= e.h1;
    this.d2 ^= e.h2;
    if (expireAtMs) this.volatile[db]!.add(key);
    else if (had) this.volatile[db]!.delete(key);
    return true;
  }

  delete(db: number, key: string): boolean {
    const map = this.dbs[db]!;
    const old = map.get(key);
    if (!old) return false;
    this.d1 ^= old.h1;
    this.d2 ^= old.h2;
    map.delete(key);
    if (old.expireAtMs) this.volatile[db]!.delete(key);
    return true;
  }

  flushAll(): void {
    for (let i = 0; i < DB_COUNT; i++) {
      this.dbs[i]!.clear();
      this.volatile[i]!.clear();
    }
    this.d1 = 0;
    this.d2 = 0;
  }

  dbsize(db: number): number {
    return this.dbs[db]!.size;
  }

  totalKeys(): number {
    let n = 0;
    for (const m of this.dbs) n += m.size;
    return n;
  }

  /** Order-independent digest of every key, value and expiry; all zeros for an empty dataset. */
  digest(): string {
    return (this.d1 >>> 0).toString(16).padStart(8, '0') + (this.d2 >>> 0).toString(16).padStart(8, '0');
  }

  /** A deep copy (what a fork's child sees). */
  clone(): Dataset {
    const c = new Dataset();
    for (let i = 0; i < DB_COUNT; i++) {
      const src = this.dbs[i]!;
      const dst = c.dbs[i]!;
      for (const [k, e] of src) dst.set(k, { value: typeof e.value === 'string' ? e.value : e.value.slice(), expireAtMs: e.expireAtMs, h1: e.h1, h2: e.h2, pa: e.pa, pb: e.pb, pc: e.pc });
      for (const k of this.volatile[i]!) c.volatile[i]!.add(k);
    }
    c.d1 = this.d1;
    c.d2 = this.d2;
    return c;
  }

  /** Approximate serialized size of the data, for RDB sizes and load/save durations. */
  payloadBytes(): number {
    let n = 0;
    for (const m of this.dbs) {
      for (const [k, e] of m) {
        n += k.length + 2 + (e.expireAtMs ? 9 : 0);
        if (typeof e.value === 'string') n += e.value.length + 1;
        else for (const item of e.value) n += item.length + 1;
      }
    }
    return n;
  }
}
