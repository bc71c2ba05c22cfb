// Recent: the last `size` keys and their values, the oldest replaced first; `match` picks among equal keys.
import { describe, expect, it } from 'vitest';
import { Recent } from '../../sim/kernel/recent.js';

describe('Recent', () => {
  it('keeps the last size keys, replacing the oldest', () => {
    const r = new Recent<number>(3);
    for (const k of ['a', 'b', 'c']) r.add(k, k.charCodeAt(0));
    expect(['a', 'b', 'c'].map((k) => r.find(k))).toEqual([97, 98, 99]);
    r.add('d', 100);
    expect(['a', 'b', 'c', 'd'].map((k) => r.find(k))).toEqual([undefined, 98, 99, 100]);
    expect(new Recent<number>(2).find('')).toBeUndefined(); // an unused slot holds no key, not even ''
  });

  it('with match: the entry of that key that match accepts', () => {
    const r = new Recent<{ db: number }>(4);
    r.add('v', { db: 0 });
    r.add('v', { db: 3 });
    expect(r.find('v', (x) => x.db === 3)).toEqual({ db: 3 });
    expect(r.find('v', (x) => x.db === 1)).toBeUndefined();
  });
});
