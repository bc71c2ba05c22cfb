// simulate(): the library's front door. Validates and resolves a scenario, builds the world, runs the
// steps and the fault phase, and returns the result that the CLI renders and writes as artifacts.

import { World } from '../cluster/world.js';
import { Runner, type Failure, type RefusedWrites, type Snapshot } from '../scenario/runner.js';
import { validateSeed, type Seed } from '../kernel/rng.js';
import { TRACE_VERSION, type TraceListener, type TraceSink } from '../kernel/trace.js';
import { hashText } from '../kernel/hash.js';
import { LimitExceeded } from '../errors.js';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import type { LinkParams } from '../net/links.js';
import { infoFields, type InfoValue } from '../redis/info.js';
import type { MutantName } from '../redis/mutants.js';
import type { ClientEvent, SentinelEvent, TraceEvent } from '../trace-events.js';
import type { AcknowledgedWrites, LostWrite } from '../../properties/acknowledged-writes.js';
import { PropertySet, LIVENESS_PROPERTIES, type PropertyReport, type FinalView } from '../../properties/index.js';
import type { World as WorldT } from '../cluster/world.js';
import { isError } from '../redis/reply.js';

export const TOOL_VERSION = '0.1.0';
export const RESULT_FORMAT = 1;

export interface SimulateOptions {
  seed?: Seed;
  /**
   * Receives every trace line as the run goes (e.g. a JSONL file): a `trace.header` line first, then
   * the events (the hashed stream), then unhashed `trace.failure` and `trace.verdict` lines and a
   * `trace.footer` last (README, "Determinism and the trace").
   */
  sink?: TraceSink;
  /** Switch on one named protocol bug for this run (see sim/redis/mutants.ts). */
  mutant?: MutantName | null;
  /** Stop the run after this many events (default DEFAULT_MAX_EVENTS): a liveness failure with `limit: "max-events"`. */
  maxEvents?: number;
  /** Stop the run when its virtual clock would pass this (default DEFAULT_MAX_SIM_TIME_US): `limit: "max-sim-time"`. */
  maxSimTimeUs?: number;
  /**
   * Called every CHECK_EVERY (16384) events with the events run so far. A harness (never simulated
   * code) may throw a LimitExceeded from it, e.g. on a wall-clock timeout (`limit: "timeout"`); the
   * run then ends like one stopped by its other limits.
   */
  budgetHook?: (eventsRun: number) => void;
  /** Name of the scenario's source, for error messages. */
  source?: string;
  /** Trace listeners attached before the first event (they see every node's start at t=0). */
  observers?: TraceListener[];
}

/** Default limits of a run: generous for any built-in or swarm scenario, short enough that a runaway run ends in seconds. */
export const DEFAULT_MAX_EVENTS = 20_000_000;
export const DEFAULT_MAX_SIM_TIME_US = 86_400_000_000; // 24 h: room for day-long soak scenarios, and a runaway sleep still ends in seconds

/** The summary keeps the first and the last this many events of a long run (so its size is bounded). */
export const SUMMARY_HEAD = 1000;
export const SUMMARY_TAIL = 1000;

/**
 * pass: everything held. fail: an expectation or a safety property failed (whatever else happened).
 * liveness: no safety failure, but something did not happen in time: a wait, the convergence after
 * the faults, or the run itself, stopped by a limit (its failure carries `limit`: the flag to raise).
 */
export type RunStatus = 'pass' | 'fail' | 'liveness';

/** Safety outranks liveness: any expectation or property failure makes the run `fail`, however many liveness failures it also had. */
export function runStatus(failures: readonly Failure[]): RunStatus {
  if (failures.some((f) => f.kind !== 'liveness')) return 'fail';
  return failures.length > 0 ? 'liveness' : 'pass';
}

/**
 * A node at the end of the run: its INFO fields with Redis's names and values (`role`,
 * `master_host`, `master_repl_offset`, ...) side by side with `running`, `digest`, `dbsize` (keys in
 * db 0) and `keys` (all dbs). A node that is down has only the last four, null.
 */
export type NodeReport = {
  running: boolean;
  digest: string | null;
  dbsize: number | null;
  keys: number | null;
} & Record<string, InfoValue | boolean | null>;

/** The events a person reads to follow a run: syncs, role and id changes, failovers, faults. */
export type SummaryEvent = { t: number; type: string; [k: string]: unknown };

export interface RunResult {
  format: number;
  tool_version: string;
  scenario: string;
  seed: Seed;
  status: RunStatus;
  failures: Failure[];
  nodes: Record<string, NodeReport>;
  events: SummaryEvent[];
  /** `events_omitted`: summary events left out of the middle of a long run (present only when some were). */
  stats: { events: number; trace_events: number; simulated_us: number; writes: number; acked_writes: number; events_omitted?: number };
  trace_hash: string;
  parameters: { network: LinkParams; mutant: MutantName | null };
  /** Each property checked: its violations count, figures and notes (e.g. missed partial syncs). */
  properties: Record<string, PropertyReport>;
  /** `write` steps whose node refused some writes (present only when one did). */
  refused_writes?: RefusedWrites[];
  /** What the scenario's `snapshot` steps recorded, in step order (absent when it has none). */
  snapshots?: Snapshot[];
  /** What the application clients did (present only when the scenario has clients). */
  history?: HistoryReport;
}

