// The data an HTML report is drawn from, computed from a run's trace alone: per-node spans (role,
// replication id, link, RDB transfers), PSYNC arrows, partitions, faults, crashes, restarts and pauses,
// property violations, each node's offset over time with its backlog window, and the replication
// id tree (properties/lineage.ts, the oracle the properties use). Long runs are aggregated: the
// offset series keep at most a few points per pixel column, the event list at most MAX_EVENT_ROWS.

import { Lineage } from '../../properties/lineage.js';
import { IdLabels, NodeStates, STATE_TYPES, type TraceLine } from './state.js';
import { shortText } from './short-log.js';
import { parseConfigValue } from '../redis/config.js';
import { reproduceCommand } from '../harness/artifacts.js';

export interface Span<V = string> {
  node: string;
  from: number;
  to: number;
  value: V;
}

export interface Psync {
  t: number;
  replica: string;
  server: string;
  result: 'continue' | 'full';
  reason: string;
  requested: string;
  requested_offset: number;
  master_offset: number;
  backlog_first: number;
  backlog_histlen: number;
}

export interface Marker {
  t: number;
  node: string | null;
  kind: 'crash' | 'shutdown' | 'restart' | 'pause' | 'fault' | 'orchestrator' | 'violation';
  text: string;
  /** A violation: its index in `failures`. */
  failure?: number;
}

export interface LineageNode {
  id: string;
  label: string;
  parent: string | null;
  fork_offset: number | null;
  start: number;
  /** Which nodes were on this id, and when. */
  on: { node: string; from: number; to: number }[];
}

export interface ReportData {
  meta: {
    scenario: string;
    seed: unknown;
    mutant: string | null;
    tool_version: string | null;
    status: string | null;
    trace_hash: string | null;
    trace_events: number;
    reproduce: string | null;
    /** The run's trace had a footer: the run finished. */
    complete: boolean;
  };
  /** The resolved scenario (network, config, nodes, steps, faults) when the trace header carries it. */
  parameters: unknown;
  nodes: string[];
  t_end: number;
  /** Replication ids in order of first appearance: label, colour index. */
  ids: { id: string; label: string }[];
  roles: Span<'master' | 'slave' | 'down'>[];
  masters: Span<string | null>[];
  replids: Span<string>[];
  links: Span<'up' | 'down'>[];
  rdb: (Span<string> & { complete: boolean })[];
  psyncs: Psync[];
  partitions: { from: number; to: number; a: string; b: string; dirs: string }[];
  markers: Marker[];
  failures: { t: number; kind: string; property: string | null; message: string; nodes: string[] }[];
  /** Each property's verdict: held or not, how much it checked, its figures and notes (e.g. lost writes, missed partial syncs). */
  verdicts: { property: string; held: boolean; checked: number | null; stats: Record<string, number>; notes: string[] }[];
  /** Per node: [t, offset] points (aggregated for long runs). */
  offsets: Record<string, [number, number][]>;
  /** Per node: [t, low, high]: the offsets a PSYNC to this node could still be served from its backlog. */
  backlog: Record<string, [number, number, number][]>;
  lineage: LineageNode[];
  events: { t: number; type: string; node: string | null; text: string }[];
  events_omitted: number;
}

export const MAX_EVENT_ROWS = 20_000;
/** Points per node's offset series kept per time bucket (first, min, max, last of each of POINT_BUCKETS buckets). */
export const POINT_BUCKETS = 1500;

const DEFAULT_BACKLOG = 1 << 20;

/** Each node's repl-backlog-size from a resolved scenario (node config over global config), else Redis's 1mb. */
export function backlogSizes(parameters: unknown, nodes: string[]): Record<string, number> {
  const sc = (parameters ?? {}) as { config?: Record<string, unknown>; nodes?: Record<string, { config?: Record<string, unknown> }> };
  const size = (v: unknown) => (v === undefined ? undefined : (parseConfigValue('repl-backlog-size', v)[1] as number));
  const global = size(sc.config?.['repl-backlog-size']) ?? DEFAULT_BACKLOG;
  // Redis raises anything below 16kb to 16kb when it resizes the backlog
  return Object.fromEntries(nodes.map((n) => [n, Math.max(16 * 1024, size(sc.nodes?.[n]?.config?.['repl-backlog-size']) ?? global)]));
}

