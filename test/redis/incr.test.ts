// INCR against a reference written from Redis's rules (string2ll(): optional '-', 1 to 19 digits,
// no leading zero, no "-0", within a signed 64-bit integer; the value + 1, or an overflow error):
// the short values INCR handles without BigInt and the long ones it hands to BigInt must agree with
// the one rule, at every boundary between them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dataset } from '../../sim/redis/dataset.js';
import { dataCommand, type ExecContext } from '../../sim/redis/commands.js';
import type { Reply } from '../../sim/redis/reply.js';

const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;

/** What INCR must do to a key holding `s`: the new value, or the error text. */
function reference(s: string): { value: string } | { error: string } {
  const valid = /^-?[0-9]{1,19}$/.test(s) && !/^-?0[0-9]/.test(s) && s !== '-0';
  if (!valid || BigInt(s) > MAX || BigInt(s) < MIN) return { error: 'ERR value is not an integer or out of range' };
  if (BigInt(s) === MAX) return { error: 'ERR increment or decrement would overflow' };
  return { value: String(BigInt(s) + 1n) };
}

function incr(s: string | null): { reply: Reply; stored: unknown; propagated: string[][] } {
  const ds = new Dataset();
  if (s !== null) ds.set(0, 'k', s, 0);
  const propagated: string[][] = [];
  const ctx: ExecContext = { ds, db: 0, nowMs: 1000, fromMaster: false, isMaster: true, propagate: (args) => void propagated.push(args), onExpired() {} };
  const reply = dataCommand('INCR')!.run(ctx, ['INCR', 'k']);
  return { reply, stored: ds.entry(0, 'k')?.value, propagated };
}

function check(s: string): void {
  const want = reference(s);
  const got = incr(s);
  if ('error' in want) {
    expect(got.reply, `INCR of ${JSON.stringify(s)}`).toEqual({ message: want.error });
    expect(got.stored).toBe(s);
    expect(got.propagated).toEqual([]);
  } else {
    expect(got.reply, `INCR of ${JSON.stringify(s)}`).toBe(Number(want.value));
    expect(got.stored, `INCR of ${JSON.stringify(s)}`).toBe(want.value);
    expect(got.propagated).toEqual([['INCR', 'k']]);
  }
}

const EDGES = [
  '0', '-0', '00', '01', '-01', '-', '', '+1', ' 1', '1 ', '1a', '0x10', '1e3', '١',
  '-1', '9', '-9', '99999999999999', '999999999999999', '-99999999999999', '9999999999999999',
  '-999999999999999', '100000000000000', '1000000000000000', '9007199254740991', '9007199254740992',
  '9223372036854775806', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809',
  '12345678901234567890',
];

describe('INCR', () => {
  it('a missing key becomes 1', () => {
    expect(incr(null)).toEqual({ reply: 1, stored: '1', propagated: [['INCR', 'k']] });
  });

  it('agrees with the reference at the edges: signs, zeros, 15 and 16 characters, 2^53, the int64 limits', () => {
    for (const s of EDGES) check(s);
  });

  it('agrees with the reference on random integers and near-integers (seed 5)', () => {
    const digits = fc.stringMatching(/^-?[0-9]{1,20}$/);
    const near = fc.tuple(digits, fc.constantFrom('', 'x', ' ', '.5', '-')).map(([d, t]) => d + t);
    const around = fc.bigInt({ min: MIN - 2n, max: MAX + 2n }).map(String);
    fc.assert(fc.property(fc.oneof(digits, near, around, fc.string({ maxLength: 6 })), (s) => check(s)), { seed: 5, numRuns: 3000 });
  });
});
