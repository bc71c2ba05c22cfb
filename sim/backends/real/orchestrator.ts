// The real backend's orchestrator, for the `orchestrated-failover` and `settle` steps: the
// simulator's Orchestrator (sim/cluster/orchestrator.ts) over real processes, deciding from what
// INFO says now: the best reachable replica (lowest replica-priority above 0, largest offset, name),
// REPLICAOF NO ONE, every other node re-pointed; after faults, one master and every node under it.
import type { RespValue } from './resp.js';
import { RespError } from './resp.js';
import type { RedisProcesses } from './processes.js';

type Info = Record<string, string | number>;

/** What the orchestrator needs of the run: the processes and which node pairs the fabric cuts now. */
export interface OrchestratorEnv {
  readonly procs: RedisProcesses;
  /** `${from}\0${to}` for every direction a partition, cut or isolate drops now (cleared by heal). */
  readonly blocked: ReadonlySet<string>;
  /** The node the scenario starts as the master (no replicaof), or null. */
  readonly initialMaster: string | null;
  /** A decision or refusal, for the run's report. */
  note(detail: Record<string, unknown>): void;
}

export class RealOrchestrator {
  /** The node the orchestrator considers the master, or null when it knows none. */
  master: string | null;

  constructor(private readonly env: OrchestratorEnv) {
    this.master = env.initialMaster;
  }

  private async view(): Promise<Map<string, Info>> {
    const out = new Map<string, Info>();
    for (const n of this.env.procs.names) {
      if (!this.env.procs.isRunning(n) || this.env.procs.isPaused(n)) continue;
      const i = await this.env.procs.info(n);
      if (i) out.set(n, i);
    }
    return out;
  }

  /** Running, not stopped, and not cut off (both ways) from every other node: as the simulator's orchestrator without `near`. */
  private reachable(n: string, view: Map<string, Info>): boolean {
    if (!view.has(n)) return false;
    const others = this.env.procs.names.filter((o) => o !== n);
    const { blocked } = this.env;
    return others.length === 0 || others.some((o) => !blocked.has(`${n}\u0000${o}`) && !blocked.has(`${o}\u0000${n}`));
  }

  /** n's chain of masters as INFO shows it: the nodes passed, and whether it loops. */
  private chain(n: string, view: Map<string, Info>): { path: string[]; cycle: boolean } {
    const path = [n];
    for (let cur = view.get(n); cur?.role === 'slave'; cur = view.get(path[path.length - 1]!)) {
      const next = String(cur.master_host);
      if (path.includes(next)) return { path, cycle: true };
      path.push(next);
    }
    return { path, cycle: false };
  }

  /** The known master became a replica (a promotion replayed as REPLICAOF): adopt the root of its chain when that is a running master. */
  private refresh(view: Map<string, Info>): void {
    const m = this.master;
    if (m === null || view.get(m)?.role !== 'slave') return;
    const { path, cycle } = this.chain(m, view);
    const root = path[path.length - 1]!;
    if (cycle || view.get(root)?.role !== 'master') return;
    this.env.note({ type: 'x.orch.adopt', old_master: m, master: root });
    this.master = root;
  }

  private async accepted(n: string, args: string[]): Promise<boolean> {
    return this.noteRefusal(n, args, await this.env.procs.command(n, args));
  }

  /** Whether a reply is a yes; a refusal (or a node that is down) is noted. */
  private noteRefusal(n: string, args: string[], r: RespValue | undefined): boolean {
    if (r !== undefined && !(r instanceof RespError)) return true;
    this.env.note({ type: 'x.orch.refused', node: n, args, error: r === undefined ? 'node down' : r.message });
    return false;
  }

