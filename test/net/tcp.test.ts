// The virtual network behaves like TCP: per-connection FIFO, no duplication, latency and bandwidth,
// loss as retransmission delay, partitions that stall, resets, crashes that peers learn of late.
import { describe, expect, it } from 'vitest';
import { netHarness } from '../support/net.js';
import fc from 'fast-check';
import type { LinkParams } from '../../sim/net/links.js';
import { Disk } from '../../sim/net/disk.js';
import { fcParams } from '../support/fc.js';

function setup(link: Partial<LinkParams> = {}, seed = 1, hosts = ['a', 'b', 'c']) {
  return netHarness({ link: { latencyUs: 1000, jitterUs: 0, loss: 0, bandwidthBytesPerSec: 125_000_000, ...link }, seed, hosts, openTimeoutUs: 120_000_000 });
}

describe('connections', () => {
  it('open after one round trip; data arrives after the latency, in order', () => {
    const { sched, net, logOf, open } = setup();
    const { out, back } = open('a', 'b');
    expect(logOf('a').opened).toEqual([2000]);
    net.send(out, 'm1', 10);
    net.send(out, 'm2', 10);
    net.send(back, 'r1', 10);
    sched.runUntilIdle();
    // 10 bytes take 1 us to serialize at 1 Gbit/s: the second message leaves 1 us after the first
    expect(logOf('b').got.map((g) => [g.t, g.payload])).toEqual([[3001, 'm1'], [3002, 'm2']]);
    expect(logOf('a').got.map((g) => g.payload)).toEqual(['r1']);
  });

  it('refused when nobody listens; timeout across a partition', () => {
    const { sched, net, logOf, handler } = setup();
    net.listen('c', null);
    net.connect('a', 'c', handler('a'), 5_000_000);
    sched.runUntilIdle();
    expect(logOf('a').closed).toEqual([{ t: 2000, reason: 'refused' }]);
    net.partition([['a'], ['b']]);
    const t0 = sched.nowUs;
    net.connect('a', 'b', handler('a'), 3_000_000);
    sched.runUntil(t0 + 10_000_000);
    expect(logOf('a').closed[1]).toEqual({ t: t0 + 3_000_000, reason: 'timeout' });
  });

  it('bandwidth: 100 MB over 1 Gbit/s takes 0.8 s plus the latency, and delays what follows', () => {
    const { sched, net, logOf, open } = setup();
    const { out } = open('a', 'b');
    const t0 = sched.nowUs;
    net.send(out, 'big', 100_000_000);
    net.send(out, 'small', 10);
    sched.runUntilIdle();
    const [big, small] = logOf('b').got;
    expect(big!.t - t0).toBe(800_000 + 1000);
    expect(small!.t).toBeGreaterThanOrEqual(big!.t);
  });

  it('a partition holds back what is sent after it; what was on the wire still arrives; heal delivers in order', () => {
    const { sched, net, logOf, open } = setup();
    const { out } = open('a', 'b');
    net.send(out, 'on-the-wire', 10);
    net.partition([['a'], ['b']]);
    net.send(out, 's1', 10);
    net.send(out, 's2', 10);
    expect(out.unsentBytes).toBe(30);
    sched.runUntil(sched.nowUs + 500_000);
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['on-the-wire']);
    net.heal();
    net.send(out, 's3', 10);
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['on-the-wire', 's1', 's2', 's3']);
    expect(out.unsentBytes).toBe(0);
  });

  it('one-way partition: a cannot reach b, b still reaches a; isolate cuts both ways', () => {
    const { sched, net, logOf, open } = setup();
    const { out, back } = open('a', 'b');
    net.partitionOneway('a', 'b');
    net.send(out, 'blocked', 10);
    net.send(back, 'flows', 10);
    sched.runUntil(sched.nowUs + 100_000);
    expect(logOf('b').got).toEqual([]);
    expect(logOf('a').got.map((g) => g.payload)).toEqual(['flows']);
    net.heal();
    const c = open('c', 'b');
    net.isolate('c');
    net.send(c.out, 'x', 1);
    net.send(c.back, 'y', 1);
    sched.runUntil(sched.nowUs + 100_000);
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['blocked']);
    expect(logOf('c').got).toEqual([]);
  });

  it('close tells the peer after the data sent before it; reset tells both ends', () => {
    const { sched, net, logOf, open } = setup();
    const { out } = open('a', 'b');
    net.send(out, 'last', 10);
    net.close(out);
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['last']);
    expect(logOf('b').closed.map((c) => c.reason)).toEqual(['closed']);
    expect(logOf('a').closed).toEqual([]); // the closing side is not told
    const c2 = open('a', 'c');
    net.reset(c2.out);
    sched.runUntilIdle();
    expect(logOf('a').closed.map((c) => c.reason)).toEqual(['reset']);
    expect(logOf('c').closed.map((c) => c.reason)).toEqual(['reset']);
  });

  it('across a partition: a closed connection still delivers what it sent first; a reset one discards what was held back', () => {
    const { sched, net, logOf, open } = setup();
    const ab = open('a', 'b');
    const ac = open('a', 'c');
    net.send(ab.out, 'on the wire', 10);
    net.send(ac.out, 'on the wire', 10);
    net.isolate('a');
    net.send(ab.out, 'held', 10);
    net.send(ac.out, 'held', 10);
    net.send(ac.back, 'held back too', 10);
    net.close(ab.out); // graceful: the FIN queues behind the held data, as TCP does
    net.reset(ac.out); // aborted: the held data on both sides is dropped
    sched.runUntil(sched.nowUs + 1_000_000);
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['on the wire']);
    expect(logOf('c').got.map((g) => g.payload)).toEqual(['on the wire']);
    expect(logOf('c').closed).toEqual([]); // the partition holds the reset back too
    net.heal();
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['on the wire', 'held']);
    expect(logOf('b').closed.map((c) => c.reason)).toEqual(['closed']);
    expect(logOf('c').got.map((g) => g.payload)).toEqual(['on the wire']);
    expect(logOf('c').closed.map((c) => c.reason)).toEqual(['reset']);
    expect(logOf('a').got).toEqual([]);
    expect(ac.out.unsentBytes).toBe(0);
  });

  it('a crashed host vanishes: a peer learns only when it sends; a restarted host accepts anew', () => {
    const { sched, net, logOf, open, handler } = setup();
    const ab = open('a', 'b');
    const cb = open('c', 'b');
    net.crashHost('b');
    sched.runUntil(sched.nowUs + 1_000_000);
    expect(logOf('a').closed).toEqual([]);
    net.send(ab.out, 'hello?', 10);
    sched.runUntilIdle();
    expect(logOf('a').closed.map((c) => c.reason)).toEqual(['reset']);
    expect(logOf('c').closed).toEqual([]); // c never sent: it knows nothing
    expect(cb.out.state).toBe('open');
    net.restartHost('b');
    net.listen('b', () => handler('b'));
    const s = net.connect('a', 'b', handler('a'), 1_000_000);
    sched.runUntilIdle();
    expect(s.state).toBe('open');
  });

  it('loss shows up as retransmission delay, never as a missing or reordered message', () => {
    const { sched, net, logOf, open } = setup({ loss: 0.3, jitterUs: 500 }, 5);
    const { out } = open('a', 'b');
    for (let i = 0; i < 200; i++) net.send(out, i, 1500);
    sched.runUntilIdle();
    const got = logOf('b').got;
    expect(got.map((g) => g.payload)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // with 30% loss some messages waited at least one 200 ms retransmission timeout
    expect(got[got.length - 1]!.t).toBeGreaterThan(200_000);
  });

  it('loss and latency set for one direction leave the other direction as it was', () => {
    const { sched, net, logOf, open } = setup({}, 3);
    const { out, back } = open('a', 'b');
    net.setLink({ loss: 0.5, latencyUs: 50_000 }, ['a', 'b'], true);
    const t0 = sched.nowUs;
    for (let i = 0; i < 50; i++) {
      net.send(out, i, 1500);
      net.send(back, i, 1500);
    }
    sched.runUntilIdle();
    const slowest = (h: string) => Math.max(...logOf(h).got.map((g) => g.t)) - t0;
    expect(logOf('b').got.map((g) => g.payload)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(logOf('a').got.map((g) => g.payload)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(slowest('b')).toBeGreaterThan(200_000); // 50 ms latency plus retransmissions
    expect(slowest('a')).toBeLessThan(5_000); // b -> a: 1 ms latency, no loss
  });
});

describe('disk', () => {
  it('write, read, atomic rename, sorted list, delete, wipe; survives a host crash', () => {
    const d = new Disk();
    d.write('b.rdb', { x: 1 }, 10);
    d.write('a.tmp', { x: 2 }, 20);
    expect(d.list()).toEqual(['a.tmp', 'b.rdb']);
    expect(d.rename('a.tmp', 'b.rdb')).toBe(true);
    expect(d.read('b.rdb')).toEqual({ data: { x: 2 }, sizeBytes: 20 });
    expect(d.has('a.tmp')).toBe(false);
    expect(d.rename('missing', 'x')).toBe(false);
    expect(d.delete('b.rdb')).toBe(true);
    d.write('c', 1, 1);
    d.wipe();
    expect(d.list()).toEqual([]);
    const { net } = setup();
    net.host('a').disk.write('dump.rdb', 'data', 4);
    net.crashHost('a');
    net.restartHost('a');
    expect(net.host('a').disk.read('dump.rdb')?.data).toBe('data');
  });
});

describe('network properties', () => {
  type Op = { kind: 'send'; conn: number; dir: number; size: number } | { kind: 'partition'; cut: number } | { kind: 'heal' } | { kind: 'wait'; us: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), conn: fc.nat(2), dir: fc.nat(1), size: fc.integer({ min: 1, max: 20_000 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), cut: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), us: fc.integer({ min: 0, max: 2_000_000 }) }) },
  );

  it('FIFO, no duplication, nothing crosses a partition, everything arrives after the final heal', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.49, noNaN: true }), fc.nat(5000), fc.nat(1000), fc.array(opArb, { maxLength: 60 }), (loss, jitterUs, seed, ops) => {
        const { sched, net, logOf, open } = setup({ loss, jitterUs }, seed);
        const pairs: [string, string][] = [['a', 'b'], ['b', 'c'], ['c', 'a']];
        const conns = pairs.map(([x, y]) => open(x, y));
        const sent = new Map<string, number[]>();
        let n = 0;
        const blockedAt = new Map<number, boolean>(); // message id -> direction blocked when sent
        const heals: number[] = [];
        for (const op of ops) {
          if (op.kind === 'send') {
            const c = conns[op.conn]!;
            const sock = op.dir === 0 ? c.out : c.back;
            const key = `${sock.host.name}->${sock.remote}`;
            const id = n++;
            blockedAt.set(id, net.isBlocked(sock.host.name, sock.remote));
            net.send(sock, { id, key, sentAt: sched.nowUs }, op.size);
            sent.set(key, [...(sent.get(key) ?? []), id]);
          } else if (op.kind === 'partition') {
            const hosts = ['a', 'b', 'c'];
            const g = [hosts.filter((_, i) => i <= op.cut % 2), hosts.filter((_, i) => i > op.cut % 2)];
            net.partition(g);
          } else if (op.kind === 'heal') {
            heals.push(sched.nowUs);
            net.heal();
          } else sched.runUntil(sched.nowUs + op.us);
        }
        heals.push(sched.nowUs);
        net.heal();
        sched.runUntilIdle();
        // nothing sent while its direction was blocked arrived before the next heal
        for (const h of ['a', 'b', 'c']) {
          for (const g of logOf(h).got) {
            const p = g.payload as { id: number; sentAt: number };
            if (!blockedAt.get(p.id)) continue;
            const healedAt = heals.find((t) => t >= p.sentAt)!;
            expect(g.t, `message ${p.id} sent at ${p.sentAt} into a partition healed at ${healedAt}`).toBeGreaterThanOrEqual(healedAt);
          }
        }
        const received = new Map<string, number[]>();
        for (const h of ['a', 'b', 'c']) {
          for (const g of logOf(h).got) {
            const p = g.payload as { id: number; key: string };
            received.set(p.key, [...(received.get(p.key) ?? []), p.id]);
          }
        }
        expect(Object.fromEntries([...received].sort())).toEqual(Object.fromEntries([...sent].sort()));
      }),
      fcParams(150),
    );
  });

  it('a message sent while its direction is blocked arrives only after the heal', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.integer({ min: 1, max: 5_000_000 }), (seed, holdUs) => {
        const { sched, net, logOf, open } = setup({ jitterUs: 300 }, seed);
        const { out } = open('a', 'b');
        net.partition([['a'], ['b']]);
        net.send(out, 'x', 100);
        sched.runUntil(sched.nowUs + holdUs);
        expect(logOf('b').got).toEqual([]);
        const healAt = sched.nowUs;
        net.heal();
        sched.runUntilIdle();
        expect(logOf('b').got.length).toBe(1);
        expect(logOf('b').got[0]!.t).toBeGreaterThanOrEqual(healAt + 1000);
      }),
      fcParams(100),
    );
  });

  it('same seed, same trace digest; different seeds, different digests (with jitter)', () => {
    const run = (seed: number) => {
      const { sched, net, trace, open } = setup({ jitterUs: 800, loss: 0.05 }, seed);
      const { out, back } = open('a', 'b');
      for (let i = 0; i < 50; i++) {
        net.send(i % 2 ? out : back, i, 2000);
        if (i % 10 === 0) net.close(open('c', 'a').out);
      }
      sched.runUntilIdle();
      return trace.digest();
    };
    expect(run(1)).toBe(run(1));
    expect(new Set([1, 2, 3, 4].map(run)).size).toBe(4);
  });
});
