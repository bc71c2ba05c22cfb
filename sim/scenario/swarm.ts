// The randomized `swarm` scenario: topology (with chains), config, network, workload and fault
// families are all drawn from the seed (swarm testing: each seed enables a different mix).

import { Rng, type RngStream, type Seed } from '../kernel/rng.js';
import type { FaultFamily, FaultFamilyName, Scenario } from './types.js';
import { FAULT_FAMILY_NAMES } from './schema.js';
import { FAMILY_DRAWS, type IntRange } from '../faults/draws.js';

export const SWARM_NAME = 'swarm';
export const SWARM_DESCRIPTION = 'Randomized: topology (with chains), config, network, workload and fault families drawn from the seed; must converge after the faults.';
export const SWARM_CORE_NAME = 'swarm-core';
export const SWARM_CORE_DESCRIPTION = "The swarm's replication core alone: its topology, config, network, workload and faults for the seed, without its Sentinels, network clients, AOF, diskless and output-buffer draws.";

/** The swarm: the core's draws for the seed, then Redis as shipped, network clients and Sentinels. */
export function swarmScenario(seed: Seed): Scenario {
  const sc = coreDraws(seed, SWARM_NAME, SWARM_DESCRIPTION);
  const names = Object.keys(sc.nodes);
  drawShipped(new Rng(seed).stream('swarm:shipped'), sc, names);
  drawClients(new Rng(seed).stream('swarm:clients'), sc, names);
  drawSentinels(new Rng(seed).stream('swarm:sentinels'), sc, names);
  return sc;
}

/**
 * The swarm as it was before Sentinels, network clients and Redis as shipped were drawn: the same
 * seed gives the same topology, config, network, workload and faults as `swarm`, with the omniscient
 * writer and orchestrator and Redis's defaults for the rest: a sweep aimed at the replication
 * protocol itself, and the swarm that issue 13's throughput goal was first measured on (the benchmark
 * reports both).
 */
export function swarmCoreScenario(seed: Seed): Scenario {
  return coreDraws(seed, SWARM_CORE_NAME, SWARM_CORE_DESCRIPTION);
}

function coreDraws(seed: Seed, name: string, description: string): Scenario {
  const r = new Rng(seed).stream('swarm');
  const n = r.int(2, 6);
  const names = Array.from({ length: n }, (_, i) => `n${i}`);
  const nodes: Scenario['nodes'] = { n0: {} };
  for (let i = 1; i < n; i++) {
    // mostly direct replicas, sometimes chained under an earlier replica
    const parent = i > 1 && r.chance(0.3) ? names[r.int(1, i - 1)]! : 'n0';
    nodes[names[i]!] = { replicaof: parent, ...(r.chance(0.2) ? { config: { 'replica-priority': r.pick([0, 10, 50, 100]) } } : {}) };
  }
  const families: Partial<Record<FaultFamilyName, FaultFamily>> = {};
  const d = FAMILY_DRAWS;
  const int = (x: IntRange) => r.int(x.min, x.max);
  for (const f of r.shuffled(FAULT_FAMILY_NAMES).slice(0, r.int(1, 5))) {
    const everyMs = int(d.everyMs);
    if (f === 'partition') families[f] = { everyMs, durationMs: r.pick(d.partitionMs.map(int)) };
    else if (f === 'loss-burst') families[f] = { everyMs, durationMs: int(d.lossBurstMs), loss: r.pick(d.lossBurstLoss) };
    else if (f === 'crash' || f === 'restart') families[f] = { everyMs: everyMs * d.downEveryFactor, downMs: int(d.downMs) };
    else families[f] = { everyMs };
  }
  const sc: Scenario = {
    name,
    description,
    config: {
      save: r.pick(['', '', '60 1']),
      'repl-backlog-size': r.pick(['16kb', '64kb', '1mb']),
      'repl-ping-replica-period': r.pick([1, 10]),
      'repl-timeout': r.pick([5, 5, 10, 60]),
      'repl-backlog-ttl': r.pick([3600, 2, 5]),
    },
    network: { latency: `${r.int(100, 5000)}us`, jitter: `${r.int(0, 2000)}us`, loss: r.pick([0, 0, 0.01, 0.05]), bandwidth: r.pick(['1gbit', '100mbit', '10mbit']) },
    nodes,
    workload: {
      writesPerSec: r.pick([20, 100, 500]),
      ...(r.chance(0.4) ? { burstMs: r.int(200, 3000), idleMs: r.int(2000, 15000) } : {}),
      keys: r.pick([10, 100, 1000]),
      dbs: r.pick([1, 1, 4]),
      valueSize: r.pick([8, 64, 512]),
      commands: r.pick<NonNullable<Scenario['workload']>['commands']>([['SET'], ['SET', 'INCR'], ['SET', 'INCR', 'APPEND', 'RPUSH', 'DEL', 'MULTI'], ['SET', 'EXPIRE', 'INCR']]),
    },
    faults: { phaseMs: r.int(5000, 30000), settleMs: 120000, families },
    steps: [
      { op: 'wait-sync' },
      { op: 'faults' },
      { op: 'expect-equal', nodes: names, fields: ['master_replid', 'master_repl_offset', 'digest'] },
    ],
  };
  if (r.chance(0.5)) sc.monitor = { 'down-after-ms': r.int(1000, 5000) };
  return sc;
}

