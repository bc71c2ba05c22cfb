// Ported from the main test of Redis's tests/integration/psync2.tcl and from psync2-reg.tcl (a
// regression for partial commands in the backlog): repeated failovers to a random node under INCR load with link kills; after
// the four initial full syncs every resync must be partial, and all offsets and data end equal.
import { describe, expect, it } from 'vitest';
import { world, f, SEC, MS } from '../support/redis.js';
import { Rng } from '../../sim/kernel/rng.js';

describe('psync2 randomized failovers', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 10 cycles, sum of sync_full stays 4, offsets end exactly equal`, () => {
      const names = ['s0', 's1', 's2', 's3', 's4'];
      const w = world({ seed, config: { save: '', 'repl-ping-replica-period': 1 }, nodes: Object.fromEntries(names.map((n) => [n, {}])) });
      const rng = new Rng(seed).stream('test');
      let master = 's0';
      let counter = 0;
      w.runFor(100 * MS);
      for (let cycle = 1; cycle <= 10; cycle++) {
        const next = cycle === 1 ? master : rng.pick(names.filter((n) => n !== master));
        master = next;
        w.call(master, ['REPLICAOF', 'NO', 'ONE']);
        w.call(master, ['CONFIG', 'SET', 'repl-ping-replica-period', '1']);
        if (w.command(master, ['EXISTS', 'x']) === 0) w.call(master, ['SET', 'x', '0']);
        for (const n of names) if (n !== master) w.call(n, ['REPLICAOF', master]);
        expect(w.runUntil(() => names.every((n) => n === master || f(w, n, 'master_link_status') === 'up'), 10 * SEC)).toBe(true);
        w.call(master, ['INCR', 'x']);
        counter++;
        expect(w.waitSync()).toBe(true);
        for (const n of names) expect(w.command(n, ['GET', 'x'])).toBe(String(counter));
        // five seconds of INCRs with a link kill about once a second
        const end = w.sched.nowUs + 5 * SEC;
        let nextKill = w.sched.nowUs + SEC;
        while (w.sched.nowUs < end) {
          w.call(master, ['INCR', 'x']);
          counter++;
          if (w.sched.nowUs >= nextKill) {
            w.call(rng.pick(names), ['CLIENT', 'KILL', 'TYPE', 'master']);
            nextKill += SEC;
          }
          w.runFor(rng.int(1, 20) * MS);
        }
        w.call(master, ['CONFIG', 'SET', 'repl-ping-replica-period', '3600']);
        expect(w.waitSync()).toBe(true);
        for (const n of names) expect(w.command(n, ['GET', 'x'])).toBe(String(counter));
        const fullSum = names.reduce((s, n) => s + (f(w, n, 'sync_full') as number), 0);
        expect(fullSum).toBe(4);
        const offsets = new Set(names.map((n) => f(w, n, 'master_repl_offset')));
        expect(offsets.size).toBe(1);
      }
    });
  }

  it('psync2-reg: INCR load with random link kills on two replicas; digests end equal', () => {
    const w = world({ seed: 9, config: { save: '', 'repl-backlog-size': '10mb' }, nodes: { r0: {}, r1: { replicaof: 'r0' }, r2: { replicaof: 'r0' } } });
    const rng = new Rng(9).stream('test');
    expect(w.waitSync()).toBe(true);
    w.call('r0', ['SET', 'foo', 'bar']);
    const end = w.sched.nowUs + 20 * SEC;
    let nextTick = w.sched.nowUs + 100 * MS;
    while (w.sched.nowUs < end) {
      for (let i = 0; i < 5; i++) w.call('r0', ['INCR', `k${rng.int(0, 999)}`]);
      if (w.sched.nowUs >= nextTick) {
        if (rng.chance(0.05)) w.call('r1', ['CLIENT', 'KILL', 'TYPE', 'master']);
        if (rng.chance(0.05)) w.call('r2', ['CLIENT', 'KILL', 'TYPE', 'master']);
        nextTick += 100 * MS;
      }
      w.runFor(rng.int(1, 5) * MS);
    }
    expect(w.waitSync()).toBe(true);
    const digest = w.command('r0', ['DEBUG', 'DIGEST']);
    expect(w.command('r1', ['DEBUG', 'DIGEST'])).toBe(digest);
    expect(w.command('r2', ['DEBUG', 'DIGEST'])).toBe(digest);
    expect(f(w, 'r0', 'sync_full')).toBe(2);
    expect(f(w, 'r0', 'sync_partial_ok') as number).toBeGreaterThan(5);
  });
});
