// `replsim diff FILE --seed N`: one scenario in the simulator and on real redis-server processes, and
// where the two differ: per-node fields at the end (ids and digests as labels, each side its own),
// and the first PSYNC decision, role change or id change that differs (comparable.ts).
import { simulate, type RunResult } from './simulate.js';
import type { Scenario } from '../scenario/types.js';
import type { Seed } from '../kernel/rng.js';
import type { TraceEvent } from '../trace-events.js';
import { prepareReal, runReal, type RealRunOptions, type RealRunResult } from '../backends/real/run.js';
import { comparableEvents, firstDifference, type Difference, type EventLike } from '../backends/real/comparable.js';

/** The fields compared at the end of both runs (master_replid, master_replid2 and digest as labels). */
export const DIFF_FIELDS = [
  'running', 'role', 'master_host', 'master_link_status', 'connected_slaves', 'master_replid', 'master_replid2',
  'master_repl_offset', 'second_repl_offset', 'repl_backlog_active', 'repl_backlog_first_byte_offset',
  'repl_backlog_histlen', 'sync_full', 'sync_partial_ok', 'sync_partial_err', 'dbsize', 'digest',
] as const;

export type FinalView = Record<string, Record<string, string | number | boolean | null>>;

export interface FieldDifference {
  node: string;
  field: string;
  sim: string | number | boolean | null;
  real: string | number | boolean | null;
}

export interface BackendDiff {
  same: boolean;
  fields: FieldDifference[];
  /** The first comparable event that differs; null when the sequences agree. */
  event: Difference | null;
  sim: { status: RunResult['status']; failures: RunResult['failures']; final: FinalView };
  real: { status: RealRunResult['status']; failures: RealRunResult['failures']; final: FinalView; network: string; redis_server: string; warnings: string[] };
}

/**
 * The compared fields of every node, with replication ids as A, B, ... and digests as d1, d2, ... in
 * order of first appearance (nodes by name): equal labels on one side mean equal values there.
 */
export function finalView(nodes: Record<string, Record<string, unknown>>): FinalView {
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
    for (const f of DIFF_FIELDS) {
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

export function fieldDifferences(sim: FinalView, real: FinalView): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const node of Object.keys(sim)) {
    const a = sim[node]!;
    const b = real[node] ?? {};
    // a node that is down on both sides has nothing more to compare
    const fields = a.running === false && b.running === false ? ['running'] : DIFF_FIELDS;
    for (const f of fields) if ((a[f] ?? null) !== (b[f] ?? null)) out.push({ node, field: f, sim: a[f] ?? null, real: b[f] ?? null });
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
  return {
    same: fields.length === 0 && event === null,
    fields,
    event,
    sim: { status: s.status, failures: s.failures, final: simFinal },
    real: { status: r.status, failures: r.failures, final: realFinal, network: r.parameters.network, redis_server: r.parameters.redis_server, warnings: r.parameters.warnings },
  };
}
