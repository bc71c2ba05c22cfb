// A one-way cut as TCP lives it: with a->b blocked, b->a keeps delivering only until its lost ACKs
// stop it (one retransmission timeout from its first unacknowledged byte, at most 64 KiB), then
// stalls; a FIN waits behind what is unacknowledged, a reset does not; no handshake completes
// across the cut from either side. Measured on Linux 6.x with two network namespaces (see
// research/redis-7.0-source-notes.md, "One-way partitions on real TCP").
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { netHarness } from '../support/net.js';
import { ACKLESS_WINDOW_BYTES } from '../../sim/net/network.js';
import { MIN_RTO_US, type LinkParams } from '../../sim/net/links.js';
import { fcParams } from '../support/fc.js';

const LATENCY_US = 1000;
/** Linux's RTO on a quiet link: 200 ms plus the round trip (ss showed rto:204 at 1 ms RTT). */
const RTO_US = MIN_RTO_US + 2 * LATENCY_US;

function setup(link: Partial<LinkParams> = {}, seed = 1) {
  return netHarness({ link: { latencyUs: LATENCY_US, jitterUs: 0, loss: 0, bandwidthBytesPerSec: 0, ...link }, seed, hosts: ['a', 'b', 'c'], openTimeoutUs: 120_000_000 });
}

describe('one-way cut: the open direction', () => {
  it('delivers what it sends within one RTO of its first unacknowledged byte, then stalls until the heal', () => {
    const { sched, net, logOf, open } = setup();
    const { back } = open('a', 'b'); // back: b -> a, whose ACKs travel a -> b
    net.partitionOneway('a', 'b');
    const t0 = sched.nowUs;
    net.send(back, 'first', 10); // nothing unacknowledged before: the RTO counts from here
    sched.runUntil(t0 + RTO_US - 1);
    net.send(back, 'inside the RTO', 10);
    sched.runUntil(t0 + RTO_US);
    net.send(back, 'after the RTO', 10);
    net.send(back, 'behind it', 10);
    sched.runUntil(t0 + 10_000_000);
    expect(logOf('a').got.map((g) => [g.t - t0, g.payload])).toEqual([[LATENCY_US, 'first'], [RTO_US - 1 + LATENCY_US, 'inside the RTO']]);
    // the sender never hears that its first two arrived: all 40 bytes are still in its buffer
    expect(back.unsentBytes).toBe(40);
    const healAt = sched.nowUs;
    net.heal();
    sched.runUntilIdle();
    expect(logOf('a').got.slice(2).map((g) => [g.t - healAt, g.payload])).toEqual([[LATENCY_US, 'after the RTO'], [LATENCY_US, 'behind it']]);
    expect(back.unsentBytes).toBe(0);
  });

  it('bytes on the wire when the cut comes lose their ACK then: the RTO counts from the cut', () => {
    const onTheWire = setup();
    const c1 = onTheWire.open('a', 'b');
    onTheWire.net.send(c1.back, 'in flight', 10);
    onTheWire.net.partitionOneway('a', 'b');
    const cutAt = onTheWire.sched.nowUs;
    onTheWire.sched.runUntil(cutAt + RTO_US);
    onTheWire.net.send(c1.back, 'late', 10);
    onTheWire.sched.runUntil(cutAt + 5_000_000);
    expect(onTheWire.logOf('a').got.map((g) => g.payload)).toEqual(['in flight']);

    // the same send on an idle connection is the first unacknowledged byte: it gets through
    const idle = setup();
    const c2 = idle.open('a', 'b');
    idle.net.partitionOneway('a', 'b');
    const cut2 = idle.sched.nowUs;
    idle.sched.runUntil(cut2 + RTO_US);
    idle.net.send(c2.back, 'late', 10);
    idle.sched.runUntil(cut2 + 5_000_000);
    expect(idle.logOf('a').got.map((g) => g.payload)).toEqual(['late']);
  });

  it('has at most ACKLESS_WINDOW_BYTES (64 KiB, the window Linux advertised) unacknowledged', () => {
    const { sched, net, logOf, open } = setup();
    const { back } = open('a', 'b');
    net.partitionOneway('a', 'b');
    net.send(back, 'fills most of it', 60_000);
    net.send(back, 'fits', ACKLESS_WINDOW_BYTES - 60_000);
    net.send(back, 'one byte too many', 1);
    net.send(back, 'behind it', 1);
    sched.runUntil(sched.nowUs + 100_000); // well inside the RTO
    expect(logOf('a').got.map((g) => g.payload)).toEqual(['fills most of it', 'fits']);
    net.heal();
    sched.runUntilIdle();
    expect(logOf('a').got.map((g) => g.payload)).toEqual(['fills most of it', 'fits', 'one byte too many', 'behind it']);
  });

  it('delivery receipts wait for the ACKs: they come one latency after the heal', () => {
    const { sched, net, open } = setup();
    const { back } = open('a', 'b');
    net.partitionOneway('a', 'b');
    const receipts: number[] = [];
    net.send(back, 'x', 10, () => receipts.push(sched.nowUs));
    sched.runUntil(sched.nowUs + 3_000_000);
    expect(receipts).toEqual([]);
    const healAt = sched.nowUs;
    net.heal();
    sched.runUntilIdle();
    expect(receipts).toEqual([healAt + LATENCY_US]);
    expect(back.unsentBytes).toBe(0);
  });

  it('the blocked direction itself delivers nothing, and its peer still gets its receipts', () => {
    const { sched, net, logOf, open } = setup();
    const { out, back } = open('a', 'b');
    net.partitionOneway('a', 'b');
    net.send(out, 'blocked', 10);
    sched.runUntil(sched.nowUs + 3_000_000);
    expect(logOf('b').got).toEqual([]);
    expect(out.unsentBytes).toBe(10);
    // a -> b is not "ACK-less": b's ACKs to a are fine, a's data simply does not get there
    const receipts: number[] = [];
    net.heal();
    net.send(back, 'after the heal', 10, () => receipts.push(sched.nowUs));
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['blocked']);
    expect(receipts.length).toBe(1);
  });

  it('a two-way partition is not a one-way cut: no ACK-less phase, nothing crosses', () => {
    const { sched, net, logOf, open } = setup();
    const { back } = open('a', 'b');
    net.partition([['a'], ['b']]);
    net.send(back, 'x', 10);
    sched.runUntil(sched.nowUs + 1_000_000);
    expect(logOf('a').got).toEqual([]);
  });
});

