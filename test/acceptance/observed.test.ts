// What real redis-server 7.0.15 was seen to do where the naive rule fails; each case's name states
// the rule it pins.
import { describe, expect, it } from 'vitest';
import { world, f, counters, expectConverged, SEC } from '../support/redis.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600, 'repl-backlog-size': '16kb' };

describe('observed Redis 7.0.15 behaviour', () => {
  it('(0) a master takes a new replid when its first replica makes it create the backlog', () => {
    const w = world({ config: quiet, nodes: { p: {}, r: { startAfterMs: 500 } } });
    w.runFor(600_000);
    const id0 = f(w, 'p', 'master_replid');
    w.call('p', ['SET', 'a', '1']);
    expect(f(w, 'p', 'master_repl_offset')).toBe(0);
    w.call('r', ['REPLICAOF', 'p']);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'p', 'master_replid')).not.toBe(id0);
    // a runtime REPLICAOF sends the replica's own id: partial_err + full (observed 10)
    expect(counters(w, ['p']).p).toEqual({ full: 1, ok: 0, err: 1 });
  });

  it('(10, h2) a replica started with --replicaof and no RDB asks PSYNC ? -1: sync_full only', () => {
    const w = world({ config: quiet, nodes: { p: {}, r: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['p']).p).toEqual({ full: 1, ok: 0, err: 0 });
  });

  it('(c2) a promoted replica demoted straight back does a full sync, even with no writes', () => {
    const w = world({ config: quiet, nodes: { p: {}, r1: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    w.call('r1', ['REPLICAOF', 'NO', 'ONE']);
    w.call('r1', ['REPLICAOF', 'p']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['p']).p).toEqual({ full: 2, ok: 0, err: 1 });
  });

  it('(c3) PINGs alone on the old master push it past second_repl_offset: full syncs with no writes', () => {
    const w = world({ config: { ...quiet, 'repl-ping-replica-period': 1 }, nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    w.call('r1', ['REPLICAOF', 'NO', 'ONE']);
    w.runFor(3 * SEC); // p keeps pinging r2
    expect(f(w, 'r2', 'master_repl_offset') as number).toBeGreaterThan((f(w, 'r1', 'second_repl_offset') as number) - 1);
    w.call('r2', ['REPLICAOF', 'r1']);
    w.call('p', ['REPLICAOF', 'r1']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['r1']).r1).toEqual({ full: 2, ok: 0, err: 2 });
    expectConverged(w, ['r1', 'p', 'r2']);
  });

  it('(e) second_repl_offset is each node\'s own offset + 1 when it learns of the id change', () => {
    const w = world({ config: quiet, nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    w.call('p', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    w.call('r2', ['REPLICAOF', 'nowhere']); // r2 stops at offset O
    const o = f(w, 'r2', 'master_repl_offset') as number;
    for (let i = 0; i < 5; i++) w.call('p', ['SET', `k${i}`, 'v']);
    expect(w.waitSync()).toBe(true);
    w.call('r1', ['REPLICAOF', 'NO', 'ONE']);
    w.call('p', ['REPLICAOF', 'r1']);
    w.call('r2', ['REPLICAOF', 'r1']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    const o1 = f(w, 'p', 'master_repl_offset') as number;
    expect(f(w, 'r1', 'second_repl_offset')).toBe(o1 + 1);
    expect(f(w, 'p', 'second_repl_offset')).toBe(o1 + 1);
    expect(f(w, 'r2', 'second_repl_offset')).toBe(o + 1);
    expect(counters(w, ['r1']).r1).toEqual({ full: 0, ok: 2, err: 0 });
  });

  it('(g, g2) a replica restarted from its RDB syncs partially with --replicaof, fully when started as a master', () => {
    const mk = () => world({ config: quiet, nodes: { p: {}, r: { replicaof: 'p', config: { save: '3600 1' } } } });
    const a = mk();
    a.waitSync();
    a.call('p', ['SET', 'x', '1']);
    a.waitSync();
    a.callAndWait('r', ['SHUTDOWN']);
    a.restart('r');
    a.runFor(2 * SEC);
    expect(a.waitSync()).toBe(true);
    expect(counters(a, ['p']).p).toEqual({ full: 1, ok: 1, err: 0 });

    const b = mk();
    b.waitSync();
    b.call('p', ['SET', 'x', '1']);
    b.waitSync();
    b.callAndWait('r', ['SHUTDOWN']);
    b.restart('r', { replicaof: null });
    expect(f(b, 'r', 'master_replid2')).toBe(f(b, 'p', 'master_replid'));
    b.call('r', ['REPLICAOF', 'p']);
    b.runFor(SEC);
    expect(b.waitSync()).toBe(true);
    expect(counters(b, ['p']).p).toEqual({ full: 2, ok: 0, err: 1 });
  });

  it('(i, i2) a restarted master serves a replica at its RDB offset partially, one 5 writes behind fully', () => {
    const w = world({ config: quiet, nodes: { p: { config: { save: '3600 1' } }, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    w.call('p', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    w.call('r2', ['REPLICAOF', 'nowhere']);
    for (let i = 0; i < 5; i++) w.call('p', ['SET', `k${i}`, 'v']);
    expect(w.waitSync()).toBe(true);
    w.callAndWait('p', ['SHUTDOWN']);
    w.restart('p');
    w.call('r2', ['REPLICAOF', 'p']);
    w.runFor(2 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['p']).p).toEqual({ full: 1, ok: 1, err: 1 });
    expectConverged(w, ['p', 'r1', 'r2']);
  });

  it('(l) the id history is one step deep: after two failovers the idle old master full syncs', () => {
    const w = world({ config: quiet, nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    w.call('p', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    w.call('p', ['REPLICAOF', 'nowhere']); // p idles with its data and offset
    w.call('r1', ['REPLICAOF', 'NO', 'ONE']);
    w.call('r2', ['REPLICAOF', 'r1']);
    expect(w.waitSync()).toBe(true);
    w.call('r2', ['REPLICAOF', 'NO', 'ONE']);
    w.call('r1', ['REPLICAOF', 'r2']);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'p', 'master_repl_offset')).toBe(f(w, 'r2', 'master_repl_offset'));
    w.call('p', ['REPLICAOF', 'r2']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['r2']).r2).toEqual({ full: 1, ok: 1, err: 1 });
    expectConverged(w, ['r2', 'r1', 'p']);
  });

  it('(l2) pointing the old master at the first new master between the failovers keeps every step partial', () => {
    const w = world({ config: quiet, nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    w.call('p', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    w.call('r1', ['REPLICAOF', 'NO', 'ONE']);
    w.call('r2', ['REPLICAOF', 'r1']);
    w.call('p', ['REPLICAOF', 'r1']);
    expect(w.waitSync()).toBe(true);
    w.call('r2', ['REPLICAOF', 'NO', 'ONE']);
    w.call('r1', ['REPLICAOF', 'r2']);
    w.call('p', ['REPLICAOF', 'r2']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    const c = counters(w, ['p', 'r1', 'r2']);
    expect(c.r1).toEqual({ full: 0, ok: 2, err: 0 });
    expect(c.r2).toEqual({ full: 0, ok: 2, err: 0 });
    expectConverged(w, ['r2', 'r1', 'p']);
  });

  it('(m) a writable replica takes writes that no offset counts: equal id and offset, different data', () => {
    const w = world({ config: quiet, nodes: { p: {}, r1: { replicaof: 'p', config: { 'replica-read-only': 'no' } }, r2: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    expect(w.command('r2', ['SET', 'x', '1'])).toMatchObject({ message: "READONLY You can't write against a read only replica." });
    expect(w.command('r1', ['SET', 'x', 'local'])).toBe('OK');
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'r1', 'master_repl_offset')).toBe(f(w, 'r2', 'master_repl_offset'));
    expect(w.node('r1').ds.digest()).not.toBe(w.node('r2').ds.digest());
    // the divergence survives a partial resync
    w.call('r1', ['CLIENT', 'KILL', 'TYPE', 'master']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'p', 'sync_partial_ok')).toBe(1);
    expect(w.command('r1', ['GET', 'x'])).toBe('local');
  });

  it('(n) the backlog TTL changes the replid with nothing written: the returning replica full syncs', () => {
    const w = world({ config: { ...quiet, 'repl-backlog-ttl': 2 }, nodes: { p: {}, r: { replicaof: 'p' } } });
    expect(w.waitSync()).toBe(true);
    w.call('r', ['REPLICAOF', 'nowhere']);
    w.runFor(5 * SEC);
    w.call('r', ['REPLICAOF', 'p']);
    w.runFor(SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['p']).p).toEqual({ full: 2, ok: 0, err: 1 });
  });

  it('replicaof right after disconnection (issue #7205): the switch is a PSYNC (M 2 full, r1 0, r2 0)', () => {
    const w = world({ config: quiet, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.call('m', ['SET', 'a', '1']);
    expect(w.waitSync()).toBe(true);
    w.pause('r1', SEC);
    w.call('m', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    w.call('r2', ['REPLICAOF', 'r1']);
    w.runFor(3 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(Object.fromEntries(['m', 'r1', 'r2'].map((n) => [n, f(w, n, 'sync_full')]))).toEqual({ m: 2, r1: 0, r2: 0 });
    expect(f(w, 'r1', 'sync_partial_ok')).toBe(1);
    expectConverged(w, ['m', 'r1', 'r2']);
  });
});
