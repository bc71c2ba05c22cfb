// The form a simulated run and a real one are compared in: PSYNC decisions with a short reason code,
// role changes, replication id changes with ids as labels. Built alike from the simulator's trace
// events and from events read from real logs (log-events.ts): equal lists, the same behaviour.

/** Why a master decided a PSYNC, as a code both worlds can give. */
export type PsyncWhy =
  | 'requested-full'
  | 'replid-mismatch'
  | 'second-id-offset'
  | 'lack-of-backlog'
  | 'replid'
  | 'replid2'
  | 'unresolved'
  | `unknown: ${string}`;

export type Comparable =
  | { kind: 'psync'; node: string; replica: string; decision: 'continue' | 'full'; why: PsyncWhy }
  | { kind: 'role'; node: string; role: 'master' | 'slave'; master: string | null }
  /** `replid` null: the log does not print the new id (backlog-ttl), so neither side labels it. */
  | { kind: 'replid'; node: string; why: string; replid: string | null; replid2: string };

/**
 * The reason strings of the simulator (sim/redis/psync.ts decidePartial()) and of log-events.ts,
 * with the log line each comes from (7.0.15 masterTryPartialResynchronization(), loglevel notice).
 */
export const PSYNC_REASONS: readonly { why: PsyncWhy; reason: RegExp; sim: string; log: string }[] = [
  { why: 'requested-full', reason: /^full resync requested by replica$/, sim: 'full resync requested by replica', log: 'Full resync requested by replica <addr>' },
  { why: 'replid-mismatch', reason: /^replication ID mismatch$/, sim: 'replication ID mismatch', log: "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '<id>', my replication IDs are '<id>' and '<id>')" },
  { why: 'second-id-offset', reason: /^requested offset for second ID was -?\d+, but I can reply up to -?\d+$/, sim: 'requested offset for second ID was N, but I can reply up to M', log: 'Partial resynchronization not accepted: Requested offset for second ID was N, but I can reply up to M' },
  // the log says the same for both: the simulator's "no backlog" and "out of range" are one code
  { why: 'lack-of-backlog', reason: /^lack of backlog\b/, sim: 'lack of backlog (no backlog) | lack of backlog (wanted N, have A..B)', log: 'Unable to partial resync with replica <addr> for lack of backlog (Replica request was: N).' },
  { why: 'replid', reason: /^replid match$/, sim: 'replid match', log: 'Partial resynchronization request from <addr> accepted. ... and the replica keeps its id' },
  { why: 'replid2', reason: /^replid2 match$/, sim: 'replid2 match', log: '... accepted, and the replica logs "Master replication ID changed to <id>"' },
  { why: 'unresolved', reason: /^accepted$/, sim: '(none)', log: '... accepted, with no request from the replica to pair it with (its log missing)' },
];

export function psyncWhy(reason: string): PsyncWhy {
  for (const r of PSYNC_REASONS) if (r.reason.test(reason)) return r.why;
  return `unknown: ${reason}`;
}

/** Any event with a type: the simulator's TraceEvent or a LogEvent. */
export type EventLike = { readonly type: string; readonly [field: string]: unknown };

const ZERO_ID = '0'.repeat(40);

