// A simulated deployment: the scheduler, the seed's streams, the trace, the network with one host
// per node, and the Redis process running on each host. Crash, shutdown and restart act on
// processes; the host's disk outlives them.

import { Scheduler } from '../kernel/scheduler.js';
import { Rng, type Seed } from '../kernel/rng.js';
import { Trace, type TraceListener, type TraceSink } from '../kernel/trace.js';
import { Network } from '../net/network.js';
import { ProcessContext } from './process-context.js';
import type { LinkParams } from '../net/links.js';
import { RedisNode, type Client } from '../redis/instance.js';
import { buildConfig, type RedisConfig } from '../redis/config.js';
import { PENDING } from '../redis/dispatch.js';
import type { Reply } from '../redis/reply.js';
import type { MutantName } from '../redis/mutants.js';
import { infoFields, type InfoFields } from '../redis/info.js';
import { explainSyncLoop } from '../redis/output-buffer.js';
import { NetClient, type ClientSpec } from '../clients/client.js';
import { Sentinel } from '../sentinel/sentinel.js';
import { sentinelHooksFor } from '../sentinel/hooks.js';
import { currentMasterHost } from '../sentinel/failover.js';
import type { SentinelConfig } from '../sentinel/config.js';

/** A Sentinel process of the deployment: its configuration, and the node it is near (for partitions). */
export interface SentinelSpec {
  near?: string;
  config: SentinelConfig;
}

export interface NodeSpec {
  /** redis.conf settings for this node, over the world's common config. */
  config?: Record<string, unknown>;
  /** Start as a replica of this node (like --replicaof). */
  replicaof?: string | null;
  /** Start the process this long after the run begins (default 0); a scenario's resolved nodes give this. */
  startAfterUs?: number;
  /** The same in ms, for worlds built by hand (startAfterUs wins). */
  startAfterMs?: number;
}

export interface WorldOptions {
  seed: Seed;
  nodes: Record<string, NodeSpec>;
  /** redis.conf settings for every node. */
  config?: Record<string, unknown>;
  network?: Partial<LinkParams>;
  sink?: TraceSink;
  /**
   * Listeners (properties, summaries) subscribed before the first node starts, so they see every
   * t=0 `redis.start`; a listener subscribed after construction has missed those.
   */
  observers?: TraceListener[];
  /** Application clients on the network (hosts of their own), by name. */
  clients?: Record<string, ClientSpec>;
  /** Sentinel processes (hosts of their own), by name. */
  sentinels?: Record<string, SentinelSpec>;
  maxEvents?: number;
  /** The simulated-time limit (see SchedulerOptions.maxTimeUs). */
  maxTimeUs?: number;
  /** See SchedulerOptions.budgetHook (a harness's wall-clock timeout). */
  budgetHook?: (eventsRun: number) => void;
  mutant?: MutantName | null;
}

interface Slot {
  spec: NodeSpec;
  node: RedisNode | null;
  ctx: ProcessContext | null;
  client: Client | null;
}

export class World {
  readonly sched: Scheduler;
  readonly rng: Rng;
  readonly trace: Trace;
  readonly net: Network;
  readonly nodeNames: string[];
  private readonly slots = new Map<string, Slot>();
  /** Nodes whose first start is still scheduled. */
  private readonly pendingStart = new Set<string>();
  private readonly commonConfig: Record<string, unknown>;
  readonly mutant: MutantName | null;
  /** Application clients on the network, in the scenario's order. */
  readonly clients = new Map<string, NetClient>();
  /** Sentinel processes, in the scenario's order (proc null while one is down). */
  private readonly sentinelSlots = new Map<string, { spec: SentinelSpec; proc: Sentinel | null; ctx: ProcessContext | null }>();
  /**
   * Settings a node's CONFIG REWRITE saved in its config file (which lives outside the data dir:
   * a restart reads it, a wipe keeps it), by node.
   */
  readonly rewrittenConfig = new Map<string, { replicaof: string | null }>();
  /** Where follow-orchestrator clients find the master (set by whoever runs the orchestrator). */
  masterHint: () => string | null = () => null;

