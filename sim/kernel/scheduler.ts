// The one event loop of a run: a binary heap ordered by (time, insertion sequence) over integer
// microseconds. Every delivery, timer, fault and client command of a run is an event here.
// The heap is struct-of-arrays; cancelled events are dropped lazily when they reach the top.

import { EventBudgetExceeded, SimTimeLimitExceeded } from '../errors.js';

/** A callback taking one argument; callers pass long-lived functions plus a record, not closures. */
export type EventFn<A = unknown> = (arg: A) => void;

/** Opaque handle of a scheduled event, for cancel(). Stale handles are ignored safely. */
export type EventId = number;

const SLOT_BITS = 2 ** 22; // handle = generation * SLOT_BITS + slot
const NO_LIMIT = Number.POSITIVE_INFINITY;

export interface SchedulerOptions {
  /** Hard limit on events run over the scheduler's life; exceeding it throws EventBudgetExceeded. */
  maxEvents?: number;
  /** The clock never passes this time: an event later than it, or a wait beyond it, throws SimTimeLimitExceeded. */
  maxTimeUs?: number;
  /**
   * Called after every CHECK_EVERY events with the events run so far, e.g. by a harness that stops a
   * run on a wall-clock timeout by throwing. The calls themselves depend on the event count only.
   */
  budgetHook?: (eventsRun: number) => void;
}

/** How often (in events) budgetHook is called: rarely enough to cost nothing per event. */
export const CHECK_EVERY = 1 << 14;

export class Scheduler {
  /** Virtual time in integer microseconds. Only the scheduler moves it. */
  nowUs = 0;
  /** Events executed so far (cancelled ones are not counted). */
  eventsRun = 0;
  maxEvents: number;
  readonly maxTimeUs: number;
  private readonly budgetHook: ((eventsRun: number) => void) | null;

  // heap, struct-of-arrays
  private hTime: Float64Array;
  private hSeq: Float64Array;
  private hSlot: Int32Array;
  private hSize = 0;
  private nextSeq = 0;

  // event records by slot
  private fns: (EventFn<any> | null)[] = [];
  private args: unknown[] = [];
  private gens: Uint32Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
  private slotCount = 0;
  private live = 0;

  constructor(options: SchedulerOptions = {}) {
    this.maxEvents = options.maxEvents ?? NO_LIMIT;
    this.maxTimeUs = options.maxTimeUs ?? NO_LIMIT;
    this.budgetHook = options.budgetHook ?? null;
    const cap = 1024;
    this.hTime = new Float64Array(cap);
    this.hSeq = new Float64Array(cap);
    this.hSlot = new Int32Array(cap);
    this.gens = new Uint32Array(cap);
    this.freeSlots = new Int32Array(cap);
  }

  /** Number of scheduled events that have not run and are not cancelled. */
  get pending(): number {
    return this.live;
  }

  /** Schedule fn(arg) at absolute time atUs (not before now). */
  at<A>(atUs: number, fn: EventFn<A>, arg: A): EventId {
    if (!(atUs >= this.nowUs)) {
      throw new RangeError(`cannot schedule at ${atUs}us: it is before now (${this.nowUs}us)`);
    }
    if (!Number.isInteger(atUs)) throw new RangeError(`event time must be an integer number of microseconds, got ${atUs}`);
    const slot = this.allocSlot();
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.push(atUs, this.nextSeq++, slot);
    this.live++;
    return this.gens[slot]! * SLOT_BITS + slot;
  }

  /** Schedule fn(arg) after delayUs (rounded down to whole microseconds, at least 0). */
  after<A>(delayUs: number, fn: EventFn<A>, arg: A): EventId {
    return this.at(this.nowUs + (delayUs > 0 ? Math.floor(delayUs) : 0), fn, arg);
  }

  /** Cancel a scheduled event. Returns false if it already ran, was cancelled, or is unknown. O(1). */
  cancel(id: EventId): boolean {
    const slot = id % SLOT_BITS;
    const gen = (id - slot) / SLOT_BITS;
    if (slot >= this.slotCount || this.gens[slot] !== gen || this.fns[slot] === null) return false;
    this.fns[slot] = null;
    this.args[slot] = undefined;
    this.live--;
    // keep the heap from filling with dead entries when cancels dominate
    if (this.hSize > 4096 && this.live * 2 < this.hSize) this.compact();
    return true;
  }

