// The kernel: event order and cancellation, run controls and the event budget, seeded streams,
// and the trace hash.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Scheduler } from '../../sim/kernel/scheduler.js';
import { Rng, validateSeed } from '../../sim/kernel/rng.js';
import { Trace, MemorySink, TRACE_VERSION } from '../../sim/kernel/trace.js';
import { EventBudgetExceeded, UserError } from '../../sim/errors.js';
import { fcParams } from '../support/fc.js';

describe('Scheduler', () => {
  it('runs events by time, and equal times in insertion order', () => {
    const s = new Scheduler();
    const seen: string[] = [];
    const log = (x: string) => seen.push(`${s.nowUs}:${x}`);
    s.at(5, log, 'a');
    s.at(1, log, 'b');
    s.at(5, log, 'c');
    s.at(1, log, 'd');
    s.at(0, log, 'e');
    s.runUntilIdle();
    expect(seen).toEqual(['0:e', '1:b', '1:d', '5:a', '5:c']);
  });

  it('cancels cheaply; cancelling twice, after running, or with a stale handle is refused', () => {
    const s = new Scheduler();
    const seen: number[] = [];
    const a = s.at(10, (x: number) => seen.push(x), 1);
    s.at(20, (x: number) => seen.push(x), 2);
    expect(s.cancel(a)).toBe(true);
    expect(s.cancel(a)).toBe(false);
    expect(s.pending).toBe(1);
    s.runUntilIdle();
    expect(seen).toEqual([2]);
    // the slot of `a` is reused by a new event: the old handle must not cancel it
    const b = s.after(5, (x: number) => seen.push(x), 3);
    expect(s.cancel(a)).toBe(false);
    s.runUntilIdle();
    expect(seen).toEqual([2, 3]);
    expect(s.cancel(b)).toBe(false);
  });

  it('keeps order through compaction when cancels dominate', () => {
    const s = new Scheduler();
    const seen: number[] = [];
    const ids: number[] = [];
    for (let i = 0; i < 20_000; i++) ids.push(s.at(1000 + (i % 100), (x: number) => seen.push(x), i));
    for (let i = 0; i < 20_000; i++) if (i % 10 !== 0) s.cancel(ids[i]!);
    s.runUntilIdle();
    const expected = Array.from({ length: 2000 }, (_, k) => k * 10).sort((x, y) => (1000 + (x % 100)) - (1000 + (y % 100)) || x - y);
    expect(seen).toEqual(expected);
  });

  it('runUntil, runUntilTrue with a deadline, and the clock', () => {
    const s = new Scheduler();
    let n = 0;
    const tick = () => {
      n++;
      s.after(100, tick, null);
    };
    s.at(0, tick, null);
    s.runUntil(1000);
    expect(n).toBe(11);
    expect(s.nowUs).toBe(1000);
    expect(s.runUntilTrue(() => n === 15, 5000)).toBe(true);
    expect(s.nowUs).toBe(1400);
    expect(s.runUntilTrue(() => n === 1000, 3000)).toBe(false);
    expect(s.nowUs).toBe(3000);
  });

  it('stops a runaway run with EventBudgetExceeded', () => {
    const s = new Scheduler({ maxEvents: 1000 });
    const loop = () => s.after(1, loop, null);
    s.at(0, loop, null);
    let err: unknown;
    try {
      s.runUntilIdle();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EventBudgetExceeded);
    expect((err as Error).message).toMatch(/event budget exceeded: 1000 events ran .* Raise --max-events \(maxEvents in the library\)/);
    expect(s.eventsRun).toBe(1001);
  });

  it('refuses to schedule in the past or at fractional times', () => {
    const s = new Scheduler();
    s.at(10, () => {}, null);
    s.runUntilIdle();
    expect(() => s.at(5, () => {}, null)).toThrow(/before now/);
    expect(() => s.at(10.5, () => {}, null)).toThrow(/integer/);
  });

  it('property: any schedule/cancel sequence pops exactly the live events in (time, seq) order', () => {
    const op = fc.oneof(fc.record({ kind: fc.constant('at' as const), t: fc.integer({ min: 0, max: 50 }) }), fc.record({ kind: fc.constant('cancel' as const), i: fc.nat(200) }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const s = new Scheduler();
        const model: { t: number; seq: number; live: boolean }[] = [];
        const handles: number[] = [];
        const popped: number[] = [];
        for (const o of ops) {
          if (o.kind === 'at') {
            const seq = model.length;
            model.push({ t: o.t, seq, live: true });
            handles.push(s.at(o.t, (x: number) => popped.push(x), seq));
          } else if (handles.length > 0) {
            const i = o.i % handles.length;
            const ok = s.cancel(handles[i]!);
            expect(ok).toBe(model[i]!.live);
            model[i]!.live = false;
          }
        }
        s.runUntilIdle();
        const expected = model.filter((m) => m.live).sort((a, b) => a.t - b.t || a.seq - b.seq).map((m) => m.seq);
        expect(popped).toEqual(expected);
      }),
      fcParams(200),
    );
  });
});