  constructor(opts: WorldOptions) {
    this.sched = new Scheduler({
      maxEvents: opts.maxEvents ?? 50_000_000,
      ...(opts.maxTimeUs !== undefined ? { maxTimeUs: opts.maxTimeUs } : {}),
      ...(opts.budgetHook ? { budgetHook: opts.budgetHook } : {}),
    });
    this.rng = new Rng(opts.seed);
    this.trace = new Trace(opts.sink);
    for (const o of opts.observers ?? []) this.trace.subscribe(o);
    this.net = new Network(this.sched, this.rng.stream('net'), this.trace);
    if (opts.network) this.net.links.set(opts.network);
    this.commonConfig = opts.config ?? {};
    this.mutant = opts.mutant ?? null;
    this.nodeNames = Object.keys(opts.nodes);
    for (const name of this.nodeNames) {
      this.net.addHost(name);
      this.slots.set(name, { spec: opts.nodes[name]!, node: null, ctx: null, client: null });
    }
    const sentinelNames = Object.keys(opts.sentinels ?? {});
    const masterName = Object.values(opts.sentinels ?? {})[0]?.config.masterName;
    for (const [name, given] of Object.entries(opts.clients ?? {})) {
      this.net.addHost(name);
      // a Sentinel client asks every Sentinel of the deployment, in order, unless told which
      const spec = given.discovery === 'sentinel' ? { sentinels: sentinelNames, ...(masterName ? { masterName } : {}), ...given } : given;
      this.clients.set(name, new NetClient(name, spec, this.sched, this.net, this.trace, () => this.masterHint()));
    }
    for (const [name, spec] of Object.entries(opts.sentinels ?? {})) {
      this.net.addHost(name);
      this.sentinelSlots.set(name, { spec, proc: null, ctx: null });
    }
    for (const name of this.nodeNames) {
      const spec = opts.nodes[name]!;
      const delayUs = spec.startAfterUs ?? (spec.startAfterMs ?? 0) * 1000;
      if (delayUs > 0) {
        this.pendingStart.add(name);
        this.sched.after(delayUs, (n: string) => {
          this.pendingStart.delete(n);
          this.start(n);
        }, name);
      }
      else this.start(name);
    }
    for (const name of this.sentinelSlots.keys()) this.startSentinel(name);
  }

  // ---- Sentinels ----

  get sentinelNames(): string[] {
    return [...this.sentinelSlots.keys()];
  }

  isSentinel(name: string): boolean {
    return this.sentinelSlots.has(name);
  }

  private sentinelSlot(name: string) {
    const s = this.sentinelSlots.get(name);
    if (!s) throw new Error(`unknown sentinel ${name}`);
    return s;
  }

  private startSentinel(name: string): Sentinel {
    const slot = this.sentinelSlot(name);
    const ctx = new ProcessContext(this, this.net.host(name), 'sentinel');
    this.trace.emit({ t: this.sched.nowUs, type: 'sentinel.event', sentinel: name, event: 'start', instance: null, detail: '', epoch: 0 });
    slot.ctx = ctx;
    slot.proc = new Sentinel(ctx, slot.spec.config, sentinelHooksFor(this.mutant));
    return slot.proc;
  }

  /** A running Sentinel, or null when it is down. */
  sentinelOrNull(name: string): Sentinel | null {
    return this.sentinelSlot(name).proc;
  }

  sentinel(name: string): Sentinel {
    const p = this.sentinelSlot(name).proc;
    if (!p) throw new Error(`sentinel ${name} is not running`);
    return p;
  }

  /** Where the first running Sentinel says the master is (get-master-addr-by-name), or null. */
  sentinelsMaster(): string | null {
    for (const slot of this.sentinelSlots.values()) if (slot.proc) return currentMasterHost(slot.proc);
    return null;
  }

  /**
   * Why the Sentinels do not all name `master` in one configuration epoch with no failover under
   * way (a Sentinel that is down counts as not agreeing), or null when they do.
   */
  sentinelsDisagree(master: string): string | null {
    const parts: string[] = [];
    const epochs = new Set<number>();
    for (const [name, slot] of this.sentinelSlots) {
      const p = slot.proc;
      if (!p) parts.push(`sentinel ${name} is down`);
      else {
        epochs.add(p.master.configEpoch);
        if (p.master.inProgress) parts.push(`sentinel ${name} is failing over (${p.master.failoverState})`);
        else if (currentMasterHost(p) !== master) parts.push(`sentinel ${name} names ${currentMasterHost(p)}`);
      }
    }
    if (epochs.size > 1) parts.push(`sentinels hold config epochs ${[...epochs].sort((a, b) => a - b).join(', ')}`);
    return parts.length ? parts.join('; ') : null;
  }

