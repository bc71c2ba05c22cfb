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
 * The reason strings of the simulator (sim/redis/master.ts decidePartial()) and of log-events.ts,
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

/**
 * The comparable records of a run's events. Order: node by node (sorted by name); for each, its role
 * and id changes in order, then its PSYNC decisions replica by replica (sorted), each in order. The
 * order between nodes, and between two replicas' PSYNCs at one master, is a race on real processes,
 * so it is not compared. Ids become labels in order of first appearance in that order; 40 zeros is
 * '0', an id the log did not give '?'. A role record is a change of role or master from what the
 * node's start (or its previous role event) said.
 */
export function comparableEvents(events: readonly EventLike[]): Comparable[] {
  const own = new Map<string, Comparable[]>();
  const psyncs = new Map<string, Map<string, Comparable[]>>();
  const state = new Map<string, { role: unknown; master: unknown }>();
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const e of events) {
    const node = e.node;
    if (typeof node !== 'string') continue;
    if (e.type === 'redis.start') {
      state.set(node, { role: e.role, master: e.master_host ?? null });
    } else if (e.type === 'redis.role') {
      const before = state.get(node);
      const master = (e.master_host ?? null) as string | null;
      if (!before || before.role !== e.role || before.master !== master) {
        push(own, node, { kind: 'role', node, role: e.role as 'master' | 'slave', master });
      }
      state.set(node, { role: e.role, master });
    } else if (e.type === 'redis.replid') {
      const replid = e.reason === 'backlog-ttl' || typeof e.replid !== 'string' ? null : e.replid;
      push(own, node, { kind: 'replid', node, why: String(e.reason), replid, replid2: typeof e.replid2 === 'string' ? e.replid2 : '?' });
    } else if (e.type === 'redis.psync') {
      const replica = String(e.replica);
      let byReplica = psyncs.get(node);
      if (!byReplica) psyncs.set(node, (byReplica = new Map()));
      push(byReplica, replica, { kind: 'psync', node, replica, decision: e.result as 'continue' | 'full', why: psyncWhy(String(e.reason)) });
    }
  }
  const sorted = (keys: Iterable<string>) => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Comparable[] = [];
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

/** One line for a record: "m: PSYNC from r1 full (replid-mismatch)", "r1: role master", ... */
export function formatComparable(c: Comparable): string {
  if (c.kind === 'psync') return `${c.node}: PSYNC from ${c.replica} ${c.decision} (${c.why})`;
  if (c.kind === 'role') return `${c.node}: role ${c.role}${c.master !== null ? ` of ${c.master}` : ''}`;
  return `${c.node}: replid ${c.replid ?? '(not logged)'}, replid2 ${c.replid2} (${c.why})`;
}

function same(a: Comparable, b: Comparable): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const k of keys) if (x[k] !== y[k]) return false;
  return true;
}

/** The first index where two lists differ (null when equal); a record missing on one side is null. */
export function firstDifference(a: readonly Comparable[], b: readonly Comparable[]): { index: number; a: Comparable | null; b: Comparable | null } | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === null || y === null || !same(x, y)) return { index: i, a: x, b: y };
  }
  return null;
}