/** Spans of one value per node: `set` closes the open span when the value changes. */
class SpanTrack<V> {
  readonly spans: Span<V>[] = [];
  private readonly open = new Map<string, { from: number; value: V }>();

  set(node: string, t: number, value: V | undefined): void {
    const cur = this.open.get(node);
    if (cur && cur.value === value) return;
    if (cur) {
      if (t > cur.from) this.spans.push({ node, from: cur.from, to: t, value: cur.value });
      this.open.delete(node);
    }
    if (value !== undefined) this.open.set(node, { from: t, value });
  }

  close(t: number): Span<V>[] {
    for (const node of [...this.open.keys()]) this.set(node, t, undefined);
    return this.spans.sort((a, b) => a.from - b.from || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }
}

/** Keeps a series small: for each of `buckets` time buckets, its first, lowest, highest and last point. */
export function aggregate(points: [number, number][], tEnd: number, buckets = POINT_BUCKETS): [number, number][] {
  if (points.length <= buckets * 4) return points;
  const width = Math.max(1, tEnd / buckets);
  const out: [number, number][] = [];
  let i = 0;
  while (i < points.length) {
    const b = Math.floor(points[i]![0] / width);
    let j = i;
    let lo = i;
    let hi = i;
    while (j < points.length && Math.floor(points[j]![0] / width) === b) {
      if (points[j]![1] < points[lo]![1]) lo = j;
      if (points[j]![1] > points[hi]![1]) hi = j;
      j++;
    }
    for (const k of [...new Set([i, lo, hi, j - 1])].sort((x, y) => x - y)) out.push(points[k]!);
    i = j;
  }
  return out;
}

/** Builds the report data line by line (so a run can feed it as it goes, without keeping its trace). */
export class ReportBuilder {
  private header: TraceLine = { type: 'trace.header' };
  private footer: TraceLine | undefined;
  private readonly failureLines: TraceLine[] = [];
  private readonly verdictLines: TraceLine[] = [];
  private readonly nodes: string[] = [];
  private sizes: Record<string, number> = {};
  private tEnd = 1;
  private eventCount = 0;
  private readonly states = new NodeStates();
  private readonly ids = new IdLabels();
  private readonly lineage = new Lineage();
  private readonly roles = new SpanTrack<'master' | 'slave' | 'down'>();
  private readonly masters = new SpanTrack<string | null>();
  private readonly replids = new SpanTrack<string>();
  private readonly links = new SpanTrack<'up' | 'down'>();
  private readonly rdb: ReportData['rdb'] = [];
  private readonly rdbOpen = new Map<string, { from: number; server: string }>();
  private readonly psyncs: Psync[] = [];
  private readonly markers: Marker[] = [];
  private readonly partitions: ReportData['partitions'] = [];
  private readonly blocked = new Map<string, { from: number; dirs: Set<string> }>();
  private readonly offsets: Record<string, [number, number][]> = {};
  private readonly backlog: Record<string, [number, number, number][]> = {};
  /** Lowest offset each node's backlog holds, from its last PSYNC. */
  private readonly anchor = new Map<string, number>();
  private readonly rows: ReportData['events'] = [];
  private omitted = 0;

  constructor(private readonly opts: { parameters?: unknown; reproduce?: string } = {}) {}

  private endRdb(node: string, t: number, complete: boolean): void {
    const o = this.rdbOpen.get(node);
    if (!o) return;
    this.rdb.push({ node, from: o.from, to: Math.max(t, o.from), value: o.server, complete });
    this.rdbOpen.delete(node);
  }

  private parameters(): unknown {
    return this.opts.parameters ?? this.header.resolved ?? null;
  }

