// The ideal failover: an omniscient, instant operator that decides as Sentinel would (among
// reachable replicas, the lowest replica-priority above 0, then the largest replication offset,
// then the name), promotes, re-points every other reachable node, and re-points the old master when
// it comes back. An optional monitor runs this when the master has been unreachable for
// down-after-ms. Every decision goes into the trace. In a deployment with Sentinels it only
// watches: the Sentinels decide, and it follows what they say the master is.

import { isError } from '../redis/reply.js';
import type { World } from './world.js';

export class Orchestrator {
  /** The node the orchestrator considers the master, or null when it knows none. */
  master: string | null;
  /** Old masters to re-point when they come back. */
  private readonly pendingRepoint = new Set<string>();
  private downSinceUs: number | null = null;
  /** restoreTopology() could not finish (master stopped or cut off): retried on every tick. */
  private restorePending = false;

  /**
   * `near`: the orchestrator sits in that node's partition group (as Sentinels on one side of a
   * partition do) and reaches only what that node's links reach; without it, it is everywhere.
   */
  constructor(
    private readonly w: World,
    private readonly near: string | null = null,
    /** With Sentinels: where they say the master is (the orchestrator then decides nothing). */
    private readonly sentinelView: (() => string | null) | null = null,
  ) {
    this.master = w.nodeNames.find((n) => !w.configFor(n).replicaof) ?? null;
  }

  /** Sentinels decide failovers and topology; the orchestrator only follows them. */
  get watchOnly(): boolean {
    return this.sentinelView !== null;
  }

  /**
   * A node the orchestrator can talk to: running, not stopped, and not cut off from the
   * orchestrator's place (`near`) or, without one, from every other node.
   */
  reachable(name: string): boolean {
    const node = this.w.nodeOrNull(name);
    if (!node) return false;
    const host = this.w.net.host(name);
    if (host.pausedUntilUs > this.w.sched.nowUs) return false;
    const near = this.near;
    if (near !== null) return name === near || (!this.w.net.isBlocked(name, near) && !this.w.net.isBlocked(near, name));
    const others = this.w.nodeNames.filter((n) => n !== name);
    return others.length === 0 || others.some((o) => !this.w.net.isBlocked(name, o) && !this.w.net.isBlocked(o, name));
  }

  /**
   * Follow changes made behind the orchestrator's back (REPLICAOF steps, FAILOVER): when the known
   * master has become a replica, the root of its chain, if that is a running master, is adopted.
   */
  refresh(): void {
    if (this.sentinelView) {
      this.master = this.sentinelView() ?? this.master;
      return;
    }
    const m = this.master;
    if (m === null) return;
    const node = this.w.nodeOrNull(m);
    if (!node || node.isMaster) return;
    const { path, cycleAt } = this.w.masterChain(m);
    const root = path[path.length - 1]!;
    if (cycleAt >= 0 || !this.w.nodeOrNull(root)?.isMaster) return;
    this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.orch.adopt', old_master: m, master: root });
    this.master = root;
  }

  /** A node came back after a crash or restart: re-point it at the master when reachable. */
  noteRestart(name: string): void {
    if (name !== this.master) this.pendingRepoint.add(name);
  }

  /**
   * Restart a node the way a Sentinel-managed deployment does: its start-up config names the
   * current master (Sentinel rewrites it), so a restart never points it at one of its own replicas.
   */
  restart(name: string): void {
    // with Sentinels the node starts as its config file says (Sentinel's CONFIG REWRITE)
    if (this.watchOnly) return void this.w.restart(name);
    this.refresh();
    const m = this.master;
    this.w.restart(name, m === null ? {} : { replicaof: m === name ? null : m });
    this.noteRestart(name);
  }

  /**
   * Put the topology back in order after faults: the known master (or, if it cannot serve, a new
   * one) is a master, and every reachable node replicates it directly or through a chain.
   */
  restoreTopology(): void {
    if (this.watchOnly) return;
    const w = this.w;
    this.refresh();
    this.restorePending = false;
    if (this.master === null || !w.isRunning(this.master)) {
      if (this.failover('no running master after faults') === null) this.adoptAnyMaster();
      if (this.master === null) {
        this.restorePending = true;
        return;
      }
    }
    if (!this.reachable(this.master)) {
      // stopped or cut off for now: try again on the next tick rather than fail over needlessly
      this.restorePending = true;
      return;
    }
    const m = w.node(this.master);
    if (!m.isMaster) {
      if (!this.promote(this.master)) {
        this.restorePending = true; // refused for now (e.g. loading): try again on the next tick
        return;
      }
      w.trace.emit({ t: w.sched.nowUs, type: 'x.orch.promote', node: this.master, reason: 'known master was a replica' });
    }
    for (const n of w.nodeNames) {
      if (n === this.master) continue;
      if (!this.reachable(n)) {
        this.pendingRepoint.add(n); // handled by tick() once it is reachable
        continue;
      }
      const node = w.node(n);
      if (node.isMaster || !this.leadsTo(n, this.master)) this.repoint(n, this.master);
    }
  }

