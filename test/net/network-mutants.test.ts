// The virtual network's edges, each pinned where a mutant of sim/net/ survived test/net/tcp.test.ts:
// exact timings (serialization, latency, jitter bounds, retransmission timeouts), SIGSTOP-style
// pauses, the connection handshake's corner cases (a connector that gave up, a listener that went
// away, a crashed host), the trace events a run's hash is made of, and link parameter overrides.
import { describe, expect, it } from 'vitest';
import { netHarness } from '../support/net.js';
import type { RngStream } from '../../sim/kernel/rng.js';
import type { Socket } from '../../sim/net/network.js';
import { DEFAULT_LINK, LinkTable, MIN_RTO_US, MSS_BYTES, linkKey, retransmitDelayUs, type LinkParams } from '../../sim/net/links.js';

function setup(link: Partial<LinkParams> = {}, hosts = ['a', 'b', 'c']) {
  return netHarness({ link: { latencyUs: 1000, jitterUs: 0, loss: 0, bandwidthBytesPerSec: 0, ...link }, seed: 7, hosts, openTimeoutUs: 60_000_000 });
}

/** A stand-in random stream: chance() answers from a script, int() returns its lower bound. */
function scripted(chances: boolean[]): RngStream {
  let i = 0;
  return { chance: () => chances[i++] ?? false, int: (lo: number) => lo } as unknown as RngStream;
}

describe('hosts', () => {
  it('names are unique and must exist', () => {
    const { net } = setup();
    expect(() => net.addHost('a')).toThrow(/already exists/);
    expect(() => net.host('zz')).toThrow(/unknown host zz/);
    expect(net.hostNames()).toEqual(['a', 'b', 'c']);
  });

  it('a down host cannot connect; crashing it twice or restarting a live one changes nothing', () => {
    const { net, events } = setup();
    net.restartHost('a');
    expect(events().filter((e) => e.type === 'host.restart')).toEqual([]);
    net.crashHost('a');
    const epoch = net.host('a').epoch;
    net.crashHost('a');
    expect(net.host('a').epoch).toBe(epoch);
    expect(events().filter((e) => e.type === 'host.crash')).toEqual([{ t: 0, type: 'host.crash', host: 'a' }]);
    expect(() => net.connect('a', 'b', { onMessage() {}, onClose() {} }, 1000)).toThrow(/down/);
    net.restartHost('a');
    expect(net.host('a').up).toBe(true);
    expect(events().filter((e) => e.type === 'host.restart')).toEqual([{ t: 0, type: 'host.restart', host: 'a' }]);
  });

  it('a crash closes every socket of the host and forgets its listener', () => {
    const { net, open, sched, handler, logOf } = setup();
    const ab = open('a', 'b');
    net.crashHost('a');
    expect(ab.out.state).toBe('closed');
    expect(ab.out.alive).toBe(false);
    expect(net.host('a').sockets.size).toBe(0);
    net.restartHost('a');
    // a restarted process must listen anew: until then connections are refused
    net.connect('c', 'a', handler('c'), 5_000_000);
    sched.runUntilIdle();
    expect(logOf('c').closed.map((c) => c.reason)).toEqual(['refused']);
  });

  it('bytes a crashed host had held back by a partition never arrive; bytes on the wire do', () => {
    const { net, open, sched, logOf } = setup();
    const ab = open('a', 'b');
    net.send(ab.out, 'wire', 10);
    net.partition([['a'], ['b']]);
    net.send(ab.out, 'held', 10);
    net.crashHost('a');
    net.heal();
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['wire']);
  });
});

