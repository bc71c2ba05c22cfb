// Ported from Redis's tests/integration/psync2.tcl and psync2-pingoff.tcl: promotion
// and re-pointing by partial sync, trailing PINGs, chain stability, replica restart from its RDB.
import { describe, expect, it } from 'vitest';
import { world, f, counters, expectConverged, SEC } from '../support/redis.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600 };

describe('psync2', () => {
  it('clean promotion: siblings and the old master follow the new master by partial sync', () => {
    const w = world({ config: quiet, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    for (let i = 0; i < 20; i++) w.call('m', ['SET', `base:${i}`, 'xxxxxxxx']);
    expect(w.waitSync()).toBe(true);
    const oldId = f(w, 'm', 'master_replid');
    const o = f(w, 'm', 'master_repl_offset') as number;
    expect(o).toBe(23 + 10 * 39 + 10 * 40);
    w.call('r1', ['REPLICAOF', 'NO', 'ONE']);
    expect(f(w, 'r1', 'master_replid2')).toBe(oldId);
    expect(f(w, 'r1', 'second_repl_offset')).toBe(o + 1);
    expect(f(w, 'r1', 'master_replid')).not.toBe(oldId);
    w.call('r2', ['REPLICAOF', 'r1']);
    w.call('m', ['REPLICAOF', 'r1']);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['r1'])).toEqual({ r1: { full: 0, ok: 2, err: 0 } });
    expectConverged(w, ['r1', 'm', 'r2']);
    expect(f(w, 'm', 'master_repl_offset')).toBe(o);
  });

  it('psync2 final test: a replica restarted with save points resumes from its RDB by partial sync', () => {
    const w = world({ config: quiet, nodes: { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' }, r3: { replicaof: 'm' }, r4: { replicaof: 'm', config: { save: '900 1' } } } });
    expect(w.waitSync()).toBe(true);
    for (let i = 0; i < 50; i++) w.call('m', ['INCR', 'x']);
    expect(w.waitSync()).toBe(true);
    const before = counters(w, ['m']).m!;
    w.callAndWait('r4', ['SHUTDOWN']);
    expect(w.isRunning('r4')).toBe(false);
    for (let i = 0; i < 5; i++) w.call('m', ['INCR', 'x']);
    w.restart('r4');
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['m']).m).toEqual({ full: before.full, ok: before.ok + 1, err: before.err });
    expectConverged(w, ['m', 'r4']);
    expect(w.command('r4', ['GET', 'x'])).toBe('55');
  });

  it('pingoff A: a replica promoted without reading trailing PINGs makes the old master full sync', () => {
    const w = world({ config: { save: '', 'repl-ping-replica-period': 1 }, nodes: { r0: {}, r1: { replicaof: 'r0' } } });
    expect(w.waitSync()).toBe(true);
    for (let i = 0; i < 3; i++) w.call('r0', ['INCR', 'counter']);
    expect(w.waitSync()).toBe(true);
    // MULTI; DEBUG SLEEP 5; SLAVEOF NO ONE; EXEC: promoted before reading what arrived meanwhile
    const wake = w.sched.nowUs + 5 * SEC;
    w.sched.at(wake, () => w.call('r1', ['REPLICAOF', 'NO', 'ONE']), null);
    w.pause('r1', 5 * SEC);
    w.runFor(5 * SEC + 1);
    w.call('r1', ['CONFIG', 'SET', 'repl-ping-replica-period', '1000']);
    expect(f(w, 'r1', 'sync_full')).toBe(0);
    expect(f(w, 'r0', 'master_repl_offset') as number).toBeGreaterThan(f(w, 'r1', 'master_repl_offset') as number);
    w.call('r0', ['REPLICAOF', 'r1']);
    expect(w.waitSync()).toBe(true);
    w.call('r1', ['INCR', 'x']);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['r1']).r1).toEqual({ full: 1, ok: 0, err: 1 });
    expectConverged(w, ['r1', 'r0']);
  });

  it('pingoff B: exact sync_full per node after re-wiring with missing PINGs (M 6, r1 2, others 0)', () => {
    const nodes = { m: {}, r1: { replicaof: 'm' }, r2: { replicaof: 'm' }, r3: { replicaof: 'm' }, r4: { replicaof: 'm' } };
    const w = world({ config: quiet, nodes });
    const all = Object.keys(nodes);
    expect(w.waitSync()).toBe(true);
    expect(f(w, 'm', 'sync_full')).toBe(4);
    w.call('m', ['INCR', 'x']);
    expect(w.waitSync()).toBe(true);
    w.call('r1', ['REPLICAOF', 'NO', 'ONE']);
    w.call('r2', ['REPLICAOF', 'nowhere']); // a dead address: r2 keeps its cached master
    w.call('m', ['CONFIG', 'SET', 'repl-ping-replica-period', '1']);
    const mOff = f(w, 'm', 'master_repl_offset') as number;
    expect(w.runUntil(() => (f(w, 'r3', 'master_repl_offset') as number) > mOff && (f(w, 'r4', 'master_repl_offset') as number) > mOff, 10 * SEC)).toBe(true);
    w.call('r3', ['REPLICAOF', 'r1']);
    w.call('m', ['REPLICAOF', 'r1']);
    w.call('r2', ['REPLICAOF', 'm']);
    expect(w.waitSync()).toBe(true);
    w.call('r1', ['INCR', 'x']);
    expect(w.waitSync()).toBe(true);
    for (const n of all) expect(w.command(n, ['GET', 'x'])).toBe('2');
    const full = Object.fromEntries(all.map((n) => [n, f(w, n, 'sync_full')]));
    expect(full).toEqual({ m: 6, r1: 2, r2: 0, r3: 0, r4: 0 });
    for (const n of ['m', 'r2', 'r3', 'r4']) expect(w.call(n, ['CLIENT', 'KILL', 'TYPE', 'master'])).toBe(1);
    expect(w.runUntil(() => ['m', 'r2', 'r3', 'r4'].every((n) => f(w, n, 'master_link_status') === 'up'), 5 * SEC)).toBe(true);
    expect(w.waitSync()).toBe(true);
    w.call('r1', ['INCR', 'x']);
    expect(w.waitSync()).toBe(true);
    for (const n of all) expect(w.command(n, ['GET', 'x'])).toBe('3');
    expect(Object.fromEntries(all.map((n) => [n, f(w, n, 'sync_full')]))).toEqual(full);
  });

  it('pingoff C: a chained replica is not dropped when its master re-connects with the same id', () => {
    const w = world({ config: { save: '', 'repl-ping-replica-period': 1 }, nodes: { r0: {}, r1: { replicaof: 'r0' }, r2: { replicaof: 'r1' } } });
    expect(w.waitSync()).toBe(true);
    w.call('r0', ['INCR', 'counter2']);
    const o = f(w, 'r0', 'master_repl_offset') as number;
    expect(w.runUntil(() => (f(w, 'r1', 'master_repl_offset') as number) > o && (f(w, 'r2', 'master_repl_offset') as number) > o, 5 * SEC)).toBe(true);
    w.call('r0', ['CONFIG', 'SET', 'repl-ping-replica-period', '100']);
    const before = counters(w, ['r0', 'r1']);
    const killedAt = w.sched.nowUs;
    w.call('r0', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    expect(w.runUntil(() => f(w, 'r0', 'sync_partial_ok') !== before.r0!.ok, 5 * SEC)).toBe(true);
    expect(w.waitSync()).toBe(true);
    const after = counters(w, ['r0', 'r1']);
    expect(after.r0!.ok).toBe(before.r0!.ok + 1);
    expect(after.r1!.ok).toBe(before.r1!.ok);
    expectConverged(w, ['r0', 'r1', 'r2']);
    w.call('r0', ['INCR', 'counter2']);
    expect(w.waitSync()).toBe(true);
    expectConverged(w, ['r0', 'r1', 'r2']);
    // the behaviour named: r1 never dropped r2, and r2's link never went down (a dropped r2 would
    // come back by a partial sync a second later, which the counters above may not see yet)
    const after2 = w.events().filter((e) => e.t >= killedAt);
    expect(after2.filter((e) => (e.type === 'redis.replica-drop' && e.node === 'r1') || (e.type === 'redis.link' && e.node === 'r2' && e.status === 'down'))).toEqual([]);
    expect(counters(w, ['r1']).r1!.ok).toBe(before.r1!.ok);
  });

  it('chained replicas share replid and offsets; a full sync of the middle node cascades (observed k2)', () => {
    const w = world({ config: { ...quiet, 'repl-backlog-size': '16kb' }, nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'r1' } } });
    expect(w.waitSync()).toBe(true);
    for (let i = 0; i < 10; i++) w.call('p', ['SET', `k${i}`, 'v']);
    expect(w.waitSync()).toBe(true);
    expectConverged(w, ['p', 'r1', 'r2']);
    // r1 is cut off while 64 KB are written: it must full sync, which drops r2, which full syncs too
    w.pause('r1', 2 * SEC);
    w.call('p', ['CLIENT', 'KILL', 'TYPE', 'replica']);
    for (let i = 0; i < 500; i++) w.call('p', ['SET', `big${i}`, 'v'.repeat(100)]);
    w.runFor(3 * SEC);
    expect(w.waitSync()).toBe(true);
    expect(counters(w, ['p', 'r1'])).toEqual({ p: { full: 2, ok: 0, err: 1 }, r1: { full: 2, ok: 0, err: 1 } });
    expectConverged(w, ['p', 'r1', 'r2']);
  });
});