/**
 * The clients' operations, Jepsen-style: per client how many ended ok / fail / info, and the
 * operations themselves (the first and the last HISTORY_KEEP of a long run; `omitted` in between).
 */
export interface HistoryReport {
  by_client: Record<string, { ok: number; fail: number; info: number }>;
  ops: ClientEvent[];
  omitted: number;
  /** Acknowledged writes the final master does not have, each with the event it is attributed to (the first 100). */
  lost: LostWrite[];
}

export const HISTORY_KEEP = 500;

class HistoryCollector {
  private readonly ops = new HeadTail<ClientEvent>(HISTORY_KEEP, HISTORY_KEEP);
  private readonly byClient: Record<string, { ok: number; fail: number; info: number }> = {};
  constructor(clients: readonly string[]) {
    for (const c of clients) this.byClient[c] = { ok: 0, fail: 0, info: 0 };
  }
  onEvent(e: TraceEvent): void {
    if (e.type !== 'client.op') return;
    const op = e as ClientEvent;
    this.byClient[op.client]![op.outcome]++;
    this.ops.push(op);
  }
  report(lost: LostWrite[]): HistoryReport {
    return { by_client: this.byClient, ops: this.ops.items(), omitted: this.ops.omitted, lost };
  }
}

/**
 * What the properties may read at the end: the single running master, and GETs as a client. A run
 * cut short by a limit has no final master to check the end state against (its writes may still be
 * on their way): only the checks made along the way count.
 */
function finalView(w: WorldT, cut: boolean): FinalView {
  const masters = w.nodeNames.filter((n) => w.isRunning(n) && w.node(n).isMaster);
  return {
    master: masters.length === 1 && !cut ? masters[0]! : null,
    get(node, db, key) {
      if (!w.isRunning(node)) return null;
      const n = w.node(node);
      const c = n.createClient();
      n.call(c, ['SELECT', String(db)]);
      const r = n.call(c, ['GET', key]);
      return typeof r === 'string' && !isError(r) ? r : null;
    },
  };
}

const SUMMARY_TYPES = new Set(['redis.psync', 'redis.role', 'redis.replid', 'redis.failover', 'redis.failover-abort', 'redis.start', 'redis.stop', 'redis.replica-drop', 'redis.timeout', 'net.partition', 'net.heal', 'host.crash']);

/** The Sentinel events worth a line in a run's summary: its decisions, not its discoveries. */
const SUMMARY_SENTINEL = new Set(['+sdown', '+odown', '+try-failover', '+elected-leader', '+selected-slave', '+promoted-slave', '+switch-master', '+convert-to-slave', '+fix-slave-config', '-failover-abort-not-elected', '-failover-abort-no-good-slave', '+failover-end-for-timeout', '+tilt', '-tilt']);

