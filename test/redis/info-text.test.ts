// INFO as text (sim/redis/info.ts): run_id first, then master_link_down_since_seconds on a replica
// whose link is not up, then every INFO field in its order, as `field:value` lines joined by CRLF.
import { describe, expect, it } from 'vitest';
import { world, SEC } from '../support/redis.js';

function lines(text: unknown): [string, string][] {
  expect(typeof text).toBe('string');
  return (text as string).split('\r\n').map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1)];
  });
}

describe('INFO text', () => {
  it('a master and a connected replica: run_id, then the fields in order with their values', () => {
    const w = world({ nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('m', ['SET', 'k', 'v']);
    w.runFor(2 * SEC);
    for (const n of ['m', 'r']) {
      const got = lines(w.command(n, ['INFO']));
      const fields = Object.entries(w.info(n)).map(([k, v]) => [k, String(v)]);
      expect(got[0]![0]).toBe('run_id');
      expect(got[0]![1]).toMatch(/^[0-9a-f]{40}$/);
      expect(got.slice(1)).toEqual(fields);
    }
    expect(lines(w.command('m', ['INFO'])).some(([k, v]) => k === 'slave0' && v.startsWith('ip=r,port=6379,state=online'))).toBe(true);
  });

  it('a replica whose link is down says for how long, right after run_id', () => {
    const w = world({ nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.crash('m');
    w.runFor(5 * SEC);
    const got = lines(w.command('r', ['INFO']));
    expect(got[1]![0]).toBe('master_link_down_since_seconds');
    expect(Number(got[1]![1])).toBeGreaterThanOrEqual(4);
    expect(got.slice(2)).toEqual(Object.entries(w.info('r')).map(([k, v]) => [k, String(v)]));
  });
});