describe('timing', () => {
  it('serialization at the link bandwidth, then the latency; a busy link delays the next message', () => {
    const { net, open, sched, logOf } = setup({ bandwidthBytesPerSec: 1_000_000 }); // 1 byte per us
    const { out } = open('a', 'b');
    const t0 = sched.nowUs;
    net.send(out, 'x', 500);
    net.send(out, 'y', 1);
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => [g.t - t0, g.payload, g.size])).toEqual([[1500, 'x', 500], [1501, 'y', 1]]);
    // once the link is idle again, a message leaves at once
    sched.runUntil(sched.nowUs + 10_000);
    const t1 = sched.nowUs;
    net.send(out, 'z', 3);
    sched.runUntilIdle();
    expect(logOf('b').got[2]!.t - t1).toBe(1003);
  });

  it('a connection opens after one round trip and data takes one latency', () => {
    const { net, sched, logOf, handler } = setup({ latencyUs: 2500 });
    const s = net.connect('a', 'b', handler('a'), 60_000_000);
    expect(s.state).toBe('connecting');
    sched.runUntilIdle();
    expect(logOf('a').opened).toEqual([5000]);
    const t1 = sched.nowUs;
    net.send(s, 'm', 100);
    sched.runUntilIdle();
    expect(logOf('b').got[0]!.t - t1).toBe(2500);
  });

  it('jitter adds 0..jitterUs but never reorders a connection', () => {
    const { net, open, sched, logOf } = setup({ jitterUs: 5000 });
    const { out } = open('a', 'b');
    const t0 = sched.nowUs;
    for (let i = 0; i < 300; i++) net.send(out, i, 1);
    sched.runUntilIdle();
    const ts = logOf('b').got.map((g) => g.t - t0);
    expect(logOf('b').got.map((g) => g.payload)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThanOrEqual(ts[i - 1]!);
    expect(Math.min(...ts)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...ts)).toBeLessThanOrEqual(6000);
    expect(Math.max(...ts)).toBeGreaterThan(5000); // the jitter is used, up to its bound
  });

  it('a paused host reads what arrived, in order, when it wakes; a longer pause is not shortened', () => {
    const { net, open, sched, logOf, events } = setup();
    const { out } = open('a', 'b');
    const t0 = sched.nowUs;
    net.pauseHost('b', 50_000);
    net.pauseHost('b', 10_000); // ends earlier than the running pause: no effect
    // each pause is in the trace with the time the host wakes (the report draws it)
    expect(events().filter((e) => e.type === 'host.pause').map((e) => [e.t, e.until])).toEqual([[t0, t0 + 50_000], [t0, t0 + 50_000]]);
    net.send(out, 'p1', 10);
    net.send(out, 'p2', 10);
    sched.runUntil(t0 + 49_999);
    expect(logOf('b').got).toEqual([]);
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => [g.t - t0, g.payload])).toEqual([[50_000, 'p1'], [50_000, 'p2']]);
    expect(out.unsentBytes).toBe(0);
    // after waking, delivery is immediate again
    const t1 = sched.nowUs;
    net.send(out, 'p3', 10);
    sched.runUntilIdle();
    expect(logOf('b').got[2]!.t - t1).toBe(1000);
  });

  it('a pause extended while arrivals wait keeps them ahead of what arrives during the extension', () => {
    // found by fast-check (FC_SEED=777001): two 10 ms pauses 1 ms apart made a replica apply a
    // later stream entry before two earlier ones
    const { net, open, sched, logOf } = setup();
    const { out } = open('a', 'b');
    const t0 = sched.nowUs;
    net.pauseHost('b', 10_000);
    net.send(out, 'p1', 10);
    net.send(out, 'p2', 10);
    sched.runUntil(t0 + 1_000); // both have arrived and wait
    net.pauseHost('b', 10_000); // now until t0 + 11 ms
    net.send(out, 'p3', 10); // arrives at t0 + 2 ms, during the extension
    sched.runUntil(t0 + 10_999);
    expect(logOf('b').got).toEqual([]);
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => [g.t - t0, g.payload])).toEqual([[11_000, 'p1'], [11_000, 'p2'], [11_000, 'p3']]);
  });
});