  /** sentinelsDisagree(master) === null, without building the reasons (a settle asks after every event). */
  sentinelsAgree(master: string): boolean {
    let epoch: number | null = null;
    for (const slot of this.sentinelSlots.values()) {
      const p = slot.proc;
      if (!p || p.master.inProgress || currentMasterHost(p) !== master) return false;
      if (epoch !== null && p.master.configEpoch !== epoch) return false;
      epoch = p.master.configEpoch;
    }
    return true;
  }

  /** The node a client or Sentinel is near (partitions put it in that node's group). */
  private nearOf(name: string): string | undefined {
    return this.clients.get(name)?.spec.near ?? this.sentinelSlots.get(name)?.spec.near;
  }

  private slot(name: string): Slot {
    const s = this.slots.get(name);
    if (!s) throw new Error(`unknown node ${name}`);
    return s;
  }

  configFor(name: string): RedisConfig {
    const spec = this.slot(name).spec;
    const merged: Record<string, unknown> = { ...this.commonConfig, ...(spec.config ?? {}) };
    if (spec.replicaof !== undefined) merged.replicaof = spec.replicaof;
    const rewritten = this.rewrittenConfig.get(name);
    if (rewritten) merged.replicaof = rewritten.replicaof;
    return buildConfig(merged, `nodes.${name}.config`);
  }

  private start(name: string): RedisNode {
    const slot = this.slot(name);
    const ctx = new ProcessContext(this, this.net.host(name));
    const node = new RedisNode(ctx, this.configFor(name), {
      mutant: this.mutant,
      onExit: () => {
        ctx.alive = false;
        if (slot.node === node) {
          slot.node = null;
          slot.client = null;
        }
      },
    });
    slot.node = node;
    slot.ctx = ctx;
    slot.client = node.createClient();
    return node;
  }

  /** The running process of a node, or null when it is down. */
  nodeOrNull(name: string): RedisNode | null {
    return this.slot(name).node;
  }

  node(name: string): RedisNode {
    const n = this.slot(name).node;
    if (!n) throw new Error(`node ${name} is not running`);
    return n;
  }

  isRunning(name: string): boolean {
    return this.slot(name).node !== null;
  }

  /** The node's scenario client (one per process: its selected db persists between commands). */
  client(name: string): Client {
    const s = this.slot(name);
    if (!s.client) throw new Error(`node ${name} is not running`);
    return s.client;
  }

  /** Send a command from the node's scenario client. A blocking command's reply arrives via onReply. */
  call(name: string, args: (string | number)[], onReply?: (r: Reply) => void): Reply | typeof PENDING {
    const r = this.node(name).call(this.client(name), args.map(String), onReply);
    return r;
  }

  /** Send a command that answers at once (throws if it blocks). */
  command(name: string, args: (string | number)[]): Reply {
    const r = this.call(name, args);
    if (r === PENDING) throw new Error(`${args.join(' ')} on ${name} blocked; use callAndWait()`);
    return r;
  }

  /** Send a command and run the simulation until it answers (or throw after maxWaitUs). */
  callAndWait(name: string, args: (string | number)[], maxWaitUs = 120_000_000): Reply {
    let reply: Reply | undefined;
    let done = false;
    const r = this.call(name, args, (x) => {
      reply = x;
      done = true;
    });
    if (r !== PENDING) return r;
    if (!this.sched.runUntilTrue(() => done, this.sched.nowUs + maxWaitUs)) throw new Error(`${args.join(' ')} on ${name} did not answer`);
    return reply!;
  }

  info(name: string): InfoFields {
    return infoFields(this.node(name));
  }

  /** kill -9: the process dies with everything in memory; the host's connections vanish. */
  crash(name: string): void {
    if (this.isSentinel(name)) return this.crashSentinel(name);
    const slot = this.slot(name);
    const node = slot.node;
    if (!node) return;
    this.trace.emit({ t: this.sched.nowUs, type: 'redis.stop', node: name, how: 'crash', saved: false });
    node.exit(false);
    // the host goes down with its page cache: AOF bytes written but not yet fsynced are lost
    this.net.host(name).disk.loseUnsynced();
    this.net.crashHost(name);
  }

