// A Redis dataset: databases 0-15 of string and list keys with millisecond expiry, and an
// order-independent digest (like DEBUG DIGEST) kept up to date on every change.

import { FNV_OFFSET, MURMUR_M, TwoLaneHash } from '../kernel/hash.js';

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
}

function entryHash(db: number, key: string, e: { value: Value; expireAtMs: number }): [number, number] {
  const h = new TwoLaneHash(FNV_OFFSET ^ db, 0x9747b28c ^ Math.imul(db + 1, MURMUR_M), 13, 0xff);
  h.update(key);
  if (typeof e.value === 'string') {
    h.update('s');
    h.update(e.value);
  } else {
    h.update('l');
    for (const item of e.value) h.update(item);
  }
  if (e.expireAtMs) h.update(String(e.expireAtMs));
  let { a, b } = h;
  // final avalanche so that XOR-combining per-key hashes does not cancel structure
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 13;
  return [a | 0, b | 0];
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

  /** Store a value (the entry's expiry is `expireAtMs`; 0 clears it). */
  set(db: number, key: string, value: Value, expireAtMs = 0): void {
    const map = this.dbs[db]!;
    const old = map.get(key);
    if (old) {
      this.d1 ^= old.h1;
      this.d2 ^= old.h2;
    }
    const [h1, h2] = entryHash(db, key, { value, expireAtMs });
    map.set(key, { value, expireAtMs, h1, h2 });
    this.d1 ^= h1;
    this.d2 ^= h2;
    if (expireAtMs) this.volatile[db]!.add(key);
    else if (old?.expireAtMs) this.volatile[db]!.delete(key);
  }

  setExpire(db: number, key: string, expireAtMs: number): boolean {
    const e = this.dbs[db]!.get(key);
    if (!e) return false;
    this.set(db, key, e.value, expireAtMs);
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
      for (const [k, e] of src) dst.set(k, { ...e, value: typeof e.value === 'string' ? e.value : e.value.slice() });
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
