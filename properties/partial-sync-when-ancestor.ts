// Property 2: every PSYNC is judged against the observation model (ClusterView), not against the
// state the server reports in its own event. A partial sync must continue a prefix of the server's
// history from bytes its backlog holds; a full sync where Redis 7.0's own rule allowed a partial one
// is a protocol bug; a full sync where a common ancestor existed and the backlog held the bytes, but
// replid2's one-step memory could not see it, is a "missed partial sync": counted and shown, not a
// violation (that is what Redis 7.0 does).

import type { TraceEvent } from '../sim/trace-events.js';
import type { ClusterView } from './view.js';
import { BaseProperty, short } from './types.js';

export class PartialSyncWhenAncestor extends BaseProperty {
  readonly name = 'partial-sync-when-ancestor';
  readonly types: readonly TraceEvent['type'][] = ['redis.psync'];
  private missed = 0;
  private partial = 0;
  private full = 0;
  private readonly missedDetails: string[] = [];

  constructor(private readonly view: ClusterView) {
    super();
  }

  onEvent(e: TraceEvent): void {
    if (e.type !== 'redis.psync') return;
    if (e.result === 'continue') this.partial++;
    else this.full++;
    if (e.requested_replid.startsWith('?')) return;
    const server = this.view.node(e.node);
    const j = this.view.judgePsync(e.node, e.requested_replid, e.requested_offset, e.repl_backlog_first_byte_offset);
    const holds = j.holds;
    const where = `${e.replica} asked ${e.node} for ${short(e.requested_replid)}:${e.requested_offset}`;
    const at = server ? `replid ${short(server.replid)} at offset ${server.offset}` : 'a node the trace never started';
    if (e.result === 'continue') {
      if (!j.onLineage) {
        this.violate(e.t, [e.node, e.replica], `${where} and got +CONTINUE, but the replica's history is not a prefix of ${e.node}'s (${at}): the replica keeps bytes the new master never had, and the two diverge.`);
      } else if (!holds) {
        const gone = j.fed ? `${e.node}'s backlog holds only ${e.repl_backlog_first_byte_offset}..${server!.offset}` : `${e.node} fed only bytes ${server ? server.heldFrom : '?'}..${server ? server.offset : '?'} without a gap`;
        this.violate(e.t, [e.node, e.replica], `${where} and got +CONTINUE, but ${gone}: the bytes it must send are gone.`);
      }
      return;
    }
    if (j.ruleAllows) {
      this.violate(e.t, [e.node, e.replica], `${where} and got a full sync, although Redis 7.0's rule allows a partial one here (replid ${short(server!.replid)}, replid2 ${short(server!.replid2)} up to ${server!.secondReplOffset}, backlog ${e.repl_backlog_first_byte_offset}..${server!.offset}); the model broke the protocol.`);
    } else if (j.onLineage && holds) {
      this.missed++;
      if (this.missedDetails.length < 5) this.missedDetails.push(`${(e.t / 1000).toFixed(3)} ms: ${where}: a common ancestor existed and the backlog held the bytes, but replid2 remembers one step only`);
    }
  }

  notes(): string[] {
    return this.missedDetails;
  }

  checked(): number {
    return this.partial + this.full;
  }

  stats(): Record<string, number> {
    return { partial_syncs: this.partial, full_syncs: this.full, missed_partial_syncs: this.missed };
  }
}
