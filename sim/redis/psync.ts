// PSYNC on the master side: syncCommand()'s checks before the decision, the decision of
// masterTryPartialResynchronization() (the replication id or the second id with its offset, then the
// backlog's range), and what each outcome does: +CONTINUE and the backlog from the requested offset,
// or a full sync (full-sync.ts), with the counters INFO reports.

import type { RedisHooks } from './hooks.js';
import { parseInt64 } from './ints.js';
import { LOADING_MESSAGE } from './reply.js';
import type { ReplicationIdentity } from './identity.js';
import type { ReplBuffer } from './backlog.js';
import type { MasterHost, MasterSide, ServerConn } from './master.js';

/** processCommand()'s refusal of a command without the LOADING flag while the node loads, as a reply line. */
export const LOADING = `-${LOADING_MESSAGE}`;

/** syncCommand(): the checks before the decision, the decision, and the counters. */
export function syncCommand(side: MasterSide, node: MasterHost, conn: ServerConn, args: string[]): void {
  const ctx = node.ctx;
  const id = node.identity;
  const now = ctx.nowUs();
  const reqId = args[1] ?? '?';
  const reqOffsetRaw = args[2] ?? '-1';
  const failoverFlag = (args[3] ?? '').toUpperCase() === 'FAILOVER';

  // processCommand() refuses PSYNC and SYNC while loading, before syncCommand() runs (neither has
  // the LOADING flag, and both are NO_ASYNC_LOADING)
  if (node.loading || node.asyncLoading) return side.reply(conn, LOADING);
  if (failoverFlag) {
    if (node.isMaster) return side.reply(conn, "-ERR PSYNC FAILOVER can't be sent to a master.");
    if (reqId.toLowerCase() !== id.replid) return side.reply(conn, '-ERR PSYNC FAILOVER replid must match my replid.');
    node.promote('psync-failover');
  }
  if (node.failover.state !== 'no-failover') return side.reply(conn, "-NOMASTERLINK Can't SYNC while failing over");
  if (!node.isMaster && !node.linkUp) return side.reply(conn, "-NOMASTERLINK Can't SYNC while not connected with my master");
  const parsedOffset = parseInt64(reqOffsetRaw);
  if (parsedOffset === null) return side.reply(conn, '-ERR value is not an integer or out of range');
  const psyncOffset = Number(parsedOffset);

  const decision = decidePartial(id, node.hooks, side.backlog, reqId, psyncOffset);
  const base = {
    t: now,
    type: 'redis.psync' as const,
    node: ctx.name,
    replica: conn.peer,
    requested_replid: reqId,
    requested_offset: psyncOffset,
    master_replid: id.replid,
    master_replid2: id.replid2,
    second_repl_offset: id.secondReplOffset,
    master_repl_offset: side.offset,
    repl_backlog_first_byte_offset: side.backlog ? side.backlog.firstByte : 0,
    repl_backlog_histlen: side.backlog ? side.backlog.histlen : 0,
  };
  if (decision.ok) {
    node.stats.syncPartialOk++;
    ctx.trace.emit({ ...base, result: 'continue', reason: decision.reason });
    conn.replState = 'online';
    conn.ackTimeUs = now;
    side.replicas.push(conn);
    side.reply(conn, `+CONTINUE ${id.replid}`);
    side.obufLimits.streamStarted(conn.peer);
    side.sendFrom(conn, psyncOffset);
    side.refreshGoodReplicas();
    return;
  }
  if (!reqId.startsWith('?')) node.stats.syncPartialErr++;
  node.stats.syncFull++;
  ctx.trace.emit({ ...base, result: 'full', reason: decision.reason });
  conn.replState = 'wait_bgsave_start';
  side.replicas.push(conn);
  if (side.replicas.length === 1 && side.backlog === null) {
    id.startNewHistory('first-replica');
    side.createBacklog();
  }
  side.fullSync.replicaWaiting(conn);
}

/**
 * masterTryPartialResynchronization(): id check, then backlog range check (both bounds inclusive).
 * The reasons are the simulator's words for Redis's log lines (backends/real/comparable.ts maps them).
 */
export function decidePartial(identity: ReplicationIdentity, hooks: Readonly<RedisHooks>, buf: ReplBuffer | null, reqId: string, psyncOffset: number): { ok: boolean; reason: string } {
  const { replid, replid2, secondReplOffset } = identity;
  const id = reqId.toLowerCase();
  if (id !== replid && !(id === replid2 && hooks.secondIdServes(psyncOffset, secondReplOffset))) {
    if (reqId.startsWith('?')) return { ok: false, reason: 'full resync requested by replica' };
    if (id === replid2) return { ok: false, reason: `requested offset for second ID was ${psyncOffset}, but I can reply up to ${secondReplOffset}` };
    return { ok: false, reason: 'replication ID mismatch' };
  }
  if (buf === null) return { ok: false, reason: 'lack of backlog (no backlog)' };
  if (psyncOffset < hooks.backlogLowerBound(buf) || psyncOffset > buf.endOffset + 1) {
    return { ok: false, reason: `lack of backlog (wanted ${psyncOffset}, have ${buf.firstByte}..${buf.endOffset})` };
  }
  return { ok: true, reason: id === replid ? 'replid match' : 'replid2 match' };
}