/** A, B, ..., Z, AA, AB, ... */
function labelName(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** A record with the time of the event it came from (µs, that run's clock): not compared, only ranks differences. */
export type Timed<C extends Comparable = Comparable> = C & { t?: number };

/**
 * The comparable records of a run's events. Order: node by node (sorted by name); for each, its role
 * and id changes in order, then its PSYNC decisions replica by replica (sorted), each in order. The
 * order between nodes, and between two replicas' PSYNCs at one master, is a race on real processes,
 * so it is not compared. Ids become labels in order of first appearance in that order; 40 zeros is
 * '0', an id the log did not give '?'. A role record is a change of role or master from what the
 * node's start (or its previous role event) said. `time`: each record also carries its event's `t`
 * (firstDifference() then names the earliest difference rather than the first in this order).
 */
export function comparableEvents(events: readonly EventLike[], opts: { time?: boolean } = {}): Timed[] {
  const own = new Map<string, Timed[]>();
  const psyncs = new Map<string, Map<string, Timed[]>>();
  const state = new Map<string, { role: unknown; master: unknown }>();
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  const at = (e: EventLike) => (opts.time && typeof e.t === 'number' ? { t: e.t } : {});
  for (const e of events) {
    const node = e.node;
    if (typeof node !== 'string') continue;
    if (e.type === 'redis.start') {
      state.set(node, { role: e.role, master: e.master_host ?? null });
    } else if (e.type === 'redis.role') {
      const before = state.get(node);
      const master = (e.master_host ?? null) as string | null;
      if (!before || before.role !== e.role || before.master !== master) {
        push(own, node, { kind: 'role', node, role: e.role as 'master' | 'slave', master, ...at(e) });
      }
      state.set(node, { role: e.role, master });
    } else if (e.type === 'redis.replid') {
      const replid = e.reason === 'backlog-ttl' || typeof e.replid !== 'string' ? null : e.replid;
      const replid2 = typeof e.replid2 === 'string' ? e.replid2 : '?';
      push(own, node, { kind: 'replid', node, why: String(e.reason), replid, replid2, ...at(e) });
    } else if (e.type === 'redis.psync') {
      const replica = String(e.replica);
      let byReplica = psyncs.get(node);
      if (!byReplica) psyncs.set(node, (byReplica = new Map()));
      push(byReplica, replica, { kind: 'psync', node, replica, decision: e.result as 'continue' | 'full', why: psyncWhy(String(e.reason)), ...at(e) });
    }
  }
  const out: Timed[] = [];
  for (const node of sorted(new Set([...own.keys(), ...psyncs.keys()]))) {
    out.push(...(own.get(node) ?? []));
    const byReplica = psyncs.get(node);
    if (byReplica) for (const r of sorted(byReplica.keys())) out.push(...byReplica.get(r)!);
  }
  const labels = new Map<string, string>([[ZERO_ID, '0'], ['?', '?']]);
  const label = (id: string) => {
    if (!labels.has(id)) labels.set(id, labelName(labels.size - 2));
    return labels.get(id)!;
  };
  return out.map((c) => (c.kind === 'replid' ? { ...c, replid: c.replid === null ? null : label(c.replid), replid2: label(c.replid2) } : c));
}

const sorted = (keys: Iterable<string>) => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The sequence a record belongs to: a node's own changes ("r1"), or one replica's PSYNCs at a master ("r1 <- r2"). */
export function streamOf(c: Comparable): string {
  return c.kind === 'psync' ? `${c.node} <- ${c.replica}` : c.node;
}

/** One line for a record: "m: PSYNC from r1 full (replid-mismatch)", "r1: role master", ... */
export function formatComparable(c: Comparable): string {
  if (c.kind === 'psync') return `${c.node}: PSYNC from ${c.replica} ${c.decision} (${c.why})`;
  if (c.kind === 'role') return `${c.node}: role ${c.role}${c.master !== null ? ` of ${c.master}` : ''}`;
  return `${c.node}: replid ${c.replid ?? '(not logged)'}, replid2 ${c.replid2} (${c.why})`;
}

/** Equal records, `t` aside. */
export function sameRecord(a: Comparable, b: Comparable): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) if (k !== 't' && x[k] !== y[k]) return false;
  return true;
}

export interface Difference {
  /** The sequence it is in (streamOf()), and the record's position in it. */
  stream: string;
  index: number;
  /** The record on each side; null where that side has none (its sequence ended). */
  a: Timed | null;
  b: Timed | null;
}

/**
 * Where two lists of records differ, sequence by sequence (streamOf()); null when they are equal.
 * Of the sequences that differ, the one whose differing record came first (by `t` on either side:
 * both clocks count from their run's start) is named; without times, the first in list order.
 */
export function firstDifference(a: readonly Timed[], b: readonly Timed[]): Difference | null {
  const group = (list: readonly Timed[]) => {
    const m = new Map<string, Timed[]>();
    for (const c of list) {
      const k = streamOf(c);
      const l = m.get(k);
      if (l) l.push(c);
      else m.set(k, [c]);
    }
    return m;
  };
  const ga = group(a);
  const gb = group(b);
  const streams = [...new Set([...ga.keys(), ...gb.keys()])];
  let best: { d: Difference; when: number; order: number } | null = null;
  streams.forEach((stream, order) => {
    const xs = ga.get(stream) ?? [];
    const ys = gb.get(stream) ?? [];
    for (let i = 0; i < Math.max(xs.length, ys.length); i++) {
      const x = xs[i] ?? null;
      const y = ys[i] ?? null;
      if (x !== null && y !== null && sameRecord(x, y)) continue;
      const times = [x?.t, y?.t].filter((t): t is number => typeof t === 'number');
      const when = times.length > 0 ? Math.min(...times) : Number.POSITIVE_INFINITY;
      if (best === null || when < best.when || (when === best.when && order < best.order)) best = { d: { stream, index: i, a: x, b: y }, when, order };
      return;
    }
  });
  return best === null ? null : (best as { d: Difference }).d;
}
