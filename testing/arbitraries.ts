// fast-check arbitraries for property suites in a user's own CI: topologies (with chains), config,
// steps (writes, sleeps, faults), random fault families, and whole scenarios whose fault schedule is
// explicit steps, so that a failure shrinks step by step.

import fc from 'fast-check';
import type { ConfigMap, FaultFamily, FaultFamilyName, Scenario, Step } from '../sim/scenario/types.js';
import { FAULT_FAMILY_NAMES } from '../sim/scenario/schema.js';
import { FAMILY_DRAWS } from '../sim/faults/draws.js';

export interface ArbTopologyOptions {
  /** Number of nodes (default 3 to 5). */
  minNodes?: number;
  maxNodes?: number;
  /** Allow chained replicas (default true). */
  chains?: boolean;
}

export interface ArbStepOptions {
  /** Include crashes and shutdowns (default true). */
  crashes?: boolean;
}

export interface ArbScenarioOptions extends ArbTopologyOptions, ArbStepOptions {
  /** Longest fault schedule (default 30 steps). */
  maxSteps?: number;
  /** Declare two application clients (arbClients) and write through them too (default true). */
  clients?: boolean;
}

export interface GeneratedCase {
  scenario: Scenario;
  seed: number;
}

/** The node names the arbitraries use: n0 (the first master), n1, n2, ... */
export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i}`);
}

/** For node i+1, the index of the node it replicates from: n0, or (with chains) any earlier node. */
function parentsArb(names: string[], chains: boolean): fc.Arbitrary<number[]> {
  return fc.tuple(...names.slice(1).map((_, i) => (!chains || i === 0 ? fc.constant(0) : fc.integer({ min: 0, max: i }))));
}

function nodesFrom(names: string[], parents: number[]): Scenario['nodes'] {
  const nodes: Scenario['nodes'] = { [names[0]!]: {} };
  parents.forEach((p, i) => (nodes[names[i + 1]!] = { replicaof: names[p]! }));
  return nodes;
}

/**
 * A scenario's `nodes`: n0 a master, every other node a replica of n0 or (with chains) of an
 * earlier replica. Shrinks towards fewer nodes and a flat topology.
 */
export function arbTopology(o: ArbTopologyOptions = {}): fc.Arbitrary<Scenario['nodes']> {
  return fc.integer({ min: o.minNodes ?? 3, max: o.maxNodes ?? 5 }).chain((n) => {
    const names = nodeNames(n);
    return parentsArb(names, o.chains !== false).map((parents) => nodesFrom(names, parents));
  });
}

/**
 * `write` steps on one of the nodes (its local client) or, given client names, sometimes through an
 * application client on the network: 1-50 SETs of 8, 100 or 1000 bytes.
 */
export function arbWriteStep(names: readonly string[], clients: readonly string[] = []): fc.Arbitrary<Step> {
  const count = fc.integer({ min: 1, max: 50 });
  const valueSize = fc.constantFrom(8, 100, 1000);
  const local = fc.record({ op: fc.constant('write' as const), node: fc.constantFrom(...names), count, valueSize });
  if (clients.length === 0) return local;
  return fc.oneof(local, fc.record({ op: fc.constant('write' as const), client: fc.constantFrom(...clients), count, valueSize }));
}

/** The application clients arbScenario declares: c0 near the first master, c1 near the last node. */
export function arbClients(names: readonly string[]): NonNullable<Scenario['clients']> {
  return { c0: { near: names[0]!, timeoutMs: 300 }, c1: { near: names[names.length - 1]!, timeoutMs: 300 } };
}

/** `sleep` steps: mostly short, sometimes up to 5 s. */
export function arbSleepStep(): fc.Arbitrary<Step> {
  return fc.record({ op: fc.constant('sleep' as const), ms: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 100, max: 5000 })) });
}

function faultOps(names: readonly string[], crashes: boolean): fc.Arbitrary<Step>[] {
  const node = fc.constantFrom(...names);
  const ops: fc.Arbitrary<Step>[] = [
    fc.record({ op: fc.constant('kill-link' as const), node }),
    fc.record({ op: fc.constant('kill-replicas' as const), node }),
    fc.record({ op: fc.constant('isolate' as const), node }),
    fc.constant({ op: 'heal' as const }),
    fc.record({ op: fc.constant('pause' as const), node, ms: fc.integer({ min: 10, max: 3000 }) }),
    fc.record({ op: fc.constant('replicaof' as const), node, primary: fc.constant(null), mayFail: fc.constant(true) }),
    fc.constant({ op: 'orchestrated-failover' as const }),
  ];
  if (crashes) {
    ops.push(fc.record({ op: fc.constant('crash' as const), node }));
    ops.push(fc.record({ op: fc.constant('shutdown' as const), node, save: fc.boolean() }));
  }
  return ops;
}

/**
 * One fault as a step: kill-link, kill-replicas, isolate, heal, pause, a promotion (`replicaof`
 * NO ONE, allowed to be refused), an orchestrated failover, and (unless `crashes: false`) crash and
 * shutdown with or without save.
 */
export function arbFaultStep(names: readonly string[], o: ArbStepOptions = {}): fc.Arbitrary<Step> {
  return fc.oneof(...faultOps(names, o.crashes !== false));
}

/** Any step of a generated schedule: a write (through a node or, given clients, a client), a sleep or a fault (see arbFaultStep). */
export function arbStep(names: readonly string[], o: ArbStepOptions = {}, clients: readonly string[] = []): fc.Arbitrary<Step> {
  return fc.oneof(arbWriteStep(names, clients), arbSleepStep(), ...faultOps(names, o.crashes !== false));
}

/** The replication settings that matter most: backlog size and TTL, ping period, repl-timeout; no RDB save points. */
export function arbConfig(): fc.Arbitrary<ConfigMap> {
  return fc
    .record({ backlog: fc.constantFrom('16kb', '64kb', '1mb'), ping: fc.constantFrom(1, 10, 3600), timeout: fc.constantFrom(5, 60), ttl: fc.constantFrom(2, 3600) })
    .map((r) => configFrom(r));
}

function configFrom(r: { backlog: string; ping: number; timeout: number; ttl: number }): ConfigMap {
  return { save: '', 'repl-backlog-size': r.backlog, 'repl-ping-replica-period': r.ping, 'repl-timeout': r.timeout, 'repl-backlog-ttl': r.ttl };
}


/**
 * A random fault phase (the scenario's `faults` block): one or more fault families with their
 * rates, for scenarios that use a `faults` step and a `workload` instead of an explicit schedule.
 */
export function arbFaultFamilies(o: ArbStepOptions & { maxPhaseMs?: number } = {}): fc.Arbitrary<NonNullable<Scenario['faults']>> {
  const names = o.crashes === false ? FAULT_FAMILY_NAMES.filter((f) => f !== 'crash' && f !== 'restart') : FAULT_FAMILY_NAMES;
  const d = FAMILY_DRAWS;
  const family = (f: FaultFamilyName): fc.Arbitrary<FaultFamily> => {
    const everyMs = fc.integer(d.everyMs);
    if (f === 'partition') return fc.record({ everyMs, durationMs: fc.oneof(...d.partitionMs.map((r) => fc.integer(r))) });
    if (f === 'loss-burst') return fc.record({ everyMs, durationMs: fc.integer(d.lossBurstMs), loss: fc.constantFrom(...d.lossBurstLoss) });
    if (f === 'crash' || f === 'restart') return fc.record({ everyMs: everyMs.map((ms) => ms * d.downEveryFactor), downMs: fc.integer(d.downMs) });
    return fc.record({ everyMs });
  };
  return fc
    .record({
      phaseMs: fc.integer({ min: 1000, max: o.maxPhaseMs ?? 30000 }),
      chosen: fc.subarray(names, { minLength: 1 }),
    })
    .chain(({ phaseMs, chosen }) =>
      fc.tuple(...chosen.map(family)).map((fs) => {
        const families: Partial<Record<FaultFamilyName, FaultFamily>> = {};
        chosen.forEach((f, i) => (families[f] = fs[i]!));
        return { phaseMs, settleMs: 120_000, families };
      }),
    );
}

/**
 * A whole scenario plus the seed to run it with. The fault schedule is explicit steps, so a
 * failure shrinks to the few steps that matter; the scenario ends with `settle` (heal, restart,
 * repair the topology, converge) and an expect-equal over every node.
 */
export function arbScenario(o: ArbScenarioOptions = {}): fc.Arbitrary<GeneratedCase> {
  const minN = o.minNodes ?? 3;
  const maxN = o.maxNodes ?? 5;
  return fc.integer({ min: minN, max: maxN }).chain((n) => {
    const names = nodeNames(n);
    return fc.record({
      seed: fc.nat(1_000_000),
      parents: parentsArb(names, o.chains !== false),
      backlog: fc.constantFrom('16kb', '64kb', '1mb'),
      ping: fc.constantFrom(1, 10, 3600),
      timeout: fc.constantFrom(5, 60),
      ttl: fc.constantFrom(2, 3600),
      loss: fc.constantFrom(0, 0, 0.02),
      steps: fc.array(arbStep(names, o, o.clients === false ? [] : Object.keys(arbClients(names))), { maxLength: o.maxSteps ?? 30 }),
    }).map((r) => {
      const scenario: Scenario = {
        name: 'generated',
        description: 'generated by arbScenario()',
        config: configFrom(r),
        network: { latency: '1ms', jitter: '300us', loss: r.loss },
        nodes: nodesFrom(names, r.parents),
        ...(o.clients === false ? {} : { clients: arbClients(names) }),
        steps: [{ op: 'wait-sync' }, ...r.steps, { op: 'settle', timeoutMs: 120_000 }, { op: 'expect-equal', nodes: names, fields: ['master_replid', 'master_repl_offset', 'digest'] }],
      };
      return { scenario, seed: r.seed };
    });
  });
}
