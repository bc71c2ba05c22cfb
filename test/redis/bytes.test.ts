// Byte-exact stream sizes against the figures measured on real Redis 7.0.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { byteLength, decimalDigits, respCommandBytes } from '../../sim/redis/resp.js';
import { respPieces } from '../../sim/redis/backlog.js';
import { world, f } from '../support/redis.js';

describe('RESP byte lengths', () => {
  it('long strings (whose lengths are remembered) measure as Buffer.byteLength does, more of them than are kept, ASCII or not', () => {
    const strings = Array.from({ length: 20 }, (_, i) => `s${i}`.padEnd(256 + i, i % 3 === 0 ? '\u00e9' : i % 3 === 1 ? '\ud83d\ude00' : 'x'));
    for (let round = 0; round < 3; round++) {
      for (const s of strings) {
        expect(byteLength(s)).toBe(Buffer.byteLength(s, 'utf8'));
        expect(byteLength((' ' + s).slice(1))).toBe(Buffer.byteLength(s, 'utf8'));
      }
    }
    expect(byteLength('x'.repeat(300))).toBe(300);
    expect(byteLength('\u00e9'.repeat(300))).toBe(600);
  });

  it('matches the reference figures', () => {
    expect(respCommandBytes(['SET', 'k1', 'v'])).toBe(28);
    expect(respCommandBytes(['SET', 'k', 'v'])).toBe(27);
    expect(respCommandBytes(['SELECT', '0'])).toBe(23);
    expect(respCommandBytes(['SELECT', '10'])).toBe(24);
    expect(respCommandBytes(['PING'])).toBe(14);
    expect(respCommandBytes(['REPLCONF', 'GETACK', '*'])).toBe(37);
    expect(respCommandBytes(['INCR', 'x'])).toBe(21);
    expect(respCommandBytes(['DEL', 'k'])).toBe(20);
    expect(respCommandBytes(['MULTI'])).toBe(15);
    expect(respCommandBytes(['EXEC'])).toBe(14);
  });

  it('counts multi-byte characters as UTF-8 bytes', () => {
    expect(respCommandBytes(['SET', 'k', 'é'])).toBe(28);
  });

  it('equals the length of the RESP encoding, and its pieces sum to it, for any arguments', () => {
    const encode = (args: string[]) => Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.map((a) => Buffer.concat([Buffer.from(`$${Buffer.byteLength(a)}\r\n`), Buffer.from(a), Buffer.from('\r\n')]))]).length;
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: fc.constantFrom('a', '\u00e9', '\u20ac', '\u{1F600}', '\u0000'), maxLength: 12 }), fc.constant('x'.repeat(10001))), { minLength: 1, maxLength: 12 }), (args) => {
        const n = encode(args);
        expect(respCommandBytes(args)).toBe(n);
        expect(respPieces(args, byteLength).reduce((a, b) => a + b, 0)).toBe(n);
      }),
      { seed: 1313, numRuns: 300 },
    );
    for (let p = 1; p <= 1e15; p *= 10) for (const n of [p - 1, p, p + 1]) expect(decimalDigits(n)).toBe(String(n).length);
    expect(decimalDigits(Number.MAX_SAFE_INTEGER)).toBe(16);
  });
});

describe('offsets in a running replication stream', () => {
  const cfg = { 'repl-ping-replica-period': 3600, save: '' };

  it('a master without replicas has no backlog and does not move its offset (7.0)', () => {
    const w = world({ config: cfg, nodes: { p: {} } });
    w.runFor(200_000);
    for (let i = 0; i < 5; i++) w.call('p', ['SET', `k${i}`, 'v']);
    expect(f(w, 'p', 'master_repl_offset')).toBe(0);
    expect(f(w, 'p', 'repl_backlog_active')).toBe(0);
  });

  it('the first write after a replica attaches costs SELECT (23) + the command (28)', () => {
    const w = world({ config: cfg, nodes: { p: {}, r: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    const before = f(w, 'p', 'master_repl_offset') as number;
    w.call('p', ['SET', 'k1', 'v']);
    expect((f(w, 'p', 'master_repl_offset') as number) - before).toBe(51);
    w.call('p', ['SET', 'k1', 'v']);
    expect((f(w, 'p', 'master_repl_offset') as number) - before).toBe(79);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'r', 'master_repl_offset')).toBe(before + 79);
  });

  it('a db change inserts SELECT, a PING is 14 bytes, WAIT sends a 37-byte GETACK', () => {
    const w = world({ config: { ...cfg, 'repl-ping-replica-period': 1 }, nodes: { p: { startAfterMs: 0 }, r: { replicaof: 'p', startAfterMs: 1500 } } });
    expect(w.waitSync()).toBe(true);
    w.call('p', ['SET', 'a', 'v']);
    const o1 = f(w, 'p', 'master_repl_offset') as number;
    w.call('p', ['SELECT', '3']);
    w.call('p', ['SET', 'a', 'v']);
    expect((f(w, 'p', 'master_repl_offset') as number) - o1).toBe(23 + 27);
    // one cron second later exactly one PING is in the stream
    const o2 = f(w, 'p', 'master_repl_offset') as number;
    w.runFor(1_000_000);
    expect((f(w, 'p', 'master_repl_offset') as number) - o2).toBe(14);
    w.waitSync();
    w.call('p', ['SET', 'b', 'v']);
    const o3 = f(w, 'p', 'master_repl_offset') as number;
    const r = w.callAndWait('p', ['WAIT', '1', '1000']);
    expect(r).toBe(1);
    expect((f(w, 'p', 'master_repl_offset') as number) - o3).toBe(37);
  });

  it('a transaction with two writes is wrapped in MULTI/EXEC; a lone write is not', () => {
    const w = world({ config: cfg, nodes: { p: {}, r: { replicaof: 'p' } } });
    w.waitSync();
    w.call('p', ['SET', 'warm', 'v']);
    const o = f(w, 'p', 'master_repl_offset') as number;
    w.call('p', ['MULTI']);
    w.call('p', ['SET', 'a', '1']);
    w.call('p', ['SET', 'b', '2']);
    expect(w.call('p', ['EXEC'])).toEqual(['OK', 'OK']);
    expect((f(w, 'p', 'master_repl_offset') as number) - o).toBe(15 + 27 + 27 + 14);
    w.call('p', ['MULTI']);
    w.call('p', ['SET', 'c', '3']);
    w.call('p', ['EXEC']);
    expect((f(w, 'p', 'master_repl_offset') as number) - o).toBe(15 + 27 + 27 + 14 + 27);
    expect(w.waitSync()).toBe(true);
    expect(w.node('r').ds.digest()).toBe(w.node('p').ds.digest());
  });
});