/**
 * A third of the seeds put Sentinels in charge instead of the ideal orchestrator: 3 to 5 of them,
 * near random nodes or nowhere, with short timers; the monitor and the orchestrated-failover family
 * go (a crash stands in when that family was the only one), clients that discover the master ask
 * the Sentinels, every replica replicates n0 directly, and the faults wait until the Sentinels have
 * met the replicas. A stream of its own, so every earlier draw of a seed stays the same.
 */
function drawSentinels(r: RngStream, sc: Scenario, names: string[]): void {
  if (!r.chance(1 / 3)) return;
  const k = r.int(3, 5);
  const sentinels: NonNullable<Scenario['sentinels']> = {};
  for (let i = 0; i < k; i++) sentinels[`s${i}`] = r.chance(0.6) ? { near: r.pick(names) } : {};
  sc.sentinels = sentinels;
  sc.sentinel = {
    quorum: r.pick([2, Math.floor(k / 2) + 1]),
    'down-after-milliseconds': r.int(1000, 5000),
    'failover-timeout': r.pick([5000, 10000, 30000]),
    'parallel-syncs': r.pick([1, 1, 2]),
  };
  delete sc.monitor;
  const families = sc.faults!.families!;
  if (families['orchestrated-failover']) {
    delete families['orchestrated-failover'];
    if (Object.keys(families).length === 0) families.crash = { everyMs: FAMILY_DRAWS.everyMs.max * FAMILY_DRAWS.downEveryFactor, downMs: FAMILY_DRAWS.downMs.min };
  }
  for (const c of Object.values(sc.clients ?? {})) if (c.discovery !== 'fixed') c.discovery = 'sentinel';
  // Sentinel learns replicas from the master's INFO only: a chained replica is one no Sentinel
  // knows (a stray promotion of it would never be undone), so Sentinel seeds replicate n0 directly
  for (const name of names.slice(1)) sc.nodes[name]!.replicaof = 'n0';
  // the faults begin once the Sentinels know every replica (the master's INFO every 10 s): a
  // replica promoted by hand before that is a master no Sentinel manages, as in a real deployment
  sc.steps!.splice(1, 0, { op: 'sleep', ms: 11000, comment: 'the Sentinels meet the replicas' });
}

/**
 * Half the seeds write through application clients on the network (near random nodes, partitioned
 * with them), some with WAIT after each write and reads of their own keys; the others keep the
 * direct writes. A stream of its own, so every earlier draw of a seed stays the same.
 */
function drawClients(r: RngStream, sc: Scenario, names: string[]): void {
  if (!r.chance(0.5)) return;
  const clients: NonNullable<Scenario['clients']> = {};
  const k = r.int(1, 3);
  for (let i = 0; i < k; i++) {
    const near = r.pick(names);
    clients[`c${i}`] = { near, timeoutMs: r.pick([200, 1000, 5000]), ...(r.chance(0.2) ? { discovery: 'fixed' as const, node: near } : {}) };
  }
  sc.clients = clients;
  const load = sc.workload!;
  load.clients = Object.keys(clients);
  if (r.chance(0.3)) load.wait = { replicas: r.int(0, names.length - 1), timeoutMs: r.pick([10, 100]) };
  if (r.chance(0.3)) load.reads = r.pick([0.1, 0.3]);
}

/**
 * Redis as shipped: diskless sync and load, AOF per node, output-buffer limits, values larger than a
 * replication-buffer block, one-way cuts. Drawn from a stream of their own, so the topology, network,
 * workload and faults a seed drew before these existed stay the same.
 */
function drawShipped(r: RngStream, sc: Scenario, names: string[]): void {
  Object.assign(sc.config!, {
    'repl-diskless-sync': r.pick(['yes', 'yes', 'yes', 'no']),
    'repl-diskless-sync-delay': r.pick([0, 1, 5]),
    'repl-diskless-sync-max-replicas': r.pick([0, 0, 1, 2]),
    'repl-diskless-load': r.pick(['disabled', 'on-empty-db', 'swapdb']),
    'rdb-key-save-delay': r.pick([0, 0, 0, 1000, 2000]),
    'client-output-buffer-limit': r.pick(['replica 256mb 64mb 60', 'replica 256mb 64mb 60', 'replica 0 0 0', 'replica 32mb 8mb 10']),
  });
  for (const name of names) {
    if (!r.chance(0.4)) continue;
    const node = sc.nodes[name]!;
    node.config = {
      ...node.config,
      appendonly: 'yes',
      appendfsync: r.pick(['always', 'everysec', 'no']),
      'aof-use-rdb-preamble': r.pick(['yes', 'no']),
      'auto-aof-rewrite-min-size': r.pick(['4kb', '64kb', '64mb']),
    };
  }
  // values past the block cap (max(backlog/16, 16kb)), at a rate the slowest link still carries
  if (r.chance(0.2)) Object.assign(sc.workload!, { valueSize: r.pick([20000, 100000]), writesPerSec: 20 });
  const partition = sc.faults!.families!.partition;
  if (partition && r.chance(0.4)) partition.oneway = r.pick([0.3, 0.5, 1]);
}
