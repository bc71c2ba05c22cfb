// The dataset's incremental digest (sim/redis/dataset.ts) against a from-scratch recomputation of
// every entry, after random sequences of the data commands on strings, lists and expiries, across
// databases, on masters and replicas, with clones (a fork) taken in between.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dataset, DB_COUNT, type Value } from '../../sim/redis/dataset.js';
import { dataCommand, type ExecContext } from '../../sim/redis/commands.js';
import { FNV_OFFSET, FNV_PRIME, MURMUR_M } from '../../sim/kernel/hash.js';

/**
 * One entry's digest, the whole value hashed in one pass (the definition the incremental one must
 * meet): two lanes over 32-bit words; every string (key, type tag, value or list item, expiry) as
 * its code units two to a word (the last alone when their count is odd), its length, and 0xff.
 */
function entryFromScratch(db: number, key: string, value: Value, expireAtMs: number): [number, number] {
  let a = FNV_OFFSET ^ db;
  let b = 0x9747b28c ^ Math.imul(db + 1, MURMUR_M);
  const word = (w: number) => {
    a = Math.imul(a ^ w, FNV_PRIME);
    b = Math.imul(b ^ w, MURMUR_M);
    b ^= b >>> 13;
  };
  const str = (s: string) => {
    const units = Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
    for (let i = 0; i < units.length; i += 2) word(i + 1 < units.length ? units[i]! | (units[i + 1]! << 16) : units[i]!);
    word(s.length);
    a = Math.imul(a ^ 0xff, FNV_PRIME);
    b = Math.imul(b ^ 0xff, MURMUR_M);
  };
  str(key);
  if (typeof value === 'string') {
    str('s');
    str(value);
  } else {
    str('l');
    for (const item of value) str(item);
  }
  if (expireAtMs) str(String(expireAtMs));
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 13;
  return [a | 0, b | 0];
}

function digestFromScratch(ds: Dataset): string {
  let d1 = 0;
  let d2 = 0;
  for (let db = 0; db < DB_COUNT; db++) {
    for (const [key, e] of ds.dbs[db]!) {
      const [h1, h2] = entryFromScratch(db, key, e.value, e.expireAtMs);
      d1 ^= h1;
      d2 ^= h2;
    }
  }
  return (d1 >>> 0).toString(16).padStart(8, '0') + (d2 >>> 0).toString(16).padStart(8, '0');
}

// strings mostly on a b c, lists on l m, with some overlap for WRONGTYPE and type changes
const key = fc.constantFrom('a', 'b', 'c', 'k\u00e9', 'l');
const listKey = fc.constantFrom('l', 'm', 'm', 'a');
const text = fc.string({ maxLength: 6 });
const command: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(key, text).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, text, fc.integer({ min: 1, max: 50 })).map(([k, v, ms]) => ['SET', k, v, 'PX', String(ms)]),
  fc.tuple(key, text).map(([k, v]) => ['SET', k, v, 'KEEPTTL']),
  fc.tuple(key, text).map(([k, v]) => ['APPEND', k, v]),
  fc.tuple(listKey, fc.array(text, { minLength: 1, maxLength: 3 })).map(([k, vs]) => ['RPUSH', k, ...vs]),
  fc.tuple(listKey, fc.array(text, { minLength: 1, maxLength: 3 })).map(([k, vs]) => ['RPUSH', k, ...vs]),
  key.map((k) => ['INCR', k]),
  fc.array(key, { minLength: 1, maxLength: 2 }).map((ks) => ['DEL', ...ks]),
  fc.tuple(key, text, key, text).map(([k1, v1, k2, v2]) => ['MSET', k1, v1, k2, v2]),
  fc.tuple(key, fc.integer({ min: -5, max: 60 })).map(([k, ms]) => ['PEXPIRE', k, String(ms)]),
  fc.tuple(key, fc.integer({ min: 0, max: 3 })).map(([k, s]) => ['EXPIRE', k, String(s)]),
  key.map((k) => ['GET', k]),
  listKey.map((k) => ['LRANGE', k, '0', '-1']),
  fc.tuple(listKey, fc.integer({ min: 1, max: 60 })).map(([k, ms]) => ['PEXPIRE', k, String(ms)]),
  fc.constant<string[]>(['FLUSHALL']),
);

interface Step {
  args: string[];
  db: number;
  advanceMs: number;
  fromMaster: boolean;
  isMaster: boolean;
  fork: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  args: command,
  db: fc.constantFrom(0, 0, 0, 1),
  advanceMs: fc.constantFrom(0, 0, 1, 7, 40),
  fromMaster: fc.boolean(),
  isMaster: fc.boolean(),
  fork: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
});

/** Run the steps on one dataset, checking its digest after each; a fork's copy must keep its digest while the original changes. */
function run(steps: Step[]): Dataset {
  const ds = new Dataset();
  const forks: { copy: Dataset; digest: string }[] = [];
  let nowMs = 1000;
  for (const s of steps) {
    nowMs += s.advanceMs;
    const ctx: ExecContext = { ds, db: s.db, nowMs, fromMaster: s.fromMaster, isMaster: s.isMaster, propagate() {}, onExpired() {} };
    dataCommand(s.args[0]!)!.run(ctx, s.args);
    expect(ds.digest()).toBe(digestFromScratch(ds));
    if (s.fork) forks.push({ copy: ds.clone(), digest: ds.digest() });
  }
  for (const f of forks) {
    expect(f.copy.digest()).toBe(f.digest);
    expect(digestFromScratch(f.copy)).toBe(f.digest);
  }
  return ds;
}