describe('one-way cut: close, reset, connect', () => {
  it('a FIN sent within the window arrives; one sent after the RTO waits behind the unacknowledged data', () => {
    const early = setup();
    const c1 = early.open('a', 'b');
    early.net.partitionOneway('a', 'b');
    early.net.send(c1.back, 'last words', 10);
    early.net.close(c1.back);
    early.sched.runUntil(early.sched.nowUs + 1_000_000);
    expect(early.logOf('a').got.map((g) => g.payload)).toEqual(['last words']);
    expect(early.logOf('a').closed.map((c) => c.reason)).toEqual(['closed']);

    const late = setup();
    const c2 = late.open('a', 'b');
    late.net.partitionOneway('a', 'b');
    late.net.send(c2.back, 'x', 10);
    late.sched.runUntil(late.sched.nowUs + 1_000_000);
    late.net.close(c2.back); // what a replica's repl-timeout does: the master never hears of it
    late.sched.runUntil(late.sched.nowUs + 10_000_000);
    expect(late.logOf('a').closed).toEqual([]);
    expect(c2.out.state).toBe('open');
    late.net.heal();
    late.sched.runUntilIdle();
    expect(late.logOf('a').closed.map((c) => c.reason)).toEqual(['closed']);
  });

  it('a reset needs no ACK: it crosses the open direction at once; the blocked one holds it', () => {
    const { sched, net, logOf, open } = setup();
    const { out, back } = open('a', 'b');
    net.partitionOneway('a', 'b');
    net.send(back, 'x', 10);
    sched.runUntil(sched.nowUs + 1_000_000); // past the RTO: b -> a holds everything else now
    const t = sched.nowUs;
    net.reset(out);
    sched.runUntil(t + 1_000_000);
    expect(logOf('a').closed).toEqual([{ t: t + LATENCY_US, reason: 'reset' }]);
    expect(logOf('b').closed).toEqual([]);
    net.heal();
    sched.runUntilIdle();
    expect(logOf('b').closed.map((c) => c.reason)).toEqual(['reset']);
  });

  it('no connection opens across the cut: the SYN gets there but the listener accepts nothing until the heal', () => {
    const { sched, net, logOf, handler, events } = setup();
    const accepted: string[] = [];
    net.listen('a', (s) => (accepted.push(s.remote), handler('a')));
    net.partitionOneway('a', 'b');
    const fromB = net.connect('b', 'a', handler('b'), 60_000_000); // SYN b -> a passes, SYN-ACK a -> b is lost
    const fromA = net.connect('a', 'b', handler('a'), 60_000_000); // SYN a -> b is lost
    sched.runUntil(sched.nowUs + 10_000_000);
    expect(accepted).toEqual([]);
    expect([fromB.state, fromA.state]).toEqual(['connecting', 'connecting']);
    net.heal();
    sched.runUntilIdle();
    expect(accepted).toEqual(['b']);
    expect([fromB.state, fromA.state]).toEqual(['open', 'open']);
    expect(logOf('b').opened.length).toBe(1);
    expect(events().filter((e) => e.type === 'net.close')).toEqual([]);
  });

  it('a connector that gave up before the heal is never accepted (no stray connection, no reset)', () => {
    const { sched, net, handler, events } = setup();
    const accepted: string[] = [];
    net.listen('a', (s) => (accepted.push(s.remote), handler('a')));
    net.partitionOneway('a', 'b');
    const s = net.connect('b', 'a', handler('b'), 60_000_000);
    sched.runUntil(sched.nowUs + 6_000_000);
    net.close(s); // what replicationCron does after repl-timeout: "Timeout connecting to the MASTER..."
    net.heal();
    sched.runUntilIdle();
    expect(accepted).toEqual([]);
    expect(events().filter((e) => e.type === 'net.close').map((e) => [e.host, e.reason])).toEqual([['b', 'closed']]);
  });
});

