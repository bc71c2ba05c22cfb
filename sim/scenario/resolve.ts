// The resolved scenario: what the simulator runs, made once by the loader (load.ts) right after
// validation. Durations are microseconds (`...Us`), bandwidths bytes per second, and every default of
// the DEFAULTS table is applied; nothing downstream parses a unit or falls back to a default again.

import { DEFAULTS, type ClientEntry, type ConfigMap, type FaultFamily, type FaultFamilyName, type Matcher, type NodeEntry, type Scenario, type Step, type Workload } from './schema.js';
import { parseDurationUs, parseRateBytesPerSec } from '../units.js';
import { DEFAULT_LINK, type LinkParams } from '../net/links.js';
import type { SentinelConfig } from '../sentinel/config.js';

/**
 * A node as written (`replicaof` absent: as the config says), with its config ({} if none) and
 * `startAfterUs`: when the process first starts (0: at once).
 */
export type ResolvedNode = Omit<NodeEntry, 'config' | 'startAfterMs'> & { config: ConfigMap; startAfterUs: number };

/**
 * A client as written (`discovery` absent: the client's own rule, "fixed" when it names a node),
 * with `timeoutUs`: its reply and connect timeout.
 */
export type ResolvedClient = Omit<ClientEntry, 'timeoutMs'> & { timeoutUs: number };

export type WorkloadCommand = NonNullable<Workload['commands']>[number];

export interface ResolvedWorkload {
  /** 0: no writes. */
  writesPerSec: number;
  /** Write only during the first burstUs of every cycleUs (from the phase's start); null: always. */
  burst: { burstUs: number; cycleUs: number } | null;
  keys: number;
  dbs: number;
  valueSize: number;
  commands: WorkloadCommand[];
  /** The application clients that run it; null: the orchestrator's master, written directly. */
  clients: string[] | null;
  /** WAIT after each acknowledged write, with WAIT's own arguments (its timeout in ms, as Redis takes it). */
  wait: { replicas: number; timeoutMs: number } | null;
  /** The share of operations that read back a key the client wrote. */
  reads: number;
}

/** Any family's settings, defaults applied (each family reads the ones it uses). */
export interface ResolvedFaultFamily {
  /** Mean time between two injections. */
  everyUs: number;
  durationUs: number;
  downUs: number;
  loss: number;
  oneway: number;
  /** restart: SHUTDOWN SAVE or NOSAVE; absent: drawn per injection. */
  save?: boolean;
}

export interface ResolvedFaults {
  phaseUs: number;
  settleUs: number;
  families: Partial<Record<FaultFamilyName, ResolvedFaultFamily>>;
}

/** One (field, matcher) check of an `expect` or `run-until` step, in the order the step names them. */
export type Check = [field: string, matcher: Matcher];

/**
 * What a `snapshot` step records by default, and what `replsim diff` compares at the end (with
 * `running`): the replication state INFO shows, the data's size and digest.
 */
export const SNAPSHOT_FIELDS = [
  'role', 'master_host', 'master_link_status', 'connected_slaves', 'master_replid', 'master_replid2',
  'master_repl_offset', 'second_repl_offset', 'repl_backlog_active', 'repl_backlog_first_byte_offset',
  'repl_backlog_histlen', 'sync_full', 'sync_partial_ok', 'sync_partial_err', 'dbsize', 'digest',
] as const;

/** A step as its handler takes it: the document's step without its comment (for the ops that have nothing to resolve). */
type AsWritten<Op extends Step['op']> = Omit<Extract<Step, { op: Op }>, 'comment'>;

export type ResolvedStep =
  | { op: 'write'; node?: string; client?: string; count: number; prefix: string; valueSize: number; intervalUs: number; db?: number }
  | AsWritten<'command'>
  | { op: 'sleep'; durationUs: number }
  | { op: 'wait-sync'; timeoutUs: number }
  | { op: 'run-until'; node: string; timeoutUs: number; checks: Check[] }
  | AsWritten<'replicaof'>
  /** `timeoutMs` is FAILOVER's own TIMEOUT argument, in ms as Redis takes it. */
  | AsWritten<'failover'>
  | AsWritten<'orchestrated-failover'>
  | AsWritten<'kill-link'>
  | AsWritten<'kill-replicas'>
  | AsWritten<'partition'>
  | AsWritten<'partition-oneway'>
  | AsWritten<'isolate'>
  | AsWritten<'heal'>
  | { op: 'network'; change: Partial<LinkParams>; between?: [string, string]; oneway: boolean }
  | { op: 'pause'; node: string; durationUs: number }
  | AsWritten<'crash'>
  | AsWritten<'shutdown'>
  | AsWritten<'restart'>
  | { op: 'expect'; node: string; checks: Check[] }
  | AsWritten<'expect-equal'>
  /** `nodes` null: every node. */
  | { op: 'snapshot'; label: string; nodes: string[] | null; fields: readonly string[] }
  | AsWritten<'faults'>
  | AsWritten<'workload'>
  | { op: 'settle'; timeoutUs: number };

