// The shared observation model: what each node holds (its replication ids, its offset and the
// stream bytes it fed without a gap), whether its master link is up, its last INFO/DIGEST reading,
// and the lineage of replication ids, all derived from trace facts. Properties judge nodes against
// it instead of against the state a node reports inside the event that carries its own verdict.

import type { TraceEvent } from '../sim/trace-events.js';
import { Lineage } from './lineage.js';

const NO_ID = '0'.repeat(40);

export interface NodeView {
  alive: boolean;
  role: 'master' | 'slave';
  masterHost: string | null;
  replid: string;
  /** The node's one-step memory, as its id changes showed it (start, replid events). */
  replid2: string;
  secondReplOffset: number;
  /** The last stream byte the node fed (generated, applied, or reached by a sync or a link-up). */
  offset: number;
  /** The node fed bytes heldFrom..offset without a gap: a backlog can hold no byte outside them. */
  heldFrom: number;
  /**
   * The offset tracks a stream: false from an observation that says it does not (no backlog, no
   * master link, no cached master) until the node moves again.
   */
  meaningful: boolean;
  linkUp: boolean;
  /** The last INFO/DEBUG DIGEST reading. */
  obs: { t: number; replid: string; offset: number; digest: string; meaningful: boolean } | null;
}

/** What a PSYNC named, and the server's state in the view when it answered. */
export interface PsyncJudgement {
  /** The replica's bytes 1..offset-1 lie on the server's history (through forks). */
  onLineage: boolean;
  /** The server fed the bytes from the requested offset on without a gap (stream facts). */
  fed: boolean;
  /** The id half of Redis 7.0's rule (masterTryPartialResynchronization) over the view's ids. */
  ruleIdOk: boolean;
  /** The backlog holds the bytes: the server fed them (facts) and its backlog still keeps them. */
  holds: boolean;
  /** Redis 7.0's rule as a whole: +CONTINUE exactly when this holds. */
  ruleAllows: boolean;
}

export class ClusterView {
  readonly lineage = new Lineage();
  readonly nodes = new Map<string, NodeView>();

  node(name: string): NodeView | undefined {
    return this.nodes.get(name);
  }

  /** Move a node to `offset`; a jump (not the next byte) starts a new gapless run there. */
  private reach(n: NodeView, offset: number): void {
    if (offset !== n.offset) n.heldFrom = offset + 1;
    n.offset = offset;
    n.meaningful = true;
  }

  onEvent(e: TraceEvent): void {
    this.lineage.onEvent(e);
    switch (e.type) {
      case 'redis.start': {
        // a restarting master feeds the DELs of its load from its RDB's offset on
        const offset = e.role === 'master' ? (e.rdb_repl_offset ?? e.master_repl_offset) : e.master_repl_offset;
        // the start event has no second_repl_offset: a master restarted from its RDB remembers the
        // RDB's id up to the RDB's offset + 1 (PR #8015); anything else starts with none
        const second = e.rdb_repl_id !== null && e.rdb_repl_offset !== null && e.replid2 === e.rdb_repl_id ? e.rdb_repl_offset + 1 : -1;
        this.nodes.set(e.node, { alive: true, role: e.role, masterHost: e.master_host, replid: e.replid, replid2: e.replid2, secondReplOffset: second, offset, heldFrom: offset + 1, meaningful: true, linkUp: false, obs: null });
        return;
      }
      default:
        break;
    }
    if (!('node' in e) || typeof e.node !== 'string' || !e.type.startsWith('redis.')) return;
    const n = this.nodes.get(e.node);
    if (!n) return;
    switch (e.type) {
      case 'redis.stop':
        n.alive = false;
        n.linkUp = false;
        return;
      case 'redis.role':
        n.role = e.role;
        n.masterHost = e.master_host;
        return;
      case 'redis.replid': {
        // Derived, not copied: a shift (the id the node was on becomes its replid2, valid up to the
        // next byte) keeps a one-step memory; any other id change in 7.0 (a full sync, a new id for
        // a first replica or after the backlog TTL) clears it. The event's replid2 field alone
        // cannot tell: a new id for a first replica is reported before clearReplicationId2() runs.
        const shifted = e.replid !== n.replid && e.replid2 === n.replid;
        n.replid2 = shifted ? n.replid : NO_ID;
        n.secondReplOffset = shifted ? e.master_repl_offset + 1 : -1;
        n.replid = e.replid;
        this.reach(n, e.master_repl_offset);
        return;
      }
      case 'redis.sync':
        n.replid = e.replid;
        if (e.kind === 'full') n.heldFrom = e.offset + 1; // the RDB replaced everything
        this.reach(n, e.offset);
        n.linkUp = true;
        return;
      case 'redis.link':
        n.linkUp = e.status === 'up';
        n.replid = e.replid;
        this.reach(n, e.master_repl_offset);
        return;
      case 'redis.stream':
      case 'redis.applied':
        if (e.start !== n.offset + 1) n.heldFrom = e.start;
        n.offset = e.start + e.bytes - 1;
        n.meaningful = true;
        return;
      case 'redis.obs':
        n.obs = { t: e.t, replid: e.replid, offset: e.offset, digest: e.digest, meaningful: e.meaningful };
        n.meaningful = e.meaningful;
        n.role = e.role;
        return;
      default:
        return;
    }
  }

  /**
   * Judge a PSYNC against the server's state in the view (not the state the event reports). How
   * much of what it fed its backlog keeps (repl-backlog-size, a TTL that freed it) is not in the
   * trace: `backlogFirstByte` is the server's word for that bound (0: no backlog).
   * The checkers' one statement of the rule (the model has its own, in sim/redis).
   */
  judgePsync(server: string, requestedReplid: string, requestedOffset: number, backlogFirstByte: number): PsyncJudgement {
    const n = this.nodes.get(server);
    if (!n) return { onLineage: false, fed: false, ruleIdOk: false, holds: false, ruleAllows: false };
    const id = requestedReplid.toLowerCase();
    const fed = requestedOffset >= n.heldFrom && requestedOffset <= n.offset + 1;
    const holds = fed && backlogFirstByte > 0 && requestedOffset >= backlogFirstByte;
    const ruleIdOk = id === n.replid || (id === n.replid2 && requestedOffset <= n.secondReplOffset);
    return { onLineage: this.lineage.onLineage(id, requestedOffset - 1, n.replid, n.offset), fed, ruleIdOk, holds, ruleAllows: ruleIdOk && holds };
  }
}