describe('the handshake and its corner cases', () => {
  it('the connector times out only while still connecting', () => {
    const { net, sched, logOf, handler, events } = setup();
    const s = net.connect('a', 'b', handler('a'), 10_000);
    sched.runUntilIdle();
    expect(s.state).toBe('open');
    expect(logOf('a').closed).toEqual([]); // the timer fired after the open: nothing happens
    expect(events().filter((e) => e.type === 'net.open')).toEqual([{ t: 2000, type: 'net.open', conn: s.conn, from: 'a', to: 'b' }]);
  });

  it('a connector that closed before the SYN-ACK: the accepting side gets a reset', () => {
    const { net, sched, logOf, handler } = setup();
    const s = net.connect('a', 'b', handler('a'), 60_000_000);
    sched.runUntil(1500); // the SYN reached b at 1000; the SYN-ACK is on its way
    net.close(s);
    sched.runUntilIdle();
    expect(logOf('a').opened).toEqual([]);
    expect(logOf('a').closed).toEqual([]);
    expect(logOf('b').closed).toEqual([{ t: 3000, reason: 'reset' }]);
  });

  it('a connector that timed out before the SYN arrived: nothing is accepted', () => {
    const { net, sched, logOf, handler } = setup({ latencyUs: 10_000 });
    net.connect('a', 'b', handler('a'), 5000);
    sched.runUntilIdle();
    expect(logOf('a').closed).toEqual([{ t: 5000, reason: 'timeout' }]);
    expect(net.host('b').sockets.size).toBe(0);
    expect(logOf('b').closed).toEqual([]);
  });

  it('a SYN to a crashed host is refused; the refusal is ignored by a connector that gave up', () => {
    const { net, sched, logOf, handler } = setup({ latencyUs: 10_000 });
    net.crashHost('b');
    net.connect('a', 'b', handler('a'), 60_000_000);
    sched.runUntilIdle();
    expect(logOf('a').closed).toEqual([{ t: 20_000, reason: 'refused' }]);
    net.restartHost('b');
    net.listen('b', null);
    const t1 = sched.nowUs;
    const s = net.connect('a', 'b', handler('a'), 15_000); // times out before the refusal comes back
    sched.runUntilIdle();
    expect(s.state).toBe('closed');
    expect(logOf('a').closed.slice(1)).toEqual([{ t: t1 + 15_000, reason: 'timeout' }]);
  });

  it('the accepting side lives in its host\'s epoch: it dies with the next crash', () => {
    const { net, open } = setup();
    net.crashHost('b');
    net.restartHost('b');
    let back: Socket | undefined;
    net.listen('b', (s) => ((back = s), { onMessage() {}, onClose() {} }));
    open('a', 'b');
    expect(back!.alive).toBe(true);
    expect(back!.epoch).toBe(net.host('b').epoch);
    expect(back!.epoch).toBe(1);
    net.crashHost('b');
    expect(back!.alive).toBe(false);
  });
});

describe('sending and closing', () => {
  it('send on a socket that is not open is a bug; on a crashed host it is silently lost', () => {
    const { net, open, sched, logOf, handler } = setup();
    const s = net.connect('a', 'b', handler('a'), 60_000_000);
    expect(() => net.send(s, 'early', 1)).toThrow(/send on a connecting socket/);
    sched.runUntilIdle();
    net.close(s);
    expect(() => net.send(s, 'late', 1)).toThrow(/send on a closed socket/);
    const cb = open('c', 'b');
    net.host('c').up = false; // the process is gone but its socket object still says open
    net.send(cb.out, 'lost', 10);
    sched.runUntilIdle();
    expect(logOf('b').got).toEqual([]);
    expect(cb.out.unsentBytes).toBe(0);
  });

  it('a delivery receipt reaches the sender only when the peer received the message', () => {
    const { net, open, sched } = setup();
    const { out } = open('a', 'b');
    const receipts: [number, Socket][] = [];
    net.send(out, 'm', 10, (s) => receipts.push([sched.nowUs, s]));
    expect(out.unsentBytes).toBe(10);
    sched.runUntil(sched.nowUs + 999);
    expect(receipts).toEqual([]);
    sched.runUntilIdle();
    expect(receipts.length).toBe(1);
    expect(receipts[0]![1]).toBe(out);
    expect(out.unsentBytes).toBe(0);
    // a sender that crashed meanwhile gets no receipt
    const ca = open('c', 'a');
    net.send(ca.out, 'm2', 10, () => receipts.push([sched.nowUs, ca.out]));
    net.crashHost('c');
    sched.runUntilIdle();
    expect(receipts.length).toBe(1);
  });

  it('closing twice, or closing a connection not yet open, sends nothing to the peer', () => {
    const { net, open, sched, logOf, handler, events } = setup();
    const { out } = open('a', 'b');
    net.close(out);
    net.close(out);
    sched.runUntilIdle();
    expect(logOf('b').closed).toEqual([{ t: 3000, reason: 'closed' }]);
    expect(events().filter((e) => e.type === 'net.close' && e.host === 'a')).toEqual([
      { t: 2000, type: 'net.close', conn: out.conn, host: 'a', peer: 'b', reason: 'closed' },
    ]);
    expect(net.host('a').sockets.has(out)).toBe(false);
    const s = net.connect('a', 'c', handler('a'), 60_000_000);
    net.close(s);
    sched.runUntilIdle();
    expect(logOf('c').closed.filter((c) => c.reason === 'closed')).toEqual([]);
    expect(events().filter((e) => e.type === 'net.close' && e.host === 'c')).toEqual([]);
    expect(net.host('c').sockets.size).toBe(0);
  });

  it('data and FIN reaching a crashed-and-restarted host are answered with a reset', () => {
    const { net, open, sched, logOf } = setup();
    const ab = open('a', 'b');
    net.crashHost('b');
    net.restartHost('b');
    net.send(ab.out, 'anyone?', 10);
    sched.runUntilIdle();
    expect(logOf('a').closed.map((c) => c.reason)).toEqual(['reset']);
    expect(ab.out.state).toBe('closed');
  });

  it('data reaching a socket its own side closed is dropped without a reset', () => {
    const { net, open, sched, logOf } = setup();
    const ab = open('a', 'b');
    net.send(ab.back, 'late', 10);
    net.close(ab.out); // a closed, b's data is in flight
    sched.runUntilIdle();
    expect(logOf('a').got).toEqual([]);
    expect(logOf('b').closed.map((c) => c.reason)).toEqual(['closed']);
    expect(ab.back.state).toBe('closed');
  });

  it('a reset reaches both ends after the latency, and the trace says who and why', () => {
    const { net, open, sched, events } = setup();
    const ab = open('a', 'b');
    net.reset(ab.out);
    sched.runUntilIdle();
    const closes = events().filter((e) => e.type === 'net.close');
    expect(closes).toEqual([
      { t: 3000, type: 'net.close', conn: ab.out.conn, host: 'a', peer: 'b', reason: 'reset' },
      { t: 3000, type: 'net.close', conn: ab.out.conn, host: 'b', peer: 'a', reason: 'reset' },
    ]);
  });
});