  /** No replica to promote: take the reachable master with the largest offset (then name). */
  private adoptAnyMaster(): void {
    const masters = this.w.nodeNames.filter((n) => this.reachable(n) && this.w.node(n).isMaster);
    masters.sort((a, b) => this.w.node(b).masterReplOffset - this.w.node(a).masterReplOffset || (a < b ? -1 : 1));
    if (masters.length === 0) return;
    this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.orch.adopt', old_master: this.master, master: masters[0]! });
    this.master = masters[0]!;
  }

  /** Does n's chain of masters reach target (without a cycle)? */
  private leadsTo(n: string, target: string): boolean {
    return this.w.masterChain(n).path.includes(target);
  }

  /** Promote a given replica and re-point everything else at it (a manual failover); nothing changes if it refuses. */
  failoverTo(chosen: string, reason: string): void {
    if (!this.promote(chosen)) return;
    // with Sentinels this is an operator's stray REPLICAOF NO ONE: theirs to notice and undo
    if (this.watchOnly) return;
    this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.orch.decision', reason, old_master: this.master, candidates: [], chosen });
    this.repointTo(chosen);
  }

  /**
   * REPLICAOF NO ONE. A node may refuse it (7.0.15 refuses REPLICAOF while it loads a dataset
   * asynchronously, repl-diskless-load swapdb): then nothing is re-pointed at it, or the other nodes
   * would follow a replica (a replication cycle), and the refusal is in the trace.
   */
  private promote(n: string): boolean {
    return this.accepted(n, ['REPLICAOF', 'NO', 'ONE']);
  }

  /** REPLICAOF master; a refusal leaves the node for tick() to re-point later. */
  private repoint(n: string, master: string): void {
    if (this.accepted(n, ['REPLICAOF', master])) this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.orch.repoint', node: n, master });
    else this.pendingRepoint.add(n);
  }

  private accepted(n: string, args: string[]): boolean {
    const r = this.w.call(n, args);
    if (!isError(r)) return true;
    this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.orch.refused', node: n, args, error: r.message });
    return false;
  }

  /** Pick, promote and re-point. Returns the new master, or null when no replica qualifies. */
  failover(reason: string): string | null {
    if (this.watchOnly) return null;
    const w = this.w;
    this.refresh();
    const old = this.master;
    const candidates = w.nodeNames
      .filter((n) => n !== old && this.reachable(n))
      .map((n) => ({ n, node: w.node(n) }))
      .filter(({ node }) => !node.isMaster && node.cfg['replica-priority'] > 0);
    candidates.sort(
      (a, b) =>
        a.node.cfg['replica-priority'] - b.node.cfg['replica-priority'] ||
        b.node.masterReplOffset - a.node.masterReplOffset ||
        (a.n < b.n ? -1 : a.n > b.n ? 1 : 0),
    );
    // the best candidate that accepts its promotion
    const chosen = candidates.find(({ n }) => this.promote(n))?.n ?? null;
    w.trace.emit({
      t: w.sched.nowUs,
      type: 'x.orch.decision',
      reason,
      old_master: old,
      candidates: candidates.map(({ n, node }) => ({ node: n, priority: node.cfg['replica-priority'], offset: node.masterReplOffset })),
      chosen,
    });
    if (chosen === null) return null;
    this.repointTo(chosen);
    return chosen;
  }

  /** Every other node follows the newly promoted `chosen` (or will, once reachable). */
  private repointTo(chosen: string): void {
    const w = this.w;
    for (const n of w.nodeNames) {
      if (n === chosen) continue;
      if (this.reachable(n)) this.repoint(n, chosen);
      else this.pendingRepoint.add(n);
    }
    this.master = chosen;
    this.downSinceUs = null;
  }

  /** Called periodically: re-point returning nodes; with a monitor, fail over a master that stays down. */
  tick(downAfterUs: number | null): void {
    if (this.watchOnly) return;
    const w = this.w;
    this.refresh();
    if (this.restorePending) this.restoreTopology();
    for (const n of [...this.pendingRepoint]) {
      if (!this.reachable(n) || this.master === null) continue;
      this.pendingRepoint.delete(n);
      if (n !== this.master && (w.node(n).isMaster || !this.leadsTo(n, this.master))) this.repoint(n, this.master);
    }
    if (downAfterUs === null || this.master === null) return;
    if (this.reachable(this.master)) {
      this.downSinceUs = null;
      return;
    }
    this.downSinceUs ??= w.sched.nowUs;
    if (w.sched.nowUs - this.downSinceUs >= downAfterUs) {
      w.trace.emit({ t: w.sched.nowUs, type: 'x.orch.down', node: this.master, down_for_us: w.sched.nowUs - this.downSinceUs });
      this.pendingRepoint.add(this.master);
      this.failover('master down');
    }
  }
}