  add(e: TraceLine): void {
    if (e.type.startsWith('trace.')) {
      if (e.type === 'trace.header') this.header = e;
      else if (e.type === 'trace.footer') this.footer = e;
      else if (e.type === 'trace.failure') this.failureLines.push(e);
      else if (e.type === 'trace.verdict') this.verdictLines.push(e);
      return;
    }
    const t = e.t ?? 0;
    this.eventCount++;
    if (t > this.tEnd) this.tEnd = t;
    if (e.type === 'redis.start' && !this.nodes.includes(e.node as string)) {
      const n = e.node as string;
      this.nodes.push(n);
      this.offsets[n] = [];
      this.backlog[n] = [];
      this.sizes[n] = backlogSizes(this.parameters(), [n])[n]!;
    }
    const { ids, markers, anchor } = this;
    this.lineage.onEvent(e as never);
    const node = this.states.apply(e);
    if (e.type === 'redis.psync') {
      const p: Psync = {
        t, replica: e.replica as string, server: e.node as string, result: e.result as Psync['result'], reason: e.reason as string,
        requested: e.requested_replid as string, requested_offset: e.requested_offset as number, master_offset: e.master_repl_offset as number,
        backlog_first: e.repl_backlog_first_byte_offset as number, backlog_histlen: e.repl_backlog_histlen as number,
      };
      this.psyncs.push(p);
      anchor.set(p.server, p.backlog_histlen > 0 ? p.backlog_first : p.master_offset + 1);
      this.endRdb(p.replica, t, false);
      if (p.result === 'full') this.rdbOpen.set(p.replica, { from: t, server: p.server });
    } else if (e.type === 'redis.sync') {
      if (e.kind === 'full') this.endRdb(e.node as string, t, true);
    } else if (e.type === 'redis.stop' || e.type === 'host.crash') {
      const n = (e.node ?? e.host) as string;
      this.endRdb(n, t, false);
      anchor.delete(n);
      if (e.type === 'redis.stop') markers.push({ t, node: n, kind: e.how === 'crash' ? 'crash' : 'shutdown', text: shortText(e, ids) });
    } else if (e.type === 'redis.start' && t > 0) {
      markers.push({ t, node: e.node as string, kind: 'restart', text: shortText(e, ids) });
    } else if (e.type === 'host.pause') {
      markers.push({ t, node: e.host as string, kind: 'pause', text: shortText(e, ids) });
    } else if (e.type === 'x.fault') {
      markers.push({ t, node: (e.node as string | undefined) ?? null, kind: 'fault', text: shortText(e, ids) });
    } else if (e.type.startsWith('x.orch.') && typeof e.node === 'string') {
      markers.push({ t, node: e.node, kind: 'orchestrator', text: `${e.type.slice(7)}${e.master ? ` to ${String(e.master)}` : ''}${e.reason ? ` (${String(e.reason)})` : ''}` });
    } else if (e.type === 'net.partition' || e.type === 'net.heal') {
      this.cut(e, t);
    }
    if (node !== null && this.offsets[node]) this.follow(node, t);
    // the list shows what changed state, commands and fault-schedule events; writes are counted, not listed
    if (STATE_TYPES.has(e.type) || (e.type.startsWith('x.') && e.type !== 'x.write')) {
      if (this.rows.length < MAX_EVENT_ROWS) {
        const text = shortText(e, ids);
        this.rows.push({ t, type: e.type, node: node ?? ((e.host as string | undefined) ?? null), text: text === e.type ? describeOther(e) : text });
      } else this.omitted++;
    }
  }

  /** A partition or heal: spans per pair of nodes, open while either direction is blocked. */
  private cut(e: TraceLine, t: number): void {
    for (const [a, b] of (e.type === 'net.partition' ? e.blocked : e.unblocked) as [string, string][]) {
      const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
      const cur = this.blocked.get(key);
      if (e.type === 'net.partition') {
        if (cur) cur.dirs.add(`${a}->${b}`);
        else this.blocked.set(key, { from: t, dirs: new Set([`${a}->${b}`]) });
      } else if (cur) {
        cur.dirs.delete(`${a}->${b}`);
        if (cur.dirs.size === 0) {
          const [x, y] = key.split('\u0000') as [string, string];
          this.partitions.push({ from: cur.from, to: t, a: x, b: y, dirs: `${x}<->${y}` });
          this.blocked.delete(key);
        }
      }
    }
  }

  /** The node's state may have changed: its spans, offset point and backlog window. */
  private follow(node: string, t: number): void {
    const s = this.states.get(node)!;
    this.ids.label(s.replid);
    this.roles.set(node, t, s.running ? s.role : 'down');
    this.masters.set(node, t, s.running && s.role === 'slave' ? s.master : null);
    this.replids.set(node, t, s.running ? s.replid : undefined);
    this.links.set(node, t, s.running && s.role === 'slave' ? (s.link === 'up' ? 'up' : 'down') : undefined);
    if (!s.running) return;
    const series = this.offsets[node]!;
    const last = series[series.length - 1];
    if (!last || last[1] !== s.offset) series.push([t, s.offset]);
    const a = this.anchor.get(node);
    if (a === undefined) return;
    const low = Math.max(a, s.offset - this.sizes[node]! + 1);
    const b = this.backlog[node]!;
    const prev = b[b.length - 1];
    if (!prev || prev[1] !== low || prev[2] !== s.offset) b.push([t, low, s.offset]);
  }