  /** Time of the next live event, or Infinity when idle. */
  peekTimeUs(): number {
    while (this.hSize > 0) {
      const slot = this.hSlot[0]!;
      if (this.fns[slot] !== null) return this.hTime[0]!;
      this.popTop();
      this.freeSlot(slot);
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Run the next live event. Returns false when there is none. */
  step(): boolean {
    while (this.hSize > 0) {
      const t = this.hTime[0]!;
      const slot = this.hSlot[0]!;
      this.popTop();
      const fn = this.fns[slot];
      const arg = this.args[slot];
      this.freeSlot(slot);
      if (fn === null || fn === undefined) continue;
      this.live--;
      if (t > this.maxTimeUs) this.passLimit();
      this.nowUs = t;
      if (++this.eventsRun > this.maxEvents) throw new EventBudgetExceeded(this.maxEvents, t);
      if (this.budgetHook !== null && (this.eventsRun & (CHECK_EVERY - 1)) === 0) this.budgetHook(this.eventsRun);
      fn(arg);
      return true;
    }
    return false;
  }

  /** Run every event due at or before timeUs, then set the clock to timeUs. */
  runUntil(timeUs: number): void {
    while (this.peekTimeUs() <= timeUs) this.step();
    if (timeUs > this.nowUs) this.setClock(timeUs);
  }

  /** Run until no event is left. */
  runUntilIdle(): void {
    while (this.step()) {
      /* keep going */
    }
  }

  /**
   * Run until pred() holds (checked before the first event and after each one) or until the
   * next event would be later than deadlineUs. Returns whether pred held. On a deadline miss the
   * clock is left at deadlineUs.
   */
  runUntilTrue(pred: () => boolean, deadlineUs = Number.POSITIVE_INFINITY): boolean {
    if (pred()) return true;
    while (this.peekTimeUs() <= deadlineUs) {
      this.step();
      if (pred()) return true;
    }
    if (Number.isFinite(deadlineUs) && deadlineUs > this.nowUs) this.setClock(deadlineUs);
    return false;
  }

  /** Move the idle clock forward, not past maxTimeUs. */
  private setClock(timeUs: number): void {
    if (timeUs > this.maxTimeUs) this.passLimit();
    this.nowUs = timeUs;
  }

  /** The run wants to go past maxTimeUs: stop there. */
  private passLimit(): never {
    if (this.maxTimeUs > this.nowUs) this.nowUs = this.maxTimeUs;
    throw new SimTimeLimitExceeded(this.maxTimeUs);
  }

  // ---- slots ----

  private allocSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount]!;
    const slot = this.slotCount++;
    if (slot >= this.gens.length) {
      const gens = new Uint32Array(this.gens.length * 2);
      gens.set(this.gens);
      this.gens = gens;
      const free = new Int32Array(this.freeSlots.length * 2);
      free.set(this.freeSlots);
      this.freeSlots = free;
    }
    if (slot >= SLOT_BITS) throw new RangeError(`more than ${SLOT_BITS} events pending at once`);
    this.fns.push(null);
    this.args.push(undefined);
    return slot;
  }

  private freeSlot(slot: number): void {
    this.fns[slot] = null;
    this.args[slot] = undefined;
    this.gens[slot] = (this.gens[slot]! + 1) >>> 0;
    this.freeSlots[this.freeCount++] = slot;
  }

  // ---- heap ----

  private push(time: number, seq: number, slot: number): void {
    if (this.hSize === this.hTime.length) this.grow();
    const hT = this.hTime;
    const hS = this.hSeq;
    const hL = this.hSlot;
    let i = this.hSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = hT[p]!;
      if (pt < time || (pt === time && hS[p]! < seq)) break;
      hT[i] = pt;
      hS[i] = hS[p]!;
      hL[i] = hL[p]!;
      i = p;
    }
    hT[i] = time;
    hS[i] = seq;
    hL[i] = slot;
  }

  private popTop(): void {
    const n = --this.hSize;
    if (n === 0) return;
    this.hTime[0] = this.hTime[n]!;
    this.hSeq[0] = this.hSeq[n]!;
    this.hSlot[0] = this.hSlot[n]!;
    this.siftDown(0);
  }

  private grow(): void {
    const cap = this.hTime.length * 2;
    const t = new Float64Array(cap);
    t.set(this.hTime);
    const s = new Float64Array(cap);
    s.set(this.hSeq);
    const l = new Int32Array(cap);
    l.set(this.hSlot);
    this.hTime = t;
    this.hSeq = s;
    this.hSlot = l;
  }

  /** Drop cancelled entries in place and re-heapify (Floyd, O(n)); order among live events is unchanged ((time, seq) is total). */
  private compact(): void {
    const hT = this.hTime;
    const hS = this.hSeq;
    const hL = this.hSlot;
    let n = 0;
    for (let i = 0; i < this.hSize; i++) {
      const slot = hL[i]!;
      if (this.fns[slot] === null) {
        this.freeSlot(slot);
        continue;
      }
      hT[n] = hT[i]!;
      hS[n] = hS[i]!;
      hL[n] = slot;
      n++;
    }
    this.hSize = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const n = this.hSize;
    const hT = this.hTime;
    const hS = this.hSeq;
    const hL = this.hSlot;
    const time = hT[start]!;
    const seq = hS[start]!;
    const slot = hL[start]!;
    let i = start;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = hT[c]!;
      let cs = hS[c]!;
      const r = c + 1;
      if (r < n) {
        const rt = hT[r]!;
        const rs = hS[r]!;
        if (rt < ct || (rt === ct && rs < cs)) {
          c = r;
          ct = rt;
          cs = rs;
        }
      }
      if (time < ct || (time === ct && seq < cs)) break;
      hT[i] = ct;
      hS[i] = cs;
      hL[i] = hL[c]!;
      i = c;
    }
    hT[i] = time;
    hS[i] = seq;
    hL[i] = slot;
  }
}