describe('partitions and links in the trace', () => {
  it('partition, one-way partition and heal name exactly the directions they change', () => {
    const { net, events } = setup();
    net.partition([['a'], ['b', 'c']]);
    net.partitionOneway('a', 'b'); // already blocked
    net.partitionOneway('b', 'c');
    expect(net.isBlocked('a', 'b')).toBe(true);
    expect(net.isBlocked('b', 'c')).toBe(true);
    expect(net.isBlocked('c', 'b')).toBe(false);
    net.heal();
    expect(net.isBlocked('a', 'b')).toBe(false);
    const ev = events().filter((e) => e.type.startsWith('net.'));
    expect(ev).toEqual([
      { t: 0, type: 'net.partition', blocked: [['a', 'b'], ['a', 'c'], ['b', 'a'], ['c', 'a']] },
      { t: 0, type: 'net.partition', blocked: [] },
      { t: 0, type: 'net.partition', blocked: [['b', 'c']] },
      { t: 0, type: 'net.heal', unblocked: [['a', 'b'], ['a', 'c'], ['b', 'a'], ['c', 'a'], ['b', 'c']] },
    ]);
  });

  it('after a heal, a new partition stalls traffic anew', () => {
    const { net, open, sched, logOf } = setup();
    const { out } = open('a', 'b');
    net.partition([['a'], ['b']]);
    net.send(out, 1, 1);
    net.heal();
    net.partition([['a'], ['b']]);
    net.send(out, 2, 1);
    sched.runUntil(sched.nowUs + 100_000);
    expect(logOf('b').got.map((g) => g.payload)).toEqual([1]);
    net.heal();
    sched.runUntilIdle();
    expect(logOf('b').got.map((g) => g.payload)).toEqual([1, 2]);
  });

  it('setLink for all, for a pair (both ways) or one way, and the trace records the result', () => {
    const { net, events } = setup();
    net.setLink({ latencyUs: 5000 }, ['a', 'b']);
    expect(net.links.params('a', 'b').latencyUs).toBe(5000);
    expect(net.links.params('b', 'a').latencyUs).toBe(5000);
    net.setLink({ jitterUs: 7 }, ['a', 'c'], true);
    expect(net.links.params('a', 'c').jitterUs).toBe(7);
    expect(net.links.params('c', 'a').jitterUs).toBe(0);
    net.setLink({ loss: 0.1 });
    expect(net.links.params('a', 'b')).toEqual({ latencyUs: 5000, jitterUs: 0, loss: 0.1, bandwidthBytesPerSec: 0 });
    expect(net.links.params('b', 'c')).toEqual({ latencyUs: 1000, jitterUs: 0, loss: 0.1, bandwidthBytesPerSec: 0 });
    const ev = events().filter((e) => e.type === 'net.link');
    expect(ev).toEqual([
      { t: 0, type: 'net.link', between: ['a', 'b'], latencyUs: 5000, jitterUs: 0, loss: 0, bandwidthBytesPerSec: 0 },
      { t: 0, type: 'net.link', between: ['a', 'c'], oneway: true, latencyUs: 1000, jitterUs: 7, loss: 0, bandwidthBytesPerSec: 0 },
      { t: 0, type: 'net.link', between: null, latencyUs: 1000, jitterUs: 0, loss: 0.1, bandwidthBytesPerSec: 0 },
    ]);
  });

  it('a connection opened earlier picks up later link changes', () => {
    const { net, open, sched, logOf } = setup();
    const { out } = open('a', 'b');
    net.setLink({ latencyUs: 30_000 }, ['a', 'b']);
    const t0 = sched.nowUs;
    net.send(out, 'slow', 1);
    sched.runUntilIdle();
    expect(logOf('b').got[0]!.t - t0).toBe(30_000);
  });
});