export type ResolvedStepOp = ResolvedStep['op'];
// the resolved steps have exactly the schema's ops (a missing or extra one is a type error here)
type SameOps = [ResolvedStepOp] extends [Step['op']] ? ([Step['op']] extends [ResolvedStepOp] ? true : false) : false;
const sameOps: SameOps = true;
void sameOps;

export interface ResolvedScenario {
  name: string;
  /** The scenario's own default seed; null: none. */
  seed: number | string | null;
  config: ConfigMap;
  network: LinkParams;
  nodes: Record<string, ResolvedNode>;
  clients: Record<string, ResolvedClient>;
  /** Sentinel processes with their configuration (the `sentinel` block, each one's overrides). */
  sentinels: Record<string, { near?: string; config: SentinelConfig }>;
  steps: ResolvedStep[];
  /** The background writes (of the fault phase and `workload` steps); without a "workload" block, none. */
  workload: ResolvedWorkload;
  faults: ResolvedFaults | null;
  monitor: { downAfterUs: number; near: string | null } | null;
  /** Properties turned on or off by name. */
  properties: Record<string, boolean>;
  /** Why a real-backend run cannot agree with the simulator; null: it should (the both-backends check requires it). */
  realDiffers: string | null;
}

/** The link parameters of the scenario's `network` block, DEFAULT_LINK where it says nothing. */
export function networkParams(sc: Scenario): LinkParams {
  const n = sc.network ?? {};
  return {
    latencyUs: n.latency !== undefined ? parseDurationUs(n.latency, 'network.latency') : DEFAULT_LINK.latencyUs,
    jitterUs: n.jitter !== undefined ? parseDurationUs(n.jitter, 'network.jitter') : DEFAULT_LINK.jitterUs,
    loss: n.loss ?? DEFAULT_LINK.loss,
    bandwidthBytesPerSec: n.bandwidth !== undefined ? parseRateBytesPerSec(n.bandwidth, 'network.bandwidth') : DEFAULT_LINK.bandwidthBytesPerSec,
  };
}

/** The conditions of an expect or run-until step: every key that is not the step's own. */
function checksOf(step: object): Check[] {
  return Object.entries(step)
    .filter(([k]) => !['op', 'node', 'comment', 'timeoutMs'].includes(k))
    .map(([k, m]) => [k, m as Matcher]);
}

function asWritten<S extends Step>(step: S): Omit<S, 'comment'> {
  const { comment: _comment, ...rest } = step;
  return rest;
}

/** One step, resolved; `i` is its index (for the messages of values only the resolver can refuse). */
export function resolveStep(step: Step, i: number): ResolvedStep {
  const p = `steps[${i}]`;
  switch (step.op) {
    case 'write':
      return {
        op: 'write',
        ...(step.node !== undefined ? { node: step.node } : {}),
        ...(step.client !== undefined ? { client: step.client } : {}),
        count: step.count ?? DEFAULTS.write.count,
        prefix: step.prefix ?? DEFAULTS.write.prefix,
        valueSize: step.valueSize ?? DEFAULTS.write.valueSize,
        intervalUs: (step.intervalMs ?? DEFAULTS.write.intervalMs) * 1000,
        ...(step.db !== undefined ? { db: step.db } : {}),
      };
    case 'sleep':
      return { op: 'sleep', durationUs: Math.round(step.ms * 1000) };
    case 'wait-sync':
      return { op: 'wait-sync', timeoutUs: (step.timeoutMs ?? DEFAULTS.waitTimeoutMs) * 1000 };
    case 'run-until':
      return { op: 'run-until', node: step.node, timeoutUs: (step.timeoutMs ?? DEFAULTS.waitTimeoutMs) * 1000, checks: checksOf(step) };
    case 'expect':
      return { op: 'expect', node: step.node, checks: checksOf(step) };
    case 'network':
      return {
        op: 'network',
        change: {
          ...(step.latency !== undefined ? { latencyUs: parseDurationUs(step.latency, `${p}.latency`) } : {}),
          ...(step.jitter !== undefined ? { jitterUs: parseDurationUs(step.jitter, `${p}.jitter`) } : {}),
          ...(step.loss !== undefined ? { loss: step.loss } : {}),
          ...(step.bandwidth !== undefined ? { bandwidthBytesPerSec: parseRateBytesPerSec(step.bandwidth, `${p}.bandwidth`) } : {}),
        },
        ...(step.between !== undefined ? { between: step.between } : {}),
        oneway: step.oneway === true,
      };
    case 'pause':
      return { op: 'pause', node: step.node, durationUs: Math.round(step.ms * 1000) };
    case 'settle':
      return { op: 'settle', timeoutUs: (step.timeoutMs ?? DEFAULTS.settleMs) * 1000 };
    case 'snapshot':
      return { op: 'snapshot', label: step.label ?? '', nodes: step.nodes ?? null, fields: step.fields ?? SNAPSHOT_FIELDS };
    case 'command':
    case 'replicaof':
    case 'failover':
    case 'orchestrated-failover':
    case 'kill-link':
    case 'kill-replicas':
    case 'partition':
    case 'partition-oneway':
    case 'isolate':
    case 'heal':
    case 'crash':
    case 'shutdown':
    case 'restart':
    case 'expect-equal':
    case 'faults':
    case 'workload':
      return asWritten(step) as ResolvedStep; // Omit over the union of these ops: each member is its AsWritten<op>
    default:
      return unreachable(step);
  }
}