  /** Start a fresh process over the same disk (or an empty one). replicaof overrides the start-up config. */
  restart(name: string, opts: { replicaof?: string | null; wipe?: boolean } = {}): RedisNode {
    const slot = this.slot(name);
    if (slot.node) throw new Error(`node ${name} is still running; crash or shut it down first`);
    if (opts.replicaof !== undefined) {
      // the operator edits the config file
      slot.spec = { ...slot.spec, replicaof: opts.replicaof };
      if (this.rewrittenConfig.has(name)) this.rewrittenConfig.set(name, { replicaof: opts.replicaof });
    }
    const host = this.net.host(name);
    if (opts.wipe) host.disk.wipe();
    if (!host.up) this.net.restartHost(name);
    return this.start(name);
  }

  /**
   * Stop a node's process for durationUs (SIGSTOP/SIGCONT, DEBUG SLEEP): its timers and incoming
   * bytes wait, its peers' timers keep running. Work scheduled by the caller for the wake-up time
   * before the pause starts runs before anything that was held.
   */
  pause(name: string, durationUs: number): void {
    if (this.isSentinel(name)) this.sentinel(name);
    else this.node(name);
    this.net.pauseHost(name, durationUs);
  }

  /** kill -9 of a Sentinel: sentinel.conf (rewritten and fsynced at every change) survives. */
  crashSentinel(name: string): void {
    const slot = this.sentinelSlot(name);
    if (!slot.proc) return;
    this.trace.emit({ t: this.sched.nowUs, type: 'sentinel.event', sentinel: name, event: 'stop', instance: null, detail: 'crash', epoch: slot.proc.currentEpoch });
    slot.proc.exit();
    slot.ctx!.alive = false;
    slot.proc = null;
    slot.ctx = null;
    this.net.crashHost(name);
  }

  /** Start a crashed Sentinel again from its sentinel.conf (or from nothing: wipe). */
  restartSentinel(name: string, opts: { wipe?: boolean } = {}): Sentinel {
    const slot = this.sentinelSlot(name);
    if (slot.proc) throw new Error(`sentinel ${name} is still running; crash it first`);
    const host = this.net.host(name);
    if (opts.wipe) host.disk.wipe();
    if (!host.up) this.net.restartHost(name);
    return this.startSentinel(name);
  }

  /** An application client by name. */
  netClient(name: string): NetClient {
    const c = this.clients.get(name);
    if (!c) throw new Error(`unknown client ${name}`);
    return c;
  }

  /**
   * Partition the network into groups (both ways between every pair). A client a group does not
   * name goes with the node it is near; hosts in no group keep their links.
   */
  partition(groups: string[][]): void {
    const named = new Set(groups.flat());
    const withClients = groups.map((g) => [...g]);
    for (const name of [...this.clients.keys(), ...this.sentinelSlots.keys()]) {
      const near = this.nearOf(name);
      if (named.has(name) || near === undefined) continue;
      withClients.find((g) => g.includes(near))?.push(name);
    }
    this.net.partition(withClients);
  }

  /** Cut a node (and the clients near it) off from every other host. */
  isolate(node: string): void {
    this.partition([[node], this.net.hostNames().filter((h) => h !== node && this.nearOf(h) !== node)]);
  }

  runFor(us: number): void {
    this.sched.runUntil(this.sched.nowUs + us);
  }

  runUntil(pred: () => boolean, timeoutUs: number): boolean {
    return this.sched.runUntilTrue(pred, this.sched.nowUs + timeoutUs);
  }

  /**
   * The chain of masters from `start`: start, its master, that one's master... while the node runs
   * and names a known node as its master. `cycleAt` is the index in `path` of the node the chain
   * came back to, or -1 when it ended (at a master, a node that is down, or a replica of an unknown
   * host). Every walk over replica chains goes through here.
   */
  masterChain(start: string): { path: string[]; cycleAt: number } {
    const path: string[] = [];
    for (let at: string | null = start; at !== null; ) {
      const i = path.indexOf(at);
      if (i >= 0) return { path, cycleAt: i };
      path.push(at);
      const n: RedisNode | null = this.slots.get(at)?.node ?? null;
      at = n && n.masterHost !== null && this.slots.has(n.masterHost) ? n.masterHost : null;
    }
    return { path, cycleAt: -1 };
  }

