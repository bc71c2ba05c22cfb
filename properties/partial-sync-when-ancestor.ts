// Property 2: every PSYNC is judged against the lineage oracle. A partial sync must continue a
// prefix of the server's history from bytes its backlog holds; a full sync where Redis 7.0's own
// rule allowed a partial one is a protocol bug; a full sync where a common ancestor existed and the
// backlog held the bytes, but replid2's one-step memory could not see it, is a "missed partial
// sync": counted and shown, not a violation (that is what Redis 7.0 does).

import type { TraceEvent } from '../sim/trace-events.js';
import type { Lineage } from './lineage.js';
import { BaseProperty, short } from './types.js';

type Psync = Extract<TraceEvent, { type: 'redis.psync' }>;

/** masterTryPartialResynchronization()'s rule, from what the server reported. */
export function redisRuleAllows(e: Psync): boolean {
  const id = e.requested_replid.toLowerCase();
  const off = e.requested_offset;
  const idOk = id === e.master_replid || (id === e.master_replid2 && off <= e.second_repl_offset);
  return idOk && backlogHolds(e);
}

function backlogHolds(e: Psync): boolean {
  const first = e.repl_backlog_first_byte_offset;
  return first > 0 && e.requested_offset >= first && e.requested_offset <= e.master_repl_offset + 1;
}

export class PartialSyncWhenAncestor extends BaseProperty {
  readonly name = 'partial-sync-when-ancestor';
  private missed = 0;
  private partial = 0;
  private full = 0;
  readonly missedDetails: string[] = [];

  constructor(private readonly lineage: Lineage) {
    super();
  }

  onEvent(e: TraceEvent): void {
    if (e.type !== 'redis.psync') return;
    if (e.result === 'continue') this.partial++;
    else this.full++;
    if (e.requested_replid.startsWith('?')) return;
    const have = e.requested_offset - 1; // the replica holds bytes 1..have
    const onLineage = this.lineage.onLineage(e.requested_replid.toLowerCase(), have, e.master_replid, e.master_repl_offset);
    const holds = backlogHolds(e);
    const where = `${e.replica} asked ${e.node} for ${short(e.requested_replid)}:${e.requested_offset}`;
    if (e.result === 'continue') {
      if (!onLineage) {
        this.violate(e.t, [e.node, e.replica], `${where} and got +CONTINUE, but the replica's history is not a prefix of ${e.node}'s (replid ${short(e.master_replid)} at offset ${e.master_repl_offset}): the replica keeps bytes the new master never had, and the two diverge.`);
      } else if (!holds) {
        this.violate(e.t, [e.node, e.replica], `${where} and got +CONTINUE, but ${e.node}'s backlog holds only ${e.repl_backlog_first_byte_offset}..${e.master_repl_offset}: the bytes it must send are gone.`);
      }
      return;
    }
    if (redisRuleAllows(e)) {
      this.violate(e.t, [e.node, e.replica], `${where} and got a full sync, although Redis 7.0's rule allows a partial one here (replid ${short(e.master_replid)}, replid2 ${short(e.master_replid2)} up to ${e.second_repl_offset}, backlog ${e.repl_backlog_first_byte_offset}..${e.master_repl_offset}); the model broke the protocol.`);
    } else if (onLineage && holds) {
      this.missed++;
      if (this.missedDetails.length < 5) this.missedDetails.push(`${(e.t / 1000).toFixed(3)} ms: ${where}: a common ancestor existed and the backlog held the bytes, but replid2 remembers one step only`);
    }
  }

  stats(): Record<string, number> {
    return { partial_syncs: this.partial, full_syncs: this.full, missed_partial_syncs: this.missed };
  }
}