function unreachable(step: never): never {
  throw new Error(`no resolver for step ${JSON.stringify(step)}`);
}

function resolveFamily(fam: FaultFamily): ResolvedFaultFamily {
  return {
    everyUs: fam.everyMs * 1000,
    durationUs: (fam.durationMs ?? DEFAULTS.family.durationMs) * 1000,
    downUs: (fam.downMs ?? DEFAULTS.family.downMs) * 1000,
    loss: fam.loss ?? DEFAULTS.family.loss,
    oneway: fam.oneway ?? DEFAULTS.family.oneway,
    ...(fam.save !== undefined ? { save: fam.save } : {}),
  };
}

function resolveWorkload(load: Workload | undefined): ResolvedWorkload {
  const d = DEFAULTS.workload;
  const burstMs = load?.burstMs;
  return {
    writesPerSec: load?.writesPerSec ?? d.writesPerSec,
    // the cycle in one product, as the phase has always measured it
    burst: burstMs ? { burstUs: burstMs * 1000, cycleUs: (burstMs + (load?.idleMs ?? d.idleMs)) * 1000 } : null,
    keys: load?.keys ?? d.keys,
    dbs: load?.dbs ?? d.dbs,
    valueSize: load?.valueSize ?? d.valueSize,
    commands: load?.commands ?? [...d.commands],
    clients: load?.clients ?? null,
    wait: load?.wait ?? null,
    reads: load?.reads ?? d.reads,
  };
}

/** Each Sentinel's `sentinel monitor` and options: its own over the `sentinel` block over the defaults. */
function resolveSentinels(sc: Scenario): ResolvedScenario['sentinels'] {
  const d = DEFAULTS.sentinel;
  const b = sc.sentinel ?? {};
  // the master to monitor: as written, else the first node that starts as a master
  const master = b.master ?? Object.keys(sc.nodes).find((n) => sc.nodes[n]!.replicaof === undefined || sc.nodes[n]!.replicaof === null) ?? Object.keys(sc.nodes)[0]!;
  return Object.fromEntries(Object.entries(sc.sentinels ?? {}).map(([name, e]) => [name, {
    ...(e.near !== undefined ? { near: e.near } : {}),
    config: {
      masterName: b['master-name'] ?? d['master-name'],
      master,
      quorum: e.quorum ?? b.quorum ?? d.quorum,
      downAfterUs: (e['down-after-milliseconds'] ?? b['down-after-milliseconds'] ?? d['down-after-milliseconds']) * 1000,
      failoverTimeoutUs: (e['failover-timeout'] ?? b['failover-timeout'] ?? d['failover-timeout']) * 1000,
      parallelSyncs: e['parallel-syncs'] ?? b['parallel-syncs'] ?? d['parallel-syncs'],
    },
  }]));
}

/**
 * A validated document (parameters bound) as the simulator runs it. Refuses, with a UserError, the
 * few values the schema lets through and no run could use (a bandwidth of "0MB").
 */
export function resolveDocument(sc: Scenario): ResolvedScenario {
  const families: Partial<Record<FaultFamilyName, ResolvedFaultFamily>> = {};
  for (const [name, fam] of Object.entries(sc.faults?.families ?? {}) as [FaultFamilyName, FaultFamily][]) families[name] = resolveFamily(fam);
  return {
    name: sc.name,
    seed: sc.seed ?? null,
    config: sc.config ?? {},
    network: networkParams(sc),
    // every other field of a node or a client is carried as written (a field added to the schema too)
    nodes: Object.fromEntries(Object.entries(sc.nodes).map(([n, { config, startAfterMs, ...rest }]) => [n, { ...rest, config: config ?? {}, startAfterUs: (startAfterMs ?? 0) * 1000 }])),
    clients: Object.fromEntries(Object.entries(sc.clients ?? {}).map(([c, { timeoutMs, ...rest }]) => [c, { ...rest, timeoutUs: (timeoutMs ?? DEFAULTS.client.timeoutMs) * 1000 }])),
    sentinels: resolveSentinels(sc),
    steps: (sc.steps ?? []).map(resolveStep),
    workload: resolveWorkload(sc.workload),
    faults: sc.faults ? { phaseUs: sc.faults.phaseMs * 1000, settleUs: (sc.faults.settleMs ?? DEFAULTS.settleMs) * 1000, families } : null,
    monitor: sc.monitor ? { downAfterUs: sc.monitor['down-after-ms'] * 1000, near: sc.monitor.near ?? null } : null,
    properties: sc.properties ?? {},
    realDiffers: sc.realBackend?.differs ?? null,
  };
}