describe('one-way cut: edges (each pinned where a mutant of sim/net/network.ts survived)', () => {
  it('each cut starts a new ACK-less phase; a heal leaves nothing unacknowledged behind', () => {
    const { sched, net, logOf, open } = setup();
    const { back } = open('a', 'b');
    for (let round = 0; round < 2; round++) {
      net.partitionOneway('a', 'b');
      sched.runUntil(sched.nowUs + 1_000_000); // the cut is old, but nothing was unacknowledged
      net.send(back, `first of round ${round}`, 10);
      sched.runUntil(sched.nowUs + 100_000);
      net.send(back, `second of round ${round}`, 10); // 100 ms after the first: inside its RTO
      sched.runUntil(sched.nowUs + 1_000_000);
      expect(logOf('a').got.map((g) => g.payload).slice(2 * round)).toEqual([`first of round ${round}`, `second of round ${round}`]);
      expect(back.unsentBytes).toBe(20);
      net.heal();
      sched.runUntil(sched.nowUs + 100_000);
      expect(back.unsentBytes).toBe(0);
    }
  });

  it('connections the cut does not touch keep their receipts and open as usual', () => {
    const { sched, net, logOf, open, handler } = setup();
    const ac = open('a', 'c');
    net.partitionOneway('a', 'b');
    const receipts: number[] = [];
    const t = sched.nowUs;
    net.send(ac.out, 'to c', 10, () => receipts.push(sched.nowUs - t));
    net.send(ac.back, 'from c', 10, () => receipts.push(sched.nowUs - t));
    const cb = net.connect('c', 'b', handler('c'), 60_000_000);
    sched.runUntil(t + 100_000);
    expect(receipts).toEqual([LATENCY_US, LATENCY_US]);
    expect([ac.out.unsentBytes, ac.back.unsentBytes]).toEqual([0, 0]);
    expect(cb.state).toBe('open');
    expect(logOf('c').got.map((g) => g.payload)).toEqual(['to c']);
    expect(logOf('a').got.map((g) => g.payload)).toEqual(['from c']);
  });

  it('without any cut, a receipt comes when the message arrives and the sender keeps nothing', () => {
    const { sched, net, open } = setup();
    const { out } = open('a', 'b');
    const receipts: number[] = [];
    const t = sched.nowUs;
    net.send(out, 'x', 10, () => receipts.push(sched.nowUs - t));
    sched.runUntil(t + LATENCY_US);
    expect(receipts).toEqual([LATENCY_US]);
    expect(out.unsentBytes).toBe(0);
  });

  it('data that reaches a crashed host while the way back is cut gets no receipt, not even after the heal', () => {
    const { sched, net, open } = setup();
    const { out } = open('a', 'b');
    net.crashHost('b');
    net.partitionOneway('b', 'a');
    const receipts: number[] = [];
    net.send(out, 'into the void', 10, () => receipts.push(sched.nowUs));
    sched.runUntil(sched.nowUs + 1_000_000);
    net.heal();
    sched.runUntilIdle();
    expect(receipts).toEqual([]);
  });
});

