// `replsim diff FILE --seed N`: one scenario in the simulator and on real redis-server processes, and
// where the two differ: per-node fields at the end (ids and digests as labels, each side its own),
// and the first PSYNC decision, role change or id change that differs (comparable.ts).
import { simulate, type RunResult } from './simulate.js';
import type { Scenario } from '../scenario/types.js';
import type { ResolvedScenario } from '../scenario/resolve.js';
import { SNAPSHOT_FIELDS } from '../scenario/resolve.js';
import type { Snapshot } from '../scenario/runner.js';
import type { Seed } from '../kernel/rng.js';
import type { TraceEvent } from '../trace-events.js';
import { prepareReal, runReal, type RealRunOptions, type RealRunResult } from '../backends/real/run.js';
import { comparableEvents, firstDifference, type Difference, type EventLike } from '../backends/real/comparable.js';

/** The fields compared at the end of both runs (master_replid, master_replid2 and digest as labels). */
export const DIFF_FIELDS = ['running', ...SNAPSHOT_FIELDS] as const;

export type FinalView = Record<string, Record<string, string | number | boolean | null>>;

export interface FieldDifference {
  node: string;
  field: string;
  sim: string | number | boolean | null;
  real: string | number | boolean | null;
  /** An offset that differs by a whole number of PINGs (14 bytes each, real minus sim): how many. */
  pings?: number;
}

/** The bytes one replication PING adds to the offsets: *1\r\n$4\r\nPING\r\n. */
export const PING_BYTES = 14;
const MAX_PINGS = 20;
const OFFSET_FIELDS = new Set(['master_repl_offset', 'repl_backlog_histlen', 'second_repl_offset']);

export interface BackendDiff {
  same: boolean;
  fields: FieldDifference[];
  /** The first comparable event that differs; null when the sequences agree. */
  event: Difference | null;
  /** The first `snapshot` step that differs; null when all agree (or there are none). */
  snapshot: SnapshotDifference | null;
  /** How many snapshots both runs took. */
  snapshotsCompared: number;
  /**
   * What in this run real processes do differently every time (random packet loss, PINGs on each
   * process's own cron), so that a difference may be that rather than a bug; [] when nothing.
   */
  random: string[];
  sim: { status: RunResult['status']; failures: RunResult['failures']; final: FinalView };
  real: { status: RealRunResult['status']; failures: RealRunResult['failures']; final: FinalView; network: string; redis_server: string; warnings: string[] };
}

/**
 * The compared fields of every node, with replication ids as A, B, ... and digests as d1, d2, ... in
 * order of first appearance (nodes by name): equal labels on one side mean equal values there.
 */
export function finalView(nodes: Record<string, Record<string, unknown>>, fields: readonly string[] = DIFF_FIELDS): FinalView {
  const ids = new Map<string, string>();
  const digests = new Map<string, string>();
  const label = (m: Map<string, string>, v: string, name: (i: number) => string) => {
    if (!m.has(v)) m.set(v, name(m.size));
    return m.get(v)!;
  };
  const out: FinalView = {};
  for (const name of Object.keys(nodes).sort()) {
    const n = nodes[name]!;
    const v: Record<string, string | number | boolean | null> = {};
    for (const f of fields) {
      const x = n[f];
      // a node that is down has no fields (the simulator reports them null, a real run leaves them out)
      if (x === undefined || x === null) continue;
      if (f === 'master_replid' || f === 'master_replid2') v[f] = /^0+$/.test(String(x)) ? '0' : label(ids, String(x), (i) => String.fromCharCode(65 + i));
      else if (f === 'digest') v[f] = label(digests, String(x), (i) => `d${i + 1}`);
      else v[f] = x as string | number | boolean;
    }
    out[name] = v;
  }
  return out;
}

export function fieldDifferences(sim: FinalView, real: FinalView, compared: readonly string[] = DIFF_FIELDS): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const node of Object.keys(sim)) {
    const a = sim[node]!;
    const b = real[node] ?? {};
    // a node that is down on both sides has nothing more to compare
    const fields = a.running === false && b.running === false ? ['running'] : compared;
    for (const f of fields) {
      const x = a[f] ?? null;
      const y = b[f] ?? null;
      if (x === y) continue;
      // a few PINGs at most (a larger multiple of 14 is a coincidence), between two live offsets
      const pings = OFFSET_FIELDS.has(f) && typeof x === 'number' && typeof y === 'number' && x > 0 && y > 0 && (y - x) % PING_BYTES === 0 && Math.abs(y - x) <= MAX_PINGS * PING_BYTES ? (y - x) / PING_BYTES : undefined;
      out.push({ node, field: f, sim: x, real: y, ...(pings !== undefined ? { pings } : {}) });
    }
  }
  return out;
}

/** The first `snapshot` step whose recorded fields differ (each snapshot labelled on its own), or null. */
export interface SnapshotDifference {
  index: number;
  step: number;
  label: string;
  fields: FieldDifference[];
}

/**
 * INFO's slaveN lines as compared: the replica and its state. Its offset is the replica's last ACK and
 * its lag the whole seconds since it: both follow a 1 s cron and the wall clock's second boundaries.
 */
function comparableSlaves(nodes: Snapshot['nodes']): Snapshot['nodes'] {
  const keep = (v: string | number | null) => (typeof v === 'string' ? v.split(',').filter((p) => p.startsWith('ip=') || p.startsWith('state=')).join(',') : v);
  return Object.fromEntries(Object.entries(nodes).map(([n, f]) => [n, Object.fromEntries(Object.entries(f).map(([k, v]) => [k, /^slave\d+$/.test(k) ? keep(v) : v]))]));
}