describe('Rng', () => {
  it('helpers: exponential and uniform delays, chance, pick and shuffled have the right shape and spread', () => {
    const r = new Rng(7).stream('helpers');
    const n = 20_000;
    const exp = Array.from({ length: n }, () => r.exponentialUs(1000));
    expect(exp.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
    const mean = exp.reduce((a, b) => a + b, 0) / n;
    expect(mean).toBeGreaterThan(950);
    expect(mean).toBeLessThan(1050);
    expect(exp.filter((x) => x > 3000).length / n).toBeCloseTo(Math.exp(-3), 1.5); // the exponential tail
    expect(r.exponentialUs(0)).toBe(0);
    const uni = Array.from({ length: n }, () => r.uniformUs(10, 19));
    expect(new Set(uni)).toEqual(new Set([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]));
    expect(Math.abs(uni.filter((x) => x === 10).length / n - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(Array.from({ length: n }, () => r.chance(0.25)).filter(Boolean).length / n - 0.25)).toBeLessThan(0.015);
    expect(r.chance(0)).toBe(false);
    const picks = Array.from({ length: 3000 }, () => r.pick(['x', 'y', 'z']));
    for (const v of ['x', 'y', 'z']) expect(picks.filter((p) => p === v).length).toBeGreaterThan(900);
    expect(() => r.pick([])).toThrow(RangeError);
    const items = Array.from({ length: 20 }, (_, i) => i);
    const sh = r.shuffled(items);
    expect([...sh].sort((a, b) => a - b)).toEqual(items);
    expect(sh).not.toEqual(items);
    expect(items).toEqual(Array.from({ length: 20 }, (_, i) => i)); // the input is not touched
    expect(r.hex(40)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('the same seed and name give the same sequence; names are independent', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const seqA = Array.from({ length: 10 }, () => a.stream('net').double());
    b.stream('faults').double(); // drawing elsewhere must not shift 'net'
    b.stream('faults').double();
    const seqB = Array.from({ length: 10 }, () => b.stream('net').double());
    expect(seqB).toEqual(seqA);
    expect(new Rng(43).stream('net').double()).not.toBe(seqA[0]);
    expect(new Rng('42').stream('net').double()).not.toBe(seqA[0]);
  });

  it('int is within bounds, inclusive (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.nat(), (lo, span, seed) => {
        const r = new Rng(seed).stream('x');
        for (let i = 0; i < 20; i++) {
          const v = r.int(lo, lo + span);
          expect(Number.isInteger(v) && v >= lo && v <= lo + span).toBe(true);
        }
      }),
      fcParams(200),
    );
    const r = new Rng(1).stream('x');
    const seen = new Set(Array.from({ length: 200 }, () => r.int(0, 2)));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('weighted never picks a zero weight; hex has the requested length', () => {
    const r = new Rng(3).stream('w');
    for (let i = 0; i < 500; i++) expect(r.weighted([['a', 1], ['b', 0], ['c', 2]] as const)).not.toBe('b');
    expect(r.hex(40)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('validateSeed accepts non-negative integers and non-empty strings only', () => {
    expect(validateSeed(0)).toBe(0);
    expect(validateSeed('abc')).toBe('abc');
    for (const bad of [-1, 1.5, '', null, {}]) expect(() => validateSeed(bad)).toThrow(UserError);
  });

  it('a saved stream state continues the sequence exactly', () => {
    const rng = new Rng(9);
    const s = rng.stream('a');
    s.double();
    const saved = JSON.parse(JSON.stringify(rng.saveState()))[0];
    const next = [s.double(), s.double(), s.int(0, 100)];
    const restored = Rng.restoreStream(saved);
    expect([restored.double(), restored.double(), restored.int(0, 100)]).toEqual(next);
  });
});

describe('Trace', () => {
  const ev = (t: number, extra: Record<string, unknown> = {}) => ({ t, type: 'x.test' as const, ...extra });

  it('equal events give an equal digest; a changed field or order gives another', () => {
    const d = (evs: ReturnType<typeof ev>[]) => {
      const tr = new Trace();
      for (const e of evs) tr.emit(e);
      return tr.digest();
    };
    const base = [ev(1, { a: 1 }), ev(2, { b: 'x' })];
    expect(d(base)).toBe(d([ev(1, { a: 1 }), ev(2, { b: 'x' })]));
    expect(d(base)).not.toBe(d([ev(1, { a: 2 }), ev(2, { b: 'x' })]));
    expect(d(base)).not.toBe(d([ev(2, { b: 'x' }), ev(1, { a: 1 })]));
    expect(d(base)).toMatch(new RegExp(`^v${TRACE_VERSION}-[0-9a-f]{16}$`));
  });

  it('streams JSON lines to sinks as events are emitted, and calls listeners in order', () => {
    const sink = new MemorySink();
    const tr = new Trace(sink);
    const calls: string[] = [];
    tr.subscribe((e) => calls.push(`first:${e.t}`));
    tr.subscribe((e) => calls.push(`second:${e.t}`));
    tr.emit(ev(1));
    expect(sink.lines).toEqual(['{"t":1,"type":"x.test"}']);
    tr.emit(ev(2, { k: [1, 2] }));
    expect(JSON.parse(sink.lines[1]!)).toEqual({ t: 2, type: 'x.test', k: [1, 2] });
    expect(calls).toEqual(['first:1', 'second:1', 'first:2', 'second:2']);
    expect(tr.count).toBe(2);
  });
});
