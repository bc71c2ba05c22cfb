// The simulator's properties on a real run, those whose facts a real run observes, fed with events in
// the shape they expect, built from what the run saw: the servers' logs (log-events.ts), the writes
// the steps sent and their replies (writes.ts), and the per-step observations (INFO, DEBUG DIGEST).
//  - counter-sanity: each node's PSYNC decisions from its own log against the sync counters of its
//    INFO stats, in log order: an observation sits between the log lines written before it was read
//    and those after (the log's size before the MULTI and after the EXEC); one read while a line
//    that moves a counter was written is ambiguous and not judged;
//  - acknowledged-writes, split-brain: the writes against the roles, starts, stops, full syncs and
//    FAILOVERs of every node's log (a crash from the moment the runner killed the process), in one
//    order. Which events came before a write is known exactly, not from clocks (the log's has 1 ms
//    steps): each write carries every log's size and the crash count when it was sent, and an event
//    within them came before it; any other may have come after it (the property's generous side).
//    The events keep the logs' clock, moved just enough to fall on their side of each write;
//  - the final values read from the one master at the end, as the simulator's final view.
import type { TraceEvent } from '../../trace-events.js';
import type { LogEvent } from './log-events.js';
import type { RealWrite } from './writes.js';
import { AcknowledgedWrites } from '../../../properties/acknowledged-writes.js';
import { CounterSanity } from '../../../properties/counter-sanity.js';
import { SplitBrain } from '../../../properties/split-brain.js';
import { changesNoKey, dbKey } from '../../../properties/client-ops.js';
import { isTracked, recordedAs } from '../../scenario/steps/client-ops.js';
import { DATA_COMMAND_NAMES } from '../../redis/commands.js';
import type { FinalView, Property, Violation } from '../../../properties/types.js';
import type { PropertyReport } from '../../../properties/index.js';

/** The properties judged here, in the registry's order. */
export const JUDGED_HERE = ['counter-sanity', 'acknowledged-writes', 'split-brain'] as const;

type ObsEvent = Extract<TraceEvent, { type: 'redis.obs' }>;

/** A per-step observation, with the size in bytes of the node's log before it was asked for and after it came. */
export interface RealObservation {
  event: ObsEvent;
  logFrom: number;
  logTo: number;
}

export interface RealJudgeInput {
  /** Each node's own log events (parseRedisLog, with line numbers), and its log's bytes. */
  logs: ReadonlyMap<string, { events: readonly LogEvent[]; text: Buffer }>;
  /** All nodes' events on one clock (mergeLogEvents, crashes included). */
  merged: readonly LogEvent[];
  writes: readonly RealWrite[];
  observations: readonly RealObservation[];
  statResets: readonly { node: string; t: number; logFrom: number; logTo: number }[];
  /** The one master at the end (null: none, or more than one) and the values read from it (dbKey -> value). */
  final: { master: string | null; values: ReadonlyMap<string, string | null> };
  /** The scenario's `properties` (a name set to false is not judged). */
  enabled: Readonly<Record<string, boolean>>;
}

const DATA = new Set(DATA_COMMAND_NAMES);
/** Beyond changesNoKey()'s: commands that change no key here (DEBUG RELOAD NOSAVE's rollback is a loss to report). */
const REAL_NO_KEY_CHANGE = new Set(['DEBUG', 'PUBLISH', 'SUBSCRIBE']);

/**
 * A write as the simulator's trace records it (x.write), or null when it changes no key. A command
 * the simulator has (SET, INCR, FLUSHALL ...) is recorded as its command step records it; any other
 * that may change keys (FLUSHDB, HSET, EVAL ...) is judged as a FLUSHALL: the keys it touched are
 * not known here, so nothing written before it is judged.
 */
export function asTraceWrite(w: RealWrite): TraceEvent | null {
  const name = (w.args[0] ?? '').toUpperCase();
  let cmd: string;
  if (DATA.has(name)) {
    if (!isTracked(name)) return null;
    cmd = recordedAs(w.args) ?? name;
  } else if (changesNoKey(name) || REAL_NO_KEY_CHANGE.has(name)) return null;
  else cmd = 'FLUSHALL';
  return {
    t: w.completed, type: 'x.write', node: w.node, db: w.db, cmd, key: w.args[1] ?? null, value: cmd === 'SET' ? w.args[2] : null,
    acked: w.outcome === 'ok', invoked: w.invoked, outcome: w.outcome,
  } as TraceEvent;
}

