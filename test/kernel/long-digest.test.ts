// The one digest of a long value (sim/kernel/long-digest.ts): the words it reads, its cache, and the
// places that share it (the trace hash, the properties' value keys, a stream entry's h).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK, longDigest, longDigestHex, utf16Words, utf16WordsPortable } from '../../sim/kernel/long-digest.js';
import { hashStrings } from '../../sim/kernel/hash.js';
import { valueKey } from '../../properties/client-ops.js';

const text = (n: number, seed: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(((i * 7919 + seed * 31) % 0xd7ff) + 1)).join('');

describe('long digest', () => {
  it('reads the same words from the native UTF-16 copy as a code unit at a time (the big-endian path), at any offset', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 2, maxLength: 300 }), fc.nat(), (s, at) => {
        const from = at % (s.length - 1);
        const len = (s.length - from) & ~1;
        const native = Array.from(utf16Words(s, from, len).subarray(0, len >>> 1));
        expect(Array.from(utf16WordsPortable(s, from, len).subarray(0, len >>> 1))).toEqual(native);
      }),
      { seed: 4242, numRuns: 200 },
    );
  });

  it('depends on every code unit, across the copies of CHUNK units and in the one to three units at the end, and on the length', () => {
    const s = text(2 * CHUNK + 3, 1);
    const d = longDigestHex(s);
    expect(d).toMatch(/^[0-9a-f]{16}$/);
    for (const at of [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK, 2 * CHUNK + 2]) {
      const t = s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ 1) + s.slice(at + 1);
      expect(longDigestHex(t), `unit ${at}`).not.toBe(d);
    }
    expect(longDigestHex(s + '\u0000')).not.toBe(d);
    expect(longDigestHex(s.slice(0, -1))).not.toBe(d);
  });

  it('is a pure function of the text: the kept digest of a long string equals a fresh one of an equal copy, and a short one is not kept', () => {
    const s = text(5000, 2);
    const first = [...longDigest(s)];
    for (let i = 0; i < 20; i++) longDigest(text(300, 10 + i)); // pushes s out of the kept few
    expect([...longDigest((' ' + s).slice(1))]).toEqual(first);
    const short = text(100, 3);
    const a = [...longDigest(short)];
    longDigest(text(100, 4));
    expect([...longDigest(short)]).toEqual(a);
  });

  it('is what names a long value in the properties and what a long argument contributes to a stream entry h', () => {
    const v = text(500, 5);
    expect(valueKey(v)).toBe(`${v.slice(0, 32)}… (500 bytes, #${longDigestHex(v)})`);
    expect(valueKey('short')).toBe('short');
    // h folds a long argument in by its digest: two values with one digest would give one h, so a
    // different digest (any changed unit) gives a different h
    const w = v.slice(0, 250) + 'x' + v.slice(251);
    expect(hashStrings(['SET', 'k', v])).not.toBe(hashStrings(['SET', 'k', w]));
    expect(hashStrings(['SET', 'k', v])).toBe(hashStrings(['SET', 'k', (' ' + v).slice(1)]));
    // a 47-unit argument is hashed a unit at a time, a 48-unit one by its digest: both differ from their neighbours
    expect(hashStrings(['SET', 'k', 'a'.repeat(47)])).not.toBe(hashStrings(['SET', 'k', 'a'.repeat(48)]));
    expect(hashStrings(['SET', 'ka', 'b'.repeat(60)])).not.toBe(hashStrings(['SET', 'k', 'ab'.repeat(30)]));
  });

  it('known answers: these digests are part of trace version 3 (in `h` and in every event with a long string), so a change to them must bump the version', () => {
    const answers: [number, string][] = [
      [48, 'e8b0700d16a1d5b2'],
      [49, '3c6c854aff05db24'],
      [50, 'c589f58434828fdf'],
      [51, '40fce811d3553011'],
      [300, 'c94e57ad8a8de3f2'],
      [CHUNK + 6, '83f42fc36a26e562'], // a last copy shorter than CHUNK
      [2 * CHUNK + 1, '6413b109fca12218'], // two whole copies and one code unit
    ];
    for (const [n, hex] of answers) expect(longDigestHex(text(n, n)), `length ${n}`).toBe(hex);
    expect([hashStrings(['SET', 'k', 'a'.repeat(47)]), hashStrings(['SET', 'k', 'a'.repeat(48)]), hashStrings(['RPUSH', 'l\u00e9', 'x', ''])]).toEqual(['06fd78c5', 'f04c336f', 'a9ff3550']);
  });
});