describe('link table', () => {
  it('defaults are copied in and out; overrides start from the pair\'s current parameters', () => {
    const mine = { ...DEFAULT_LINK };
    const t = new LinkTable(mine);
    mine.latencyUs = 1;
    expect(t.params('x', 'y')).toEqual(DEFAULT_LINK);
    const d = t.defaultParams;
    d.latencyUs = 2;
    expect(t.defaultParams).toEqual(DEFAULT_LINK);
    expect(new LinkTable().defaultParams).toEqual(DEFAULT_LINK);
    t.set({ latencyUs: 10 }, 'x', 'y');
    t.set({ jitterUs: 3 }, 'x', 'y');
    expect(t.params('x', 'y')).toEqual({ ...DEFAULT_LINK, latencyUs: 10, jitterUs: 3 });
    expect(t.params('y', 'x')).toEqual(DEFAULT_LINK);
    expect(linkKey('x', 'y')).not.toBe(linkKey('y', 'x'));
    expect(linkKey('ab', 'c')).not.toBe(linkKey('a', 'bc'));
  });

  it('blocking is per direction, reported once, and unblockAll returns them in order', () => {
    const t = new LinkTable();
    expect(t.anyBlocked).toBe(false);
    expect(t.block('x', 'y')).toBe(true);
    expect(t.block('x', 'y')).toBe(false);
    expect(t.block('z', 'x')).toBe(true);
    expect(t.anyBlocked).toBe(true);
    expect(t.isBlocked('y', 'x')).toBe(false);
    expect(t.unblockAll()).toEqual([['x', 'y'], ['z', 'x']]);
    expect(t.anyBlocked).toBe(false);
    expect(t.isBlocked('x', 'y')).toBe(false);
  });

  it('arrival: serialization behind the link\'s earlier traffic, plus latency; no bandwidth means no serialization', () => {
    const t = new LinkTable({ latencyUs: 100, jitterUs: 0, loss: 0, bandwidthBytesPerSec: 2_000_000 });
    const st = t.state('x', 'y');
    const rng = scripted([]);
    expect(t.arrivalUs(st, 0, 3, rng)).toBe(2 + 100); // 1.5 us rounds up to 2
    expect(st.busyUntilUs).toBe(2);
    expect(t.arrivalUs(st, 1, 2000, rng)).toBe(2 + 1000 + 100); // waits for the link
    expect(t.arrivalUs(st, 5000, 2, rng)).toBe(5000 + 1 + 100); // idle link: leaves now
    t.set({ bandwidthBytesPerSec: 0 });
    expect(t.state('x', 'y')).toBe(st);
    expect(t.arrivalUs(st, 6000, 1_000_000, rng)).toBe(6100);
    expect(st.busyUntilUs).toBe(5001);
  });

  it('jitter is drawn from [0, jitterUs]', () => {
    const t = new LinkTable({ latencyUs: 100, jitterUs: 50.7, loss: 0, bandwidthBytesPerSec: 0 });
    const seen: [number, number][] = [];
    const rng = { int: (lo: number, hi: number) => (seen.push([lo, hi]), hi) } as unknown as RngStream;
    expect(t.arrivalUs(t.state('x', 'y'), 0, 1, rng)).toBe(150);
    expect(seen).toEqual([[0, 50]]);
  });
});