/** A log event as the properties read it (the fields a log does not give are not read by them). */
function asTraceEvent(e: LogEvent): TraceEvent | null {
  if (e.type === 'x.psync-request') return null;
  if (e.type === 'redis.start') return { ...e, master_host: e.master_host ?? null } as unknown as TraceEvent;
  if (e.type === 'redis.psync') {
    // only `PSYNC ? -1` logs "Full resync requested": every other decision line follows an id that
    // was named (the second-id and backlog checks run only once the id matched), so sync_partial_err moves
    return { ...e, requested_replid: e.reason === 'full resync requested by replica' ? '?' : (e.requested_replid ?? 'named') } as unknown as TraceEvent;
  }
  return e as unknown as TraceEvent;
}

/** Where each line of a log ends, to tell how many lines its first n bytes hold. */
class LineEnds {
  private readonly ends: number[] = [];
  constructor(text: Buffer) {
    for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) this.ends.push(i);
  }
  /** Lines that end within the first `bytes` bytes. */
  within(bytes: number): number {
    return firstIndex(this.ends.length, (i) => this.ends[i]! >= bytes);
  }
}

/** The first i in 0..n with pred(i), pred monotone (n when none). */
function firstIndex(n: number, pred: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The events that move a node's sync counters or reset what counter-sanity expects. */
const movesCounters = (e: LogEvent) => e.type === 'redis.psync' || e.type === 'redis.start' || (e.type === 'redis.replid' && e.reason === 'full-sync');

/** counter-sanity's events, node by node, each node's in its log order; and how many observations were not judged. */
function counterStream(input: RealJudgeInput): { events: TraceEvent[]; ambiguous: number } {
  const out: TraceEvent[] = [];
  let ambiguous = 0;
  for (const [node, log] of [...input.logs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const items: { at: number; t: number; e: TraceEvent | 'blind' }[] = [];
    const lines = new LineEnds(log.text);
    const moving = log.events.filter((e) => e.line > 0 && movesCounters(e));
    const movedBetween = (from: number, to: number) => moving.some((e) => e.line > from && e.line <= to);
    for (const e of moving) items.push({ at: 2 * e.line, t: e.t, e: asTraceEvent(e)! });
    for (const o of input.observations) {
      if (o.event.node !== node) continue;
      const from = lines.within(o.logFrom);
      if (movedBetween(from, lines.within(o.logTo))) ambiguous++;
      else items.push({ at: 2 * from + 1, t: o.event.t, e: o.event });
    }
    for (const r of input.statResets) {
      if (r.node !== node) continue;
      const from = lines.within(r.logFrom);
      const to = lines.within(r.logTo);
      // a counter moved around the reset: which came first is not known, so the node's readings
      // are not judged until it restarts
      items.push({ at: 2 * to + 1, t: r.t, e: movedBetween(from, to) ? 'blind' : ({ t: r.t, type: 'redis.resetstat', node } as TraceEvent) });
    }
    items.sort((a, b) => a.at - b.at || a.t - b.t);
    let blind = false;
    for (const it of items) {
      if (it.e === 'blind') blind = true;
      else if (it.e.type === 'redis.start') blind = false;
      if (it.e === 'blind') continue;
      if (blind && it.e.type === 'redis.obs') ambiguous++;
      else out.push(it.e);
    }
  }
  return { events: out, ambiguous };
}

/**
 * acknowledged-writes' and split-brain's events. Each log event's rank is the first write (in the
 * order sent) whose snapshot holds it; ranks grow along the logs' clock (a line written after a
 * snapshot has a clock at or past every line before it), so ordered by (clock, rank) the events each
 * write saw are a prefix. An event's time is its clock moved into [sent of the last write that did
 * not see it, sent of the first that did): each write finds exactly what it saw before it.
 */
function timeStream(input: RealJudgeInput): TraceEvent[] {
  const writes = input.writes.map((w, i) => [w, i] as const).sort((a, b) => a[0].invoked - b[0].invoked || a[1] - b[1]).map(([w]) => w);
  const lineEnds = new Map([...input.logs].map(([n, l]) => [n, new LineEnds(l.text)]));
  // per node, the lines each write's snapshot holds (non-decreasing in the order sent)
  const held = new Map([...lineEnds].map(([n, le]) => [n, writes.map((w) => le.within(w.seen.logs[n] ?? 0))]));
  let crashNo = 0;
  const ranked = input.merged.flatMap((e, i) => {
    const ev = asTraceEvent(e);
    if (ev === null) return [];
    // a crash the runner made (line 0) is held by the snapshots taken after it; a log line by those whose log reached it
    const rank = e.line === 0 ? ((no) => firstIndex(writes.length, (k) => writes[k]!.seen.kills > no))(crashNo++) : firstIndex(writes.length, (k) => (held.get(e.node)?.[k] ?? 0) >= e.line);
    return [{ e: ev, t: e.t, rank, i }];
  });
  ranked.sort((a, b) => a.t - b.t || a.rank - b.rank || a.i - b.i);
  const items: { t: number; k: number; e: TraceEvent }[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const r of ranked) {
    const lo = r.rank > 0 ? writes[r.rank - 1]!.invoked : Number.NEGATIVE_INFINITY;
    const hi = r.rank < writes.length ? writes[r.rank]!.invoked - 1 : Number.POSITIVE_INFINITY;
    last = Math.max(last, lo, Math.min(hi, r.t));
    items.push({ t: last, k: 0, e: { ...r.e, t: last } as TraceEvent });
  }
  for (const w of writes) {
    const ev = asTraceWrite(w);
    if (ev) items.push({ t: ev.t, k: 1, e: ev });
  }
  // a stable sort: events of one time keep their order, a log event before a write's reply
  return items.sort((a, b) => a.t - b.t || a.k - b.k).map((x) => x.e);
}

function report(p: Property, extraNotes: string[] = []): PropertyReport {
  return { violations: p.violations.length, checked: p.checked(), stats: p.stats(), notes: [...p.notes(), ...extraNotes] };
}

/** The properties judged here on a real run: their reports (the simulator's shape) and violations. */
export function judgeReal(input: RealJudgeInput): { reports: Record<string, PropertyReport>; violations: Violation[] } {
  const on = (name: string) => input.enabled[name] !== false;
  const reports: Record<string, PropertyReport> = {};
  const violations: Violation[] = [];
  const view: FinalView = {
    master: input.final.master,
    get: (node, db, key) => (node === input.final.master ? input.final.values.get(dbKey(db, key)) ?? null : null),
  };
  if (on('counter-sanity')) {
    const p = new CounterSanity();
    const { events, ambiguous } = counterStream(input);
    for (const e of events) p.onEvent(e);
    p.finish(view);
    reports[p.name] = report(p, ambiguous > 0 ? [`${ambiguous} observation(s) not judged: a line that moves a sync counter was logged while they were read`] : []);
    violations.push(...p.violations);
  }
  const timed = on('acknowledged-writes') || on('split-brain') ? timeStream(input) : [];
  for (const p of [on('acknowledged-writes') ? new AcknowledgedWrites() : null, on('split-brain') ? new SplitBrain() : null]) {
    if (p === null) continue;
    for (const e of timed) p.onEvent(e);
    p.finish(view);
    reports[p.name] = report(p);
    violations.push(...p.violations);
  }
  return { reports, violations };
}

/** The (db, key) of every plain SET that may have been applied: what the final view reads from the master. */
export function keysToRead(writes: readonly RealWrite[]): { db: number; key: string }[] {
  const seen = new Map<string, { db: number; key: string }>();
  for (const w of writes) {
    if (w.outcome === 'fail' || (w.args[0] ?? '').toUpperCase() !== 'SET' || w.args.length !== 3) continue;
    seen.set(dbKey(w.db, w.args[1]!), { db: w.db, key: w.args[1]! });
  }
  return [...seen.values()];
}