  /** Pick, promote and re-point; the new master, or null when no replica qualifies. */
  async failover(reason: string): Promise<string | null> {
    const view = await this.view();
    this.refresh(view);
    const old = this.master;
    const candidates = [...view.entries()]
      .filter(([n, i]) => n !== old && this.reachable(n, view) && i.role === 'slave' && priority(i) > 0)
      .map(([n, i]) => ({ node: n, priority: priority(i), offset: Number(i.master_repl_offset) }))
      .sort((a, b) => a.priority - b.priority || b.offset - a.offset || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    let chosen: string | null = null;
    for (const c of candidates) {
      if (await this.accepted(c.node, ['REPLICAOF', 'NO', 'ONE'])) {
        chosen = c.node;
        break;
      }
    }
    this.env.note({ type: 'x.orch.decision', reason, old_master: old, candidates, chosen });
    if (chosen === null) return null;
    const others = this.env.procs.names.filter((n) => n !== chosen && this.reachable(n, view));
    const masterOf = (n: string) => (view.get(n)?.role === 'slave' ? String(view.get(n)!.master_host) : null);
    const replies = await repointInWaves(others, masterOf, (n) => this.env.procs.command(n, ['REPLICAOF', chosen!]));
    // refusals noted in name order, not in the order the replies came
    others.forEach((n, k) => this.noteRefusal(n, ['REPLICAOF', chosen!], replies[k]));
    this.master = chosen;
    return chosen;
  }

  /** Where a node that comes back starts: a replica of the known master (null: it is the master, or none is known). */
  replicaofFor(n: string): string | null {
    return this.master === null || this.master === n ? null : this.master;
  }

  /**
   * Put the topology in order (as the simulator's restoreTopology, retried by the caller): the known
   * master, or if it cannot serve the best replica or the master with the largest offset, is a master,
   * and every reachable node leads to it. Returns false when it cannot act yet.
   */
  async restoreTopology(): Promise<boolean> {
    let view = await this.view();
    this.refresh(view);
    if (this.master === null || !view.has(this.master)) {
      if ((await this.failover('no running master after faults')) === null) this.adoptAnyMaster(view);
      if (this.master === null) return false;
      view = await this.view();
    }
    const m = this.master;
    if (!this.reachable(m, view)) return false;
    if (view.get(m)?.role !== 'master') {
      if (!(await this.accepted(m, ['REPLICAOF', 'NO', 'ONE']))) return false;
      this.env.note({ type: 'x.orch.promote', node: m, reason: 'known master was a replica' });
      view = await this.view();
    }
    for (const n of this.env.procs.names) {
      if (n === m || !this.reachable(n, view)) continue;
      const i = view.get(n)!;
      if (i.role === 'master' || !this.chain(n, view).path.includes(m)) {
        if (await this.accepted(n, ['REPLICAOF', m])) this.env.note({ type: 'x.orch.repoint', node: n, master: m });
      }
    }
    return true;
  }

  /** No replica to promote: the reachable master with the largest offset (then name). */
  private adoptAnyMaster(view: Map<string, Info>): void {
    const masters = [...view.entries()]
      .filter(([n, i]) => this.reachable(n, view) && i.role === 'master')
      .sort(([a, x], [b, y]) => Number(y.master_repl_offset) - Number(x.master_repl_offset) || (a < b ? -1 : 1));
    if (masters.length === 0) return;
    this.env.note({ type: 'x.orch.adopt', old_master: this.master, master: masters[0]![0] });
    this.master = masters[0]![0];
  }

  /**
   * Why the deployment has not converged (null once it has): every node runs, the known master is
   * the only master, and every node has its replid, offset and data (DEBUG DIGEST).
   */
  async notConverged(inSync: () => Promise<string | null>): Promise<string | null> {
    const view = await this.view();
    this.refresh(view);
    const m = this.master;
    const down = this.env.procs.names.filter((n) => !view.has(n));
    if (down.length > 0) return `${down.join(', ')} down`;
    if (m === null) return 'no master known';
    const masters = [...view.entries()].filter(([, i]) => i.role === 'master').map(([n]) => n);
    if (masters.length !== 1 || masters[0] !== m) return `masters: ${masters.join(', ') || 'none'} (the orchestrator's: ${m})`;
    const why = await inSync();
    if (why !== null) return why;
    const position = async (n: string) => {
      const i = view.get(n)!;
      return `${String(i.master_replid)} ${String(i.master_repl_offset)} ${String(await this.env.procs.call(n, ['DEBUG', 'DIGEST']))}`;
    };
    const want = await position(m);
    for (const n of this.env.procs.names) {
      const at = await position(n);
      if (at !== want) return `${n} at ${at}, the master ${m} at ${want}`;
    }
    return null;
  }
}

/**
 * Re-points `nodes` (each with `send`) as if at one instant, as the simulator's orchestrator does:
 * in waves, each wave at once, and a node only after every node of the batch that replicates from
 * it (`masterOf`: its master now, per INFO) has been answered. One by one in another order, a node
 * re-pointed before its own replicas would, on a partial sync with a new id, drop them (7.0
 * disconnects its replicas when its replid changes), and 7.0 reconnects them at once
 * (replicationHandleMasterDisconnection()): they would PSYNC with it before their own REPLICAOF
 * came, which never happens in the simulator's instant. The replies are returned in `nodes`' order.
 */
export async function repointInWaves<T>(nodes: readonly string[], masterOf: (n: string) => string | null, send: (n: string) => Promise<T>): Promise<T[]> {
  const replies = new Map<string, T>();
  let pending = [...nodes];
  while (pending.length > 0) {
    const waiting = new Set(pending.map(masterOf).filter((m): m is string => m !== null));
    // a cycle of masters (none is free) goes at once
    const wave = pending.some((n) => !waiting.has(n)) ? pending.filter((n) => !waiting.has(n)) : pending;
    const got = await Promise.all(wave.map(send));
    wave.forEach((n, k) => replies.set(n, got[k]!));
    pending = pending.filter((n) => !replies.has(n));
  }
  return nodes.map((n) => replies.get(n)!);
}

/** replica-priority as INFO shows it on a replica (100 when absent). */
function priority(i: Info): number {
  const p = i.slave_priority ?? i.replica_priority;
  return p === undefined ? 100 : Number(p);
}