describe('one-way cut properties', () => {
  type Op = { kind: 'send'; dir: number; size: number } | { kind: 'cut'; dir: number } | { kind: 'heal' } | { kind: 'wait'; us: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('send' as const), dir: fc.nat(1), size: fc.integer({ min: 1, max: 30_000 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), dir: fc.nat(1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), us: fc.integer({ min: 0, max: 400_000 }) }) },
  );

  it('FIFO and complete after the heal; while cut, an ACK-less direction delivers only what it sent within one RTO, at most 64 KiB', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.array(opArb, { maxLength: 60 }), (seed, ops) => {
        const { sched, net, logOf, open } = setup({ jitterUs: 0 }, seed);
        const { out, back } = open('a', 'b');
        const socks = [out, back];
        const sent: number[][] = [[], []];
        const cut = [false, false]; // cut[d]: direction d itself is blocked
        const heals: number[] = [];
        const info = new Map<number, { dir: number; sentAt: number; ackless: boolean; blocked: boolean }>();
        let n = 0;
        for (const op of ops) {
          if (op.kind === 'send') {
            const id = n++;
            const ackless = cut[1 - op.dir]! && !cut[op.dir]!;
            info.set(id, { dir: op.dir, sentAt: sched.nowUs, ackless, blocked: cut[op.dir]! });
            net.send(socks[op.dir]!, id, op.size);
            sent[op.dir]!.push(id);
          } else if (op.kind === 'cut') {
            // dir 0 = a -> b, dir 1 = b -> a; cutting a direction makes the other one ACK-less
            if (op.dir === 0) net.partitionOneway('a', 'b');
            else net.partitionOneway('b', 'a');
            cut[op.dir] = true;
          } else if (op.kind === 'heal') {
            heals.push(sched.nowUs);
            net.heal();
            cut[0] = cut[1] = false;
          } else sched.runUntil(sched.nowUs + op.us);
        }
        heals.push(sched.nowUs);
        net.heal();
        sched.runUntilIdle();
        const got = [logOf('b').got, logOf('a').got];
        // an ACK-less phase: one direction, from a cut of its reverse to the next heal
        const phases = new Map<string, { firstSendUs: number; bytesBeforeHeal: number }>();
        for (let d = 0; d < 2; d++) {
          expect(got[d]!.map((g) => g.payload)).toEqual(sent[d]);
          for (const g of got[d]!) {
            const m = info.get(g.payload as number)!;
            const healedAt = heals.find((t) => t >= m.sentAt)!;
            if (g.t >= healedAt) continue; // arrived after its heal: nothing to check
            expect(m.blocked, `message ${String(g.payload)} crossed a blocked direction`).toBe(false);
            if (!m.ackless) continue;
            const key = `${d}@${healedAt}`;
            if (!phases.has(key)) {
              const firstSendUs = Math.min(...[...info.values()].filter((o) => o.dir === d && o.ackless && heals.find((t) => t >= o.sentAt) === healedAt).map((o) => o.sentAt));
              phases.set(key, { firstSendUs, bytesBeforeHeal: 0 });
            }
            const ph = phases.get(key)!;
            ph.bytesBeforeHeal += g.size;
            expect(ph.bytesBeforeHeal).toBeLessThanOrEqual(ACKLESS_WINDOW_BYTES);
            expect(m.sentAt - ph.firstSendUs, `message ${String(g.payload)} got through a cut ${m.sentAt - ph.firstSendUs} us after the first ACK-less send`).toBeLessThan(RTO_US);
          }
        }
      }),
      fcParams(150),
    );
  });
});
