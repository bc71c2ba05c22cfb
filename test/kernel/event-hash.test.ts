// The trace hash (version 2 and 3: the function is the same) hashes an event's values field by field: it must agree with the
// event's JSON line (a parsed trace file hashes as the run did), and every field, every code unit
// of a string and every structural boundary must count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventHash } from '../../sim/kernel/event-hash.js';
import { simulate } from '../../sim/harness/simulate.js';
import { loadBuiltin } from '../../sim/harness/sources.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';
import { StreamEvent, type TraceEvent } from '../../sim/trace-events.js';
import { fcParams } from '../support/fc.js';

const hashOf = (...events: object[]): string => {
  const h = new EventHash();
  for (const e of events) h.update(e);
  return h.digest();
};

const viaJson = (e: object): object => JSON.parse(JSON.stringify(e)) as object;

// computed by the hash of ea365b9 (before the stream events had a class) on the same events as plain objects
const KNOWN = 'cf7a6fe03588daeb';
const EMPTY = '0ba0c0c31e1cd004';

describe('EventHash', () => {
  it('hashes every event of real runs as its JSON line reads back, and the order of events counts', () => {
    const events: TraceEvent[] = [];
    const observe = (e: TraceEvent) => events.push(e);
    simulate(loadBuiltin('failover-clean', 1), { seed: 1, observers: [observe] });
    for (const seed of [5, 20, 27]) simulate(swarmScenario(seed), { seed, observers: [observe] }); // Sentinels, clients, 20 kB values
    const types = new Set(events.map((e) => e.type));
    for (const t of ['redis.applied', 'redis.stream', 'x.write', 'client.op', 'sentinel.event', 'redis.psync', 'net.link']) expect(types).toContain(t);
    expect(events.some((e) => JSON.stringify(e).length > 20_000)).toBe(true);
    const a = new EventHash();
    const b = new EventHash();
    for (const e of events) {
      expect(hashOf(e), JSON.stringify(e).slice(0, 200)).toBe(hashOf(viaJson(e)));
      a.update(e);
      b.update(viaJson(e));
    }
    expect(a.digest()).toBe(b.digest());
    expect(hashOf(...events.slice(0, 50))).not.toBe(hashOf(...events.slice(0, 50).reverse()));
  });

  it('follows JSON where values have no JSON form: undefined fields left out, NaN and infinities as null, -0 as 0', () => {
    expect(hashOf({ t: 1, a: undefined, b: 2 })).toBe(hashOf({ t: 1, b: 2 }));
    expect(hashOf({ t: 1, f: () => 1, s: Symbol('s'), b: 2 })).toBe(hashOf({ t: 1, b: 2 }));
    expect(hashOf({ t: 1, x: [undefined, Number.NaN, Infinity, () => 1, Symbol('s')] })).toBe(hashOf({ t: 1, x: [null, null, null, null, null] }));
    expect(hashOf({ t: -0 })).toBe(hashOf({ t: 0 }));
    expect(() => hashOf({ t: 1, n: 10n })).toThrow(/BigInt/);
  });

  it('tells apart the types, the keys, and where one string ends and the next begins', () => {
    const variants: object[] = [
      { t: 1, v: 1 },
      { t: 1, v: '1' },
      { t: 1, v: true },
      { t: 1, v: null },
      { t: 1, v: [1] },
      { t: 1, v: { x: 1 } },
      { t: 1, v: 1.5 },
      { t: 1, v: 2 ** 40 },
      { t: 1, w: 1 },
      { t: 1 },
      { t: 1, v: 1, w: undefined, x: 0 },
      { t: 1, a: 'ab', b: 'c' },
      { t: 1, a: 'a', b: 'bc' },
      { t: 1, a: ['ab', 'c'] },
      { t: 1, a: ['a', 'bc'] },
      { t: 1, a: [['a'], []] },
      { t: 1, a: [[], ['a']] },
      { v: 1, t: 1 },
    ];
    const hashes = variants.map((v) => hashOf(v));
    expect(new Set(hashes).size).toBe(variants.length);
    // one event of two fields against two events of one field each
    expect(hashOf({ t: 1 }, { t: 2 })).not.toBe(hashOf({ t: 1, u: 2 }));
  });

  it('a string longer than the 32768 code units copied at a time: a change on either side of a chunk boundary counts', () => {
    const s = 'v1'.padEnd(100_003, '.');
    const base = hashOf({ t: 1, value: s });
    const seen = new Set([base]);
    for (const at of [0, 32_767, 32_768, 65_535, 65_536, 100_000, 100_002]) seen.add(hashOf({ t: 1, value: s.slice(0, at) + 'x' + s.slice(at + 1) }));
    expect(seen.size).toBe(8);
    expect(hashOf({ t: 1, value: s.slice(0, -1) })).not.toBe(base);
  });

  it('known answers: the words of every kind of value, short strings of even and odd length, arrays, a stream event', () => {
    const events: object[] = [
      { t: 1, type: 'x', s: '', odd: 'abc', even: 'abcd', n: -7, big: 2 ** 40, f: 0.5, yes: true, no: false, none: null },
      { t: 2, arr: [1, 'a', [null], { k: 'v' }], empty: [], long: 'L'.repeat(100) },
      new StreamEvent(3_000_000_000, 'redis.applied', 'n1', 'f'.repeat(40), 12345, 67, '0123abcd'),
      new StreamEvent(4, 'redis.stream', 'n0', 'e'.repeat(40), 1, 2, 'ffffffff'),
    ];
    // trace version 3's hash; a change here is a change of every pinned trace hash
    expect(hashOf(...events)).toBe(KNOWN);
    expect(hashOf()).toBe(EMPTY);
  });

  it('property: a StreamEvent (hashed without walking its keys) hashes as the plain object it writes, in any sequence', () => {
    const num = fc.oneof(fc.integer(), fc.integer({ min: 2 ** 31, max: 2 ** 52 }), fc.double({ noNaN: true }));
    const str = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('a'.repeat(40), 'b'.repeat(40), 'a'.repeat(47), 'a'.repeat(48)));
    const ev = fc
      .tuple(num, fc.constantFrom('redis.stream' as const, 'redis.applied' as const), str, str, num, num, str)
      .map(([t, type, node, replid, start, bytes, h]) => new StreamEvent(t, type, node, replid, start, bytes, h));
    fc.assert(
      fc.property(fc.array(ev, { minLength: 1, maxLength: 8 }), (events) => {
        const plain = events.map((e) => ({ ...e }));
        expect(hashOf(...events)).toBe(hashOf(...plain));
        expect(hashOf(...events)).toBe(hashOf(...events.map(viaJson)));
      }),
      fcParams(300),
    );
  });

  it('property: changing any one field of an event, or one code unit of a long or short string, changes the hash', () => {
    const field = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 60 }), fc.boolean(), fc.constant(null));
    const event = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), field, { minKeys: 1, maxKeys: 6 });
    fc.assert(
      fc.property(event, fc.nat(), field, (e, which, replacement) => {
        const keys = Object.keys(e);
        const k = keys[which % keys.length]!;
        fc.pre(!Object.is(JSON.stringify(e[k]), JSON.stringify(replacement)));
        expect(hashOf(e)).toBe(hashOf(viaJson(e)));
        expect(hashOf({ ...e, [k]: replacement })).not.toBe(hashOf(e));
      }),
      fcParams(300),
    );
    const long = fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.nat(), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(long, ([n, at, unit]) => {
        const s = `v${n}`.padEnd(n, '.');
        const i = at % s.length;
        fc.pre(s.charCodeAt(i) !== unit);
        const changed = s.slice(0, i) + String.fromCharCode(unit) + s.slice(i + 1);
        expect(hashOf({ t: 1, value: changed })).not.toBe(hashOf({ t: 1, value: s }));
        expect(hashOf({ t: 1, value: s + '.' })).not.toBe(hashOf({ t: 1, value: s }));
      }),
      fcParams(300),
    );
  });
});
