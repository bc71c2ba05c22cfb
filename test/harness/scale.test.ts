// The pieces of sweeps beyond one machine that need no process: seed lists as --seeds text, the
// queue URL, and how a seed record adds a run's findings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seedsText } from '../../sim/harness/merge.js';
import { parseSeeds } from '../../sim/harness/seeds.js';
import { parseQueueUrl } from '../../sim/harness/queue.js';
import { mergeRecord, type RecordEntry, type SeedRecord } from '../../sim/harness/fuzz.js';
import { UserError } from '../../sim/errors.js';

describe('seedsText', () => {
  it('parseSeeds reads back exactly the list, in its order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 120 }), fc.boolean(), (xs, sorted) => {
        const list = sorted ? [...xs].sort((a, b) => a - b) : xs;
        const text = seedsText(list);
        expect(list.length === 0 ? [] : parseSeeds(text)).toEqual(list);
      }),
      { seed: 13 },
    );
  });

  it('writes ascending runs of three or more as ranges', () => {
    expect(seedsText([1, 2, 3, 4, 7, 8, 10, 9, 11, 12, 13])).toBe('1..4,7,8,10,9,11..13');
  });
});

describe('parseQueueUrl', () => {
  it('host, port, database, user and password', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6400/3').connection).toEqual({ host: '127.0.0.1', port: 6400, db: 3 });
    expect(parseQueueUrl('redis://q.example/').connection).toEqual({ host: 'q.example', port: 6379, db: 0 });
    const t = parseQueueUrl('redis://bob:s%40cret@h:1/2');
    expect(t.connection).toEqual({ host: 'h', port: 1, db: 2, username: 'bob', password: 's@cret' });
    expect(t.display, 'no password in what is printed').toBe('redis://h:1/2');
  });

  it('refuses what is not a redis URL, naming what is wrong', () => {
    for (const [url, why] of [['http://h:1/0', 'is not redis: or rediss:'], ['127.0.0.1:6379', 'is not a URL'], ['nonsense', 'is not a URL'], ['redis://h:1/db', 'is not a database number'], ['redis://h:1/0?x=1', 'no query']] as const) {
      expect(() => parseQueueUrl(url)).toThrow(UserError);
      expect(() => parseQueueUrl(url)).toThrow(why);
    }
  });
});

describe('mergeRecord', () => {
  const entry = (key: string, first: number, smallest: number, count: number): RecordEntry => ({ scenario: 'swarm', key, label: key, status: 'fail', first_seed: first, smallest_seed: smallest, count, message: `m${smallest}`, reproduce: `replsim run swarm --seed ${smallest}` });
  const empty: SeedRecord = { record_format: 1, tool_version: 'x', seeds_run: {}, entries: [] };

  it('adds counts and seeds, keeps the first seed, takes a smaller seed with its message', () => {
    const a = mergeRecord(empty, { seeds_run: { swarm: 10 }, entries: [entry('k1', 50, 20, 3), entry('k2', 7, 7, 1)] });
    const b = mergeRecord(a, { seeds_run: { swarm: 5, other: 2 }, entries: [entry('k1', 9, 9, 2), entry('k0', 4, 4, 1)] });
    expect(b.seeds_run).toEqual({ other: 2, swarm: 15 });
    expect(b.entries.map((e) => [e.key, e.first_seed, e.smallest_seed, e.count, e.message])).toEqual([
      ['k0', 4, 4, 1, 'm4'],
      ['k1', 50, 9, 5, 'm9'],
      ['k2', 7, 7, 1, 'm7'],
    ]);
    const c = mergeRecord(b, { seeds_run: {}, entries: [entry('k1', 100, 30, 1)] });
    expect(c.entries.find((e) => e.key === 'k1')).toMatchObject({ smallest_seed: 9, count: 6, message: 'm9' });
  });
});