  /**
   * A cycle of running replicas (a -> b -> a after REPLICAOF steps), as the list of its nodes with
   * the first one again at the end, or null. Redis lets replicas of replicas sync from each other,
   * so such a cycle can look "in sync" with no master anywhere.
   */
  replicaCycle(): string[] | null {
    for (const start of this.nodeNames) {
      const { path, cycleAt } = this.masterChain(start);
      if (cycleAt >= 0) return [...path.slice(cycleAt), path[cycleAt]!];
    }
    return null;
  }

  /**
   * Why running replica `name` is not in sync with its master (link down, offsets differ, master
   * down), or null when it is, or is a master, or is down. A replica of an unknown host is parked
   * (like REPLICAOF 127.0.0.1 1): never in sync, not waited for.
   */
  private syncGap(name: string): string | null {
    const n = this.slot(name).node;
    if (!n || n.masterHost === null || !this.slots.has(n.masterHost)) return null;
    const m = this.slots.get(n.masterHost)!.node;
    // the master must still list it online too: a close it sent may not have reached the replica yet
    const online = m !== null && m.masterSide.replicas.some((r) => r.peer === name && r.replState === 'online');
    if (m && n.replState === 'connected' && n.masterReplOffset === m.masterReplOffset && online) return null;
    const gap = `${name} (replica of ${n.masterHost}): link ${n.replState}, offset ${n.masterReplOffset} vs ${m ? m.masterReplOffset : 'master down'}${m && n.replState === 'connected' && !online ? `, not online at ${n.masterHost}` : ''}`;
    const loop = m ? explainSyncLoop(name, n.masterHost, m.masterSide.obufLimits.stats.get(name)) : null;
    return loop ? `${gap} (${loop})` : gap;
  }

  /**
   * syncGap(name) === null, without building the reason: a settle or wait-sync asks this after
   * every event.
   */
  private replicaInSync(name: string): boolean {
    const n = this.slot(name).node;
    if (!n || n.masterHost === null || !this.slots.has(n.masterHost)) return true;
    const m = this.slots.get(n.masterHost)!.node;
    if (!m || n.replState !== 'connected' || n.masterReplOffset !== m.masterReplOffset) return false;
    const rs = m.masterSide.replicas;
    for (let i = 0; i < rs.length; i++) if (rs[i]!.peer === name && rs[i]!.replState === 'online') return true;
    return false;
  }

  /** replicaCycle() !== null, without building the cycle: a walk up the replica chain longer than the number of nodes went round one. */
  private hasReplicaCycle(): boolean {
    const most = this.slots.size;
    for (const start of this.nodeNames) {
      let steps = 0;
      for (let at: string | null = start; at !== null; ) {
        if (++steps > most) return true;
        const n: RedisNode | null = this.slots.get(at)?.node ?? null;
        at = n && n.masterHost !== null && this.slots.has(n.masterHost) ? n.masterHost : null;
      }
    }
    return false;
  }

  /** Every running replica of a known node has its link up and the same offset as its (running) master, and no replicas form a cycle. */
  inSync(): boolean {
    if (this.pendingStart.size > 0) return false;
    if (this.hasReplicaCycle()) return false;
    for (const n of this.nodeNames) if (!this.replicaInSync(n)) return false;
    return true;
  }

  /** What keeps the deployment from being in sync, for failure messages: nodes down, lagging replicas, a cycle. */
  syncReport(): string {
    const parts: string[] = [];
    for (const n of this.nodeNames) {
      if (!this.isRunning(n)) parts.push(`${n} is down`);
      else {
        const gap = this.syncGap(n);
        if (gap !== null) parts.push(gap);
      }
    }
    const cycle = this.replicaCycle();
    if (cycle) parts.push(`${cycle.join(' -> ')} is a cycle of replicas with no master`);
    return parts.join('; ') || 'topology not settled';
  }

  waitSync(timeoutUs = 60_000_000): boolean {
    return this.runUntil(() => this.inSync(), timeoutUs);
  }
}