describe('incremental dataset digest', () => {
  it('equals a from-scratch recomputation after random command sequences on strings, lists and expiries', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        run(steps);
      }),
      { seed: 1313, numRuns: 300 },
    );
  });

  it('known answer: the digest is part of trace version 3 (redis.obs, results), so a change to it must bump the version', () => {
    const ds = new Dataset();
    ds.set(0, 's', 'ab\u0000');
    ds.set(3, 'l', ['x', '\u00e9\u4e2d', '']);
    ds.set(15, 'e', Array.from({ length: 301 }, (_, i) => String.fromCharCode(((i * 7919 + 9 * 31) % 0xd7ff) + 1)).join(''), 1_700_000_012_345);
    expect(ds.digest()).toBe('609c92fd7c4e0bfe');
    expect(digestFromScratch(ds)).toBe('609c92fd7c4e0bfe');
  });

  it('grows a string and a list step by step to the digest of storing the whole value at once', () => {
    const ds = run([
      { args: ['APPEND', 's', 'ab'], db: 1, advanceMs: 0, fromMaster: false, isMaster: true, fork: false },
      { args: ['APPEND', 's', 'c'], db: 1, advanceMs: 0, fromMaster: false, isMaster: true, fork: false },
      { args: ['RPUSH', 'l', 'x', 'y'], db: 1, advanceMs: 0, fromMaster: false, isMaster: true, fork: true },
      { args: ['RPUSH', 'l', 'z'], db: 1, advanceMs: 0, fromMaster: false, isMaster: true, fork: false },
      { args: ['PEXPIRE', 'l', '500'], db: 1, advanceMs: 0, fromMaster: false, isMaster: true, fork: false },
    ]);
    const whole = new Dataset();
    whole.set(1, 's', 'abc');
    whole.set(1, 'l', ['x', 'y', 'z'], 1500);
    expect(ds.digest()).toBe(whole.digest());
    // a different split of the same characters is a different list
    const other = new Dataset();
    other.set(1, 's', 'abc');
    other.set(1, 'l', ['xy', 'z'], 1500);
    expect(other.digest()).not.toBe(whole.digest());
  });

  it('a clone is independent: pushing onto the original leaves the copy and its digest alone', () => {
    const a = new Dataset();
    a.set(0, 'l', ['1']);
    const b = a.clone();
    const before = b.digest();
    a.pushItems(a.entry(0, 'l')!, ['2']);
    expect(b.entry(0, 'l')!.value).toEqual(['1']);
    expect(b.digest()).toBe(before);
    expect(a.digest()).not.toBe(before);
    expect(a.digest()).toBe(digestFromScratch(a));
  });

  it('runs read as words from a UTF-16 copy (64 code units and more, past one 32768-unit copy) digest as from scratch, whatever the odd splits of the APPENDs that built them', () => {
    const unit = fc.constantFrom('a', '.', '\u00e9', '\u4e2d', '\u0000');
    const piece = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 60, max: 300 }), fc.constant(40_001)), unit, unit).map(([n, x, y]) => (x + y).repeat(n).slice(0, n));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
        const grown = new Dataset();
        grown.set(0, 'k', pieces[0]!);
        for (const p of pieces.slice(1)) grown.appendString(grown.entry(0, 'k')!, p);
        expect(grown.digest()).toBe(digestFromScratch(grown));
        const whole = new Dataset();
        whole.set(0, 'k', pieces.join(''));
        expect(whole.digest()).toBe(grown.digest());
        whole.set(0, 'l', pieces);
        expect(whole.digest()).toBe(digestFromScratch(whole));
      }),
      { seed: 1717, numRuns: 60 },
    );
  });

  it('long values (whose lanes are remembered) digest as from scratch: under other keys and dbs, equal text in another string, more values than are kept, APPEND after', () => {
    const values = Array.from({ length: 12 }, (_, i) => `v${i}`.padEnd(300 + (i % 3), i % 2 ? '.' : '\u00e9'));
    const a = new Dataset();
    const b = new Dataset();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < values.length; i++) {
        const v = values[(i * 5 + round) % values.length]!;
        a.set(i % 2, `k${i % 4}`, v);
        // the same text as a string of its own, under another key and db
        b.set((i + 1) % 3, `k${i % 3}`, (' ' + v).slice(1), round === 2 ? 1234 : 0);
        expect(a.digest()).toBe(digestFromScratch(a));
        expect(b.digest()).toBe(digestFromScratch(b));
      }
    }
    a.appendString(a.entry(0, 'k0')!, 'tail');
    expect(a.digest()).toBe(digestFromScratch(a));
    // the same value set under two keys gives two different entries
    const c = new Dataset();
    c.set(0, 'x', values[0]!);
    c.set(0, 'y', values[0]!);
    expect(c.entry(0, 'x')!.h1).not.toBe(c.entry(0, 'y')!.h1);
    expect(c.digest()).toBe(digestFromScratch(c));
  });
});