  finish(): ReportData {
    const { tEnd, nodes, header, footer } = this;
    for (const [key, cur] of this.blocked) {
      const [x, y] = key.split('\u0000') as [string, string];
      this.partitions.push({ from: cur.from, to: tEnd, a: x, b: y, dirs: [...cur.dirs].join(' ') });
    }
    this.blocked.clear();
    for (const n of [...this.rdbOpen.keys()]) this.endRdb(n, tEnd, false);
    const failures = this.failureLines.map((f) => ({
      t: (f.time_us as number) ?? tEnd, kind: f.kind as string, property: (f.property as string | undefined) ?? null, message: f.message as string,
      nodes: Array.isArray(f.node) ? (f.node as string[]) : typeof f.node === 'string' ? [f.node] : [],
    }));
    failures.forEach((f, i) => {
      for (const n of f.nodes.length ? f.nodes : [null]) this.markers.push({ t: f.t, node: n, kind: 'violation', text: f.message, failure: i });
    });
    const replidSpans = this.replids.close(tEnd);
    const lineage: LineageNode[] = [...this.lineage.histories.values()].map((h) => ({
      id: h.id, label: this.ids.label(h.id), parent: h.parent?.id ?? null, fork_offset: h.parent?.offset ?? null, start: h.start,
      on: replidSpans.filter((s) => s.value === h.id).map((s) => ({ node: s.node, from: s.from, to: s.to })),
    }));
    const seed = header.seed ?? null;
    const mutant = (header.mutant as string | null | undefined) ?? null;
    const source = (header.source as string | null | undefined) ?? (header.scenario as string | undefined);
    return {
      meta: {
        scenario: (header.scenario as string) ?? '(unknown)',
        seed,
        mutant,
        tool_version: (header.tool_version as string) ?? null,
        status: (footer?.status as string) ?? null,
        trace_hash: (footer?.trace_hash as string) ?? null,
        trace_events: this.eventCount,
        reproduce: this.opts.reproduce ?? (source !== undefined && seed !== null ? reproduceCommand(source, seed as string | number, mutant) : null),
        complete: footer !== undefined,
      },
      parameters: this.parameters(),
      nodes,
      t_end: tEnd,
      ids: this.ids.entries().map(([id, label]) => ({ id, label })),
      roles: this.roles.close(tEnd),
      masters: this.masters.close(tEnd),
      replids: replidSpans,
      links: this.links.close(tEnd),
      rdb: this.rdb.sort((a, b) => a.from - b.from),
      psyncs: this.psyncs,
      partitions: this.partitions.sort((a, b) => a.from - b.from),
      markers: this.markers,
      failures,
      verdicts: this.verdictLines.map((v) => ({ property: v.property as string, held: v.held === true, checked: typeof v.checked === 'number' ? v.checked : null, stats: (v.stats as Record<string, number>) ?? {}, notes: Array.isArray(v.notes) ? (v.notes as string[]) : [] })),
      offsets: Object.fromEntries(nodes.map((n) => [n, aggregate(this.offsets[n]!, tEnd)])),
      backlog: Object.fromEntries(nodes.map((n) => [n, this.backlog[n]!.length <= POINT_BUCKETS * 4 ? this.backlog[n]! : thin(this.backlog[n]!, tEnd)])),
      lineage,
      events: this.rows,
      events_omitted: this.omitted,
    };
  }
}

/** The report data of a whole trace (its lines parsed). */
export function buildReport(lines: TraceLine[], opts: { parameters?: unknown; reproduce?: string } = {}): ReportData {
  const b = new ReportBuilder(opts);
  for (const l of lines) b.add(l);
  return b.finish();
}

/** A backlog series thinned like `aggregate`: the last window of each bucket. */
function thin(points: [number, number, number][], tEnd: number): [number, number, number][] {
  const width = Math.max(1, tEnd / POINT_BUCKETS);
  const out: [number, number, number][] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (last && Math.floor(last[0] / width) === Math.floor(p[0] / width)) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

function describeOther(e: TraceLine): string {
  const { t: _t, type: _type, ...rest } = e;
  return JSON.stringify(rest);
}