export function simulate(input: Scenario | unknown, opts: SimulateOptions = {}): RunResult {
  // the document (parameters bound) goes into the trace header; the run uses only the resolved form
  const { document: sc, resolved: rs } = loadScenario(input, opts.source ?? 'scenario');
  const seed = validateSeed(opts.seed ?? rs.seed ?? 1);
  const network = rs.network;
  const summary = new HeadTail<SummaryEvent>(SUMMARY_HEAD, SUMMARY_TAIL);
  // written before the first event; not part of the trace hash
  opts.sink?.write(JSON.stringify({ type: 'trace.header', trace_version: TRACE_VERSION, tool_version: TOOL_VERSION, scenario: sc.name, scenario_hash: hashText(JSON.stringify(sc)), seed, mutant: opts.mutant ?? null, source: opts.source ?? null, resolved: sc }));
  const props = new PropertySet(rs.properties);
  // per event type: summarized always, never, or (a Sentinel's) by its event name
  const summaryKind = new Map<string, 'all' | 'none' | 'sentinel'>();
  const summarize = (e: TraceEvent) => {
    let kind = summaryKind.get(e.type);
    if (kind === undefined) {
      const type = e.type;
      kind = SUMMARY_TYPES.has(type) || type.startsWith('x.orch') || type.startsWith('x.fault') ? 'all' : type === 'sentinel.event' ? 'sentinel' : 'none';
      summaryKind.set(type, kind);
    }
    if (kind === 'all' || (kind === 'sentinel' && SUMMARY_SENTINEL.has((e as SentinelEvent).event))) summary.push(e as SummaryEvent);
  };
  const clientNames = Object.keys(rs.clients);
  const history = clientNames.length > 0 ? new HistoryCollector(clientNames) : null;
  const w = new World({
    seed,
    observers: [summarize, (e) => props.onEvent(e), ...(history ? [(e: TraceEvent) => history.onEvent(e)] : []), ...(opts.observers ?? [])],
    clients: rs.clients,
    sentinels: rs.sentinels,
    network,
    config: rs.config,
    nodes: rs.nodes,
    ...(opts.sink ? { sink: opts.sink } : {}),
    maxEvents: opts.maxEvents ?? DEFAULT_MAX_EVENTS,
    maxTimeUs: opts.maxSimTimeUs ?? DEFAULT_MAX_SIM_TIME_US,
    ...(opts.budgetHook ? { budgetHook: opts.budgetHook } : {}),
    mutant: opts.mutant ?? null,
  });
  const runner = new Runner(w, rs);
  let cut = false;
  try {
    runner.run();
  } catch (e) {
    if (!(e instanceof LimitExceeded)) throw e;
    cut = true;
    runner.failures.push({ kind: 'liveness', limit: e.limit, message: e.message, time_us: w.sched.nowUs });
  }
  // a last observation of every running node, so that a divergence made since the last cron tick
  // (a write to a writable replica just before the end) is still seen by the properties; emitted
  // even when unchanged, so every trace ends with the state of each node that is up
  for (const name of w.nodeNames) if (w.isRunning(name)) w.node(name).observe('end', true);
  for (const c of w.clients.values()) c.endRun();
  const nodes: Record<string, NodeReport> = {};
  for (const name of w.nodeNames) {
    const n = w.nodeOrNull(name);
    nodes[name] = n
      ? { running: true, ...infoFields(n), digest: n.ds.digest(), dbsize: n.ds.dbsize(0), keys: n.ds.totalKeys() }
      : { running: false, digest: null, dbsize: null, keys: null };
  }
  for (const v of props.finish(finalView(w, cut))) {
    runner.failures.push({ kind: LIVENESS_PROPERTIES.has(v.property) ? 'liveness' : 'property', property: v.property, message: `${v.property}: ${v.message}`, time_us: v.time_us, node: [...v.nodes] });
  }
  const failures = runner.failures.map((f, i) => [f, i] as const).sort((a, b) => a[0].time_us - b[0].time_us || a[1] - b[1]).map(([f]) => f);
  const status = runStatus(failures);
  const result: RunResult = {
    format: RESULT_FORMAT,
    tool_version: TOOL_VERSION,
    scenario: rs.name,
    seed,
    status,
    failures,
    nodes,
    events: summary.items(),
    stats: {
      events: w.sched.eventsRun,
      trace_events: w.trace.count,
      simulated_us: w.sched.nowUs,
      writes: runner.writesTotal,
      acked_writes: runner.writesAcked,
      ...(summary.omitted > 0 ? { events_omitted: summary.omitted } : {}),
    },
    trace_hash: w.trace.digest(),
    parameters: { network, mutant: opts.mutant ?? null },
    properties: props.report(),
    ...(runner.refusedWrites.length > 0 ? { refused_writes: runner.refusedWrites } : {}),
    ...(runner.snapshots.length > 0 ? { snapshots: runner.snapshots } : {}),
    ...(history ? { history: history.report((props.get('acknowledged-writes') as AcknowledgedWrites | undefined)?.lostWrites ?? []) } : {}),
  };
  if (opts.sink) writeTraceTail(opts.sink, result);
  return result;
}

/**
 * The lines after the last event, none of them hashed (the trace hash covers events only): each
 * failure, each property's verdict with its figures and notes, and a footer naming the status and
 * the trace hash. A trace file without a footer is the trace of a run that did not finish.
 */
function writeTraceTail(sink: TraceSink, r: RunResult): void {
  for (const f of r.failures) sink.write(JSON.stringify({ type: 'trace.failure', ...f }));
  for (const [property, p] of Object.entries(r.properties)) sink.write(JSON.stringify({ type: 'trace.verdict', property, held: p.violations === 0, ...p }));
  sink.write(JSON.stringify({ type: 'trace.footer', status: r.status, failures: r.failures.length, trace_hash: r.trace_hash, trace_events: r.stats.trace_events }));
}

/** The first `head` and the last `tail` items pushed, and how many were left out between them. */
export class HeadTail<T> {
  private readonly first: T[] = [];
  private readonly ring: T[] = [];
  private next = 0;
  omitted = 0;
  constructor(
    private readonly head: number,
    private readonly tail: number,
  ) {}

  push(x: T): void {
    if (this.first.length < this.head) {
      this.first.push(x);
      return;
    }
    if (this.ring.length < this.tail) {
      this.ring.push(x);
      return;
    }
    if (this.tail === 0) {
      this.omitted++;
      return;
    }
    this.ring[this.next] = x;
    this.next = (this.next + 1) % this.tail;
    this.omitted++;
  }

  /** How many items are kept. */
  get size(): number {
    return this.first.length + this.ring.length;
  }

  /** The kept items, in the order they were pushed. */
  items(): T[] {
    return [...this.first, ...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