export function snapshotDifference(sim: readonly Snapshot[], real: readonly Snapshot[]): SnapshotDifference | null {
  for (let i = 0; i < Math.max(sim.length, real.length); i++) {
    const a = sim[i];
    const b = real[i];
    if (!a || !b) {
      // one run ended before this snapshot (a liveness failure): that is the difference
      const s = (a ?? b)!;
      return { index: i, step: s.step, label: s.label, fields: [{ node: '*', field: 'taken', sim: a !== undefined, real: b !== undefined }] };
    }
    const fields = [...new Set(Object.values(a.nodes).flatMap((n) => Object.keys(n)))];
    const d = fieldDifferences(finalView(comparableSlaves(a.nodes), fields), finalView(comparableSlaves(b.nodes), fields), fields);
    if (d.length > 0) return { index: i, step: a.step, label: a.label, fields: d };
  }
  return null;
}

/**
 * What the real run of `sc` does at random or by its own clock, as sentences: packet loss (the
 * scenario's, and each `network` step's, with its moment in a replayed fault phase), and PINGs when
 * an offset differs by whole PINGs. Two real runs of such a scenario differ from each other too.
 */
export function realRandomness(sc: ResolvedScenario, plan: { first: number; last: number } | undefined, fields: readonly FieldDifference[], network: string, event: Difference | null = null): string[] {
  const out: string[] = [];
  const losses: string[] = [];
  if (sc.network.loss > 0) losses.push(`${sc.network.loss} on every link from the start`);
  let atUs = 0;
  let everywhere = sc.network.loss;
  sc.steps.forEach((step, i) => {
    const inPlan = plan !== undefined && i >= plan.first && i <= plan.last;
    if (inPlan && step.op === 'sleep') atUs += step.durationUs;
    if (step.op !== 'network' || step.change.loss === undefined) return;
    if (!step.between) {
      if (step.change.loss === everywhere) return; // no change (a phase puts the scenario's loss back at its end)
      everywhere = step.change.loss;
    }
    const where = step.between ? ` between ${step.between.join(' and ')}` : '';
    losses.push(`${step.change.loss}${where} from steps[${i}]${inPlan ? ` (${(atUs / 1e6).toFixed(1)} s into the fault phase)` : ''}`);
  });
  if (losses.some((l) => !l.startsWith('0 '))) {
    out.push(`packet loss: ${losses.join(', ')}. The real network drops packets at random (nft numgen), not the simulator's seeded draw: which messages wait for a retransmission, which connections time out or get through in time, differs between the two and from one real run to the next`);
    if (network === 'netns') out.push('retransmissions: the real namespaces cap the retransmission timeout at 1 s (tcp_rto_max_ms, see "Real backend: network"), the simulator backs off 200 ms, 400 ms, 800 ms, ... without a cap, so under heavy loss a real connection tends to get through sooner');
  }
  const ttl = [event?.a, event?.b].find((c) => c?.kind === 'replid' && c.why === 'backlog-ttl');
  if (ttl) {
    out.push(`backlog TTL: ${ttl.node} freed its backlog on one side only. A master frees it at its first replicationCron (once a second, from its own start) at which the whole seconds of its clock since its last replica left exceed repl-backlog-ttl (${sc.config['repl-backlog-ttl'] ?? 3600} s): 1 to 2 s of slack set by where its cron and the clock's second boundaries fall, so a TTL that ends near the next reconnect comes first on one side only`);
  }
  const pings = fields.filter((f) => f.pings !== undefined);
  if (pings.length > 0) {
    out.push(`PINGs: ${pings.map((f) => `${f.node}.${f.field} ${f.pings! > 0 ? '+' : ''}${f.pings}`).join(', ')} (real minus sim, in PINGs of ${PING_BYTES} bytes). A master PINGs its replicas every repl-ping-replica-period (${sc.config['repl-ping-replica-period'] ?? 10} s) on a 1 s cron counted from its own start: a real run whose settle lasts longer, or whose processes started elsewhere in the second, counts other PINGs`);
  }
  return out;
}

const COMPARED_TYPES = new Set(['redis.start', 'redis.psync', 'redis.role', 'redis.replid']);

export async function diffBackends(input: Scenario, seed: Seed, source: string, real: Omit<RealRunOptions, 'seed'>): Promise<BackendDiff> {
  // a fault phase is planned once and both sides replay it as the same steps
  const { scenario, resolved, plan } = prepareReal(input, source, seed);
  const simEvents: EventLike[] = [];
  const s = simulate(scenario, { seed, source, observers: [(e: TraceEvent) => void (COMPARED_TYPES.has(e.type) && simEvents.push(e))] });
  const r = await runReal(resolved, { ...real, seed, ...(plan ? { plan } : {}) });
  const simFinal = finalView(s.nodes as unknown as Record<string, Record<string, unknown>>);
  const realFinal = finalView(r.nodes);
  const fields = fieldDifferences(simFinal, realFinal);
  const event = firstDifference(comparableEvents(simEvents, { time: true }), comparableEvents(r.events, { time: true }));
  const snapshot = snapshotDifference(s.snapshots ?? [], r.snapshots ?? []);
  return {
    same: fields.length === 0 && event === null && snapshot === null,
    fields,
    event,
    snapshot,
    snapshotsCompared: Math.min(s.snapshots?.length ?? 0, r.snapshots?.length ?? 0),
    random: realRandomness(resolved, plan, fields, r.parameters.network, event),
    sim: { status: s.status, failures: s.failures, final: simFinal },
    real: { status: r.status, failures: r.failures, final: realFinal, network: r.parameters.network, redis_server: r.parameters.redis_server, warnings: r.parameters.warnings },
  };
}