describe('retransmission delay', () => {
  it('nothing when no segment is lost; the first timeout is 200 ms and each retry doubles it', () => {
    expect(MIN_RTO_US).toBe(200_000);
    expect(retransmitDelayUs(100, 0.5, scripted([false]))).toBe(0);
    expect(retransmitDelayUs(100, 0.5, scripted([true, false]))).toBe(200_000);
    expect(retransmitDelayUs(100, 0.5, scripted([true, true, false]))).toBe(600_000);
    expect(retransmitDelayUs(100, 0.5, scripted([true, true, true, false]))).toBe(1_400_000);
  });

  it('gives up doubling after 8 retries', () => {
    const always = { chance: () => true } as unknown as RngStream;
    expect(retransmitDelayUs(100, 0.5, always)).toBe(200_000 * (2 ** 8 - 1));
  });

  it('a message of n segments is hit with probability 1-(1-loss)^n', () => {
    const asked: number[] = [];
    const rng = { chance: (p: number) => (asked.push(p), false) } as unknown as RngStream;
    retransmitDelayUs(0, 0.1, rng);
    retransmitDelayUs(MSS_BYTES, 0.1, rng);
    retransmitDelayUs(MSS_BYTES + 1, 0.1, rng);
    retransmitDelayUs(10 * MSS_BYTES, 0.1, rng);
    expect(asked.map((p) => Number(p.toFixed(6)))).toEqual([0.1, 0.1, 0.19, Number((1 - 0.9 ** 10).toFixed(6))]);
  });

  it('a lossy link adds the delay to the arrival time', () => {
    const t = new LinkTable({ latencyUs: 100, jitterUs: 0, loss: 0.2, bandwidthBytesPerSec: 0 });
    expect(t.arrivalUs(t.state('x', 'y'), 0, 10, scripted([true, false]))).toBe(200_100);
  });
});

describe('connections in the trace', () => {
  it('numbers connections from 1, records who connected to whom, and marks the initiating side', () => {
    const { open, events } = setup();
    const ab = open('a', 'b');
    const cb = open('c', 'b');
    expect([ab.out.conn, cb.out.conn]).toEqual([1, 2]);
    expect(ab.back.conn).toBe(1);
    expect([ab.out.initiator, ab.back.initiator]).toEqual([true, false]);
    expect([ab.out.remote, ab.back.remote]).toEqual(['b', 'a']);
    expect(events().filter((e) => e.type === 'net.connect')).toEqual([
      { t: 0, type: 'net.connect', conn: 1, from: 'a', to: 'b' },
      { t: 2000, type: 'net.connect', conn: 2, from: 'c', to: 'b' },
    ]);
  });

  it('a handler without onOpen is fine', () => {
    const { net, sched, logOf } = setup();
    const got: unknown[] = [];
    const s = net.connect('a', 'b', { onMessage: (_s, p) => got.push(p), onClose() {} }, 60_000_000);
    sched.runUntil(5000);
    expect(s.state).toBe('open');
    net.send(s, 'hi', 2);
    sched.runUntil(10_000);
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['hi']);
  });

  it('isolate cuts one host from every other, and from nobody else', () => {
    const { net, events } = setup();
    net.isolate('b');
    expect(events().filter((e) => e.type === 'net.partition')).toEqual([
      { t: 0, type: 'net.partition', blocked: [['b', 'a'], ['b', 'c'], ['a', 'b'], ['c', 'b']] },
    ]);
    expect(net.isBlocked('a', 'c')).toBe(false);
  });

  it('hosts in the same group of a partition still reach each other', () => {
    const { net, open, sched, logOf } = setup();
    const ab = open('a', 'b');
    net.partition([['a', 'b'], ['c']]);
    net.send(ab.out, 'same side', 1);
    sched.runUntil(sched.nowUs + 10_000);
    expect(logOf('b').got.map((g) => g.payload)).toEqual(['same side']);
  });
});
