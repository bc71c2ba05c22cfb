// The master side of replication (also used by a replica serving its own sub-replicas): replication
// ids and the backlog, feeding the stream, the PSYNC decision of masterTryPartialResynchronization(),
// full sync through a disk BGSAVE, replica output-buffer limits, and the master half of the cron.

import type { Socket, SocketHandler } from '../net/network.js';
import type { RedisNode, ServerConn } from './instance.js';
import { ReplBuffer, replBlockSize, type StreamEntry } from './backlog.js';
import { RDB_CHUNK_BYTES, ZERO_REPLID, replyBytes, type ToMaster, type ToReplica } from './link.js';
import { EXEC_ARGS, MULTI_ARGS, PING_ARGS, respCommandBytes, selectArgs } from './resp.js';
import { makeSnapshot, saveDurationUs, RDB_FILENAME, type ReplInfo } from './rdb.js';

/** Socket send buffer the kernel absorbs before Redis's own output buffer for a replica grows. */
const SOCKET_BUFFER_BYTES = 512 * 1024;

// ---- replication ids ----

export function changeReplicationId(node: RedisNode, reason: string): void {
  const prev = node.replid;
  node.replid = node.ctx.rng.hex(40);
  emitReplid(node, reason, prev);
}

export function clearReplicationId2(node: RedisNode): void {
  node.replid2 = ZERO_REPLID;
  node.secondReplOffset = -1;
}

/** Promotion: the current history becomes the secondary one, valid up to our offset + 1. */
export function shiftReplicationId(node: RedisNode, reason: string): void {
  if (node.mutant === 'promotion-keeps-replid') return;
  node.replid2 = node.replid;
  node.secondReplOffset = node.masterReplOffset + 1;
  node.replid = node.ctx.rng.hex(40);
  emitReplid(node, reason, node.replid2);
}

/** The node's replid changed from prevReplid (a fact the lineage oracle builds on). */
export function emitReplid(node: RedisNode, reason: string, prevReplid: string): void {
  node.ctx.trace.emit({
    t: node.ctx.nowUs(),
    type: 'redis.replid',
    node: node.name,
    reason,
    prev_replid: prevReplid,
    replid: node.replid,
    replid2: node.replid2,
    second_repl_offset: node.secondReplOffset,
    master_repl_offset: node.masterReplOffset,
  });
}

// ---- backlog ----

export function createBacklog(node: RedisNode): void {
  node.buffer = new ReplBuffer(node.masterReplOffset, () => pinnedFrom(node));
}

export function freeBacklog(node: RedisNode): void {
  node.buffer = null;
}

/** Lowest offset a replica that has not been sent its bytes yet still needs. */
function pinnedFrom(node: RedisNode): number {
  let min = Number.POSITIVE_INFINITY;
  for (const r of node.replicas) if (r.sendFrom < min) min = r.sendFrom;
  return min;
}

// ---- feeding the stream ----

function append(node: RedisNode, args: readonly string[]): StreamEntry {
  const buf = node.buffer!;
  const entry = buf.feed(args, respCommandBytes(args), node.cfg['repl-backlog-size']);
  node.masterReplOffset = buf.endOffset;
  if (node.masterHost === null && !node.quietStream) emitStream(node, 'redis.stream', node.replid, entry);
  for (const r of node.replicas) {
    if (r.replState === 'online' && r.sendFrom === Number.POSITIVE_INFINITY) sendToReplica(node, r, { k: 'entry', entry, skip: 0 });
  }
  return entry;
}

/** A stream entry generated (redis.stream) or applied (redis.applied) by a node, for the properties. */
export function emitStream(node: RedisNode, type: 'redis.stream' | 'redis.applied', replid: string, e: StreamEntry): void {
  node.ctx.trace.emit({ t: node.ctx.nowUs(), type, node: node.name, replid, start: e.start, bytes: e.bytes, h: hashArgs(e.args) });
}

/** A short hash of a command's arguments (FNV-1a, 8 hex digits). */
export function hashArgs(args: readonly string[]): string {
  let h = 0x811c9dc5;
  for (const a of args) {
    for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * replicationFeedSlaves(): a top-level master appends one command in db `db` (-1 for none), first
 * inserting SELECT when the stream's selected db differs. Without a backlog nothing is appended
 * and the offset does not move (7.0).
 */
export function feedCommand(node: RedisNode, db: number, args: readonly string[]): void {
  if (node.masterHost !== null || node.buffer === null) return;
  if (db >= 0 && node.slaveseldb !== db) {
    append(node, selectArgs(db));
    node.slaveseldb = db;
  }
  append(node, args);
  checkOutputBuffers(node);
}

/** propagatePendingCommands(): one execution unit; more than one command is wrapped in MULTI/EXEC. */
export function feedUnit(node: RedisNode, unit: { db: number; args: string[] }[]): void {
  if (unit.length === 0) return;
  if (unit.length === 1) {
    feedCommand(node, unit[0]!.db, unit[0]!.args);
    return;
  }
  const db = unit[0]!.db;
  feedCommand(node, db, MULTI_ARGS);
  for (const op of unit) feedCommand(node, op.db, op.args);
  feedCommand(node, node.slaveseldb, EXEC_ARGS);
}

/** replicationFeedStreamFromMasterStream(): a replica proxies exactly the bytes it applied. */
export function proxyApplied(node: RedisNode, entries: readonly StreamEntry[]): void {
  if (node.buffer === null) return;
  for (const e of entries) append(node, e.args);
  checkOutputBuffers(node);
}

function sendToReplica(node: RedisNode, r: ServerConn, msg: ToReplica): void {
  if (!r.sock.alive || r.sock.state !== 'open') return;
  const size = msg.k === 'entry' ? msg.entry.bytes - msg.skip : msg.k === 'reply' ? replyBytes(msg.text) : 1;
  node.ctx.send(r.sock, msg, size);
}

// ---- accepting connections ----

/** Handler for a connection accepted by this node: handshake commands, PSYNC, ACKs. */
export function acceptConnection(node: RedisNode, sock: Socket): SocketHandler {
  const conn: ServerConn = {
    sock,
    peer: sock.remote,
    replState: null,
    psyncInitialOffset: -1,
    ackOff: 0,
    ackTimeUs: node.ctx.nowUs(),
    sendFrom: Number.POSITIVE_INFINITY,
    cobSoftSinceUs: -1,
  };
  return {
    onMessage: (_s, payload) => {
      if (!node.alive) return;
      const m = payload as ToMaster;
      if (m.k === 'ack') onAck(node, conn, m.offset);
      else if (m.k === 'cmd') onHandshakeCommand(node, conn, m.args);
    },
    onClose: (_s, reason) => {
      if (node.alive && conn.replState !== null) freeReplica(node, conn, reason === 'closed' ? 'closed by replica' : `connection ${reason}`, false);
    },
  };
}

function reply(node: RedisNode, conn: ServerConn, text: string): void {
  sendToReplica(node, conn, { k: 'reply', text });
}

function onHandshakeCommand(node: RedisNode, conn: ServerConn, args: string[]): void {
  if (conn.replState !== null) return; // a replica's link carries no commands to answer
  const name = args[0]!.toUpperCase();
  if (name === 'PING') reply(node, conn, '+PONG');
  else if (name === 'REPLCONF') reply(node, conn, '+OK');
  else if (name === 'PSYNC' || name === 'SYNC') syncCommand(node, conn, args);
  else reply(node, conn, `-ERR unknown command '${args[0]}'`);
}

function onAck(node: RedisNode, conn: ServerConn, offset: number): void {
  if (conn.replState === null) return;
  if (offset > conn.ackOff) conn.ackOff = offset;
  conn.ackTimeUs = node.ctx.nowUs();
  node.onReplicaAck();
}

// ---- PSYNC ----

/** syncCommand(): the checks before the decision, the decision, and the counters. */
function syncCommand(node: RedisNode, conn: ServerConn, args: string[]): void {
  const now = node.ctx.nowUs();
  const reqId = args[1] ?? '?';
  const reqOffsetRaw = args[2] ?? '-1';
  const failoverFlag = (args[3] ?? '').toUpperCase() === 'FAILOVER';

  if (failoverFlag) {
    if (node.masterHost === null) return reply(node, conn, "-ERR PSYNC FAILOVER can't be sent to a master.");
    if (reqId.toLowerCase() !== node.replid) return reply(node, conn, '-ERR PSYNC FAILOVER replid must match my replid.');
    node.promote('psync-failover');
  }
  if (node.failover.state !== 'no-failover') return reply(node, conn, "-NOMASTERLINK Can't SYNC while failing over");
  if (node.masterHost !== null && node.replState !== 'connected') {
    return reply(node, conn, "-NOMASTERLINK Can't SYNC while not connected with my master");
  }
  if (node.loading) return reply(node, conn, '-LOADING Redis is loading the dataset in memory');
  if (!/^-?\d+$/.test(reqOffsetRaw)) return reply(node, conn, '-ERR value is not an integer or out of range');
  const psyncOffset = Number(reqOffsetRaw);

  const decision = decidePartial(node, reqId, psyncOffset);
  const base = {
    t: now,
    type: 'redis.psync' as const,
    node: node.name,
    replica: conn.peer,
    requested_replid: reqId,
    requested_offset: psyncOffset,
    master_replid: node.replid,
    master_replid2: node.replid2,
    second_repl_offset: node.secondReplOffset,
    master_repl_offset: node.masterReplOffset,
    repl_backlog_first_byte_offset: node.buffer ? node.buffer.firstByte : 0,
    repl_backlog_histlen: node.buffer ? node.buffer.histlen : 0,
  };
  if (decision.ok) {
    node.stats.syncPartialOk++;
    node.ctx.trace.emit({ ...base, result: 'continue', reason: decision.reason });
    conn.replState = 'online';
    conn.ackTimeUs = now;
    node.replicas.push(conn);
    reply(node, conn, `+CONTINUE ${node.replid}`);
    const { entries, skip } = node.buffer!.readFrom(psyncOffset);
    for (let i = 0; i < entries.length; i++) sendToReplica(node, conn, { k: 'entry', entry: entries[i]!, skip: i === 0 ? skip : 0 });
    node.refreshGoodReplicas();
    return;
  }
  if (!reqId.startsWith('?')) node.stats.syncPartialErr++;
  node.stats.syncFull++;
  node.ctx.trace.emit({ ...base, result: 'full', reason: decision.reason });
  conn.replState = 'wait_bgsave_start';
  node.replicas.push(conn);
  if (node.replicas.length === 1 && node.buffer === null) {
    changeReplicationId(node, 'first-replica');
    clearReplicationId2(node);
    createBacklog(node);
  }
  const bg = node.bgsave;
  if (bg) {
    const other = bg.forReplication ? node.replicas.find((r) => r !== conn && r.replState === 'wait_bgsave_end') : undefined;
    if (other) {
      conn.sendFrom = other.sendFrom;
      setupForFullResync(node, conn, other.psyncInitialOffset);
    }
    // otherwise wait for the next BGSAVE (started when this one ends)
    return;
  }
  startBgsaveForReplication(node);
}

/** masterTryPartialResynchronization(): id check, then backlog range check (both bounds inclusive). */
export function decidePartial(node: RedisNode, reqId: string, psyncOffset: number): { ok: boolean; reason: string } {
  const id = reqId.toLowerCase();
  const secondOk = node.mutant === 'psync-ignores-second-offset' || psyncOffset <= node.secondReplOffset;
  if (id !== node.replid && !(id === node.replid2 && secondOk)) {
    if (reqId.startsWith('?')) return { ok: false, reason: 'full resync requested by replica' };
    if (id === node.replid2) return { ok: false, reason: `requested offset for second ID was ${psyncOffset}, but I can reply up to ${node.secondReplOffset}` };
    return { ok: false, reason: 'replication ID mismatch' };
  }
  const buf = node.buffer;
  if (buf === null) return { ok: false, reason: 'lack of backlog (no backlog)' };
  // the mutant believes the backlog still starts one block earlier than it does
  const lower = node.mutant === 'backlog-range-off-by-one-block' ? buf.firstByte - replBlockSize(0) : buf.firstByte;
  if (psyncOffset < lower || psyncOffset > buf.endOffset + 1) {
    return { ok: false, reason: `lack of backlog (wanted ${psyncOffset}, have ${buf.firstByte}..${buf.endOffset})` };
  }
  return { ok: true, reason: id === node.replid ? 'replid match' : 'replid2 match' };
}

// ---- full sync ----

function setupForFullResync(node: RedisNode, conn: ServerConn, offset: number): void {
  conn.replState = 'wait_bgsave_end';
  conn.psyncInitialOffset = offset;
  if (conn.sendFrom === Number.POSITIVE_INFINITY) conn.sendFrom = offset + 1;
  if (node.mutant !== 'no-select-after-full-sync') node.slaveseldb = -1;
  reply(node, conn, `+FULLRESYNC ${node.replid} ${offset}`);
}

/** The replication info an RDB made now would carry (rdbPopulateSaveInfo()), or null. */
export function replInfoForSave(node: RedisNode): ReplInfo | null {
  if (node.masterHost === null) {
    if (node.buffer === null) return null;
    const db = node.slaveseldb === -1 || node.mutant === 'no-select-after-full-sync' ? 0 : node.slaveseldb;
    return { replId: node.replid, replOffset: node.masterReplOffset, replStreamDb: db };
  }
  const db = node.master ? node.master.db : node.cachedMaster ? node.cachedMaster.db : -1;
  if (db === -1) return null;
  return { replId: node.replid, replOffset: node.masterReplOffset, replStreamDb: db };
}

export function startBgsaveForReplication(node: RedisNode): void {
  const rsi = replInfoForSave(node);
  const waiting = node.replicas.filter((r) => r.replState === 'wait_bgsave_start');
  if (waiting.length === 0) return;
  if (rsi === null) {
    for (const r of waiting) {
      reply(node, r, "-ERR BGSAVE failed, replication can't continue");
      freeReplica(node, r, 'bgsave failed', true);
    }
    return;
  }
  node.startBgsave(true, rsi);
  for (const r of waiting) setupForFullResync(node, r, node.masterReplOffset);
}

/** updateSlavesWaitingBgsave(): the child finished; ship the file to each waiting replica. */
export function bgsaveFinished(node: RedisNode, snapshotOk: boolean): void {
  for (const r of node.replicas.slice()) {
    if (r.replState !== 'wait_bgsave_end') continue;
    if (!snapshotOk) {
      freeReplica(node, r, 'bgsave failed', true);
      continue;
    }
    sendBulk(node, r);
  }
  if (snapshotOk && node.cfg['rdb-del-sync-files'] && node.cfg.save.length === 0) node.ctx.disk.delete(RDB_FILENAME);
  if (node.replicas.some((r) => r.replState === 'wait_bgsave_start')) startBgsaveForReplication(node);
}

function sendBulk(node: RedisNode, r: ServerConn): void {
  const file = node.ctx.disk.read<ReturnType<typeof makeSnapshot>>(RDB_FILENAME);
  if (!file) return freeReplica(node, r, 'rdb file missing', true);
  r.replState = 'send_bulk';
  const snapshot = file.data;
  let left = snapshot.sizeBytes;
  while (left > RDB_CHUNK_BYTES) {
    node.ctx.send(r.sock, { k: 'rdb', snapshot: null } satisfies ToReplica, RDB_CHUNK_BYTES);
    left -= RDB_CHUNK_BYTES;
  }
  node.ctx.send(r.sock, { k: 'rdb', snapshot } satisfies ToReplica, left + String(snapshot.sizeBytes).length + 3, () => putOnline(node, r));
}

/**
 * replicaPutOnline(): the whole payload has been written; the stream buffered since the snapshot
 * follows it. (Redis does this when the last byte enters the socket; the model, when it arrives.)
 */
function putOnline(node: RedisNode, r: ServerConn): void {
  if (!node.alive || r.replState !== 'send_bulk' || !r.sock.alive) return;
  r.replState = 'online';
  r.ackTimeUs = node.ctx.nowUs();
  const from = r.sendFrom;
  r.sendFrom = Number.POSITIVE_INFINITY;
  const { entries, skip } = node.buffer!.readFrom(from);
  for (let i = 0; i < entries.length; i++) sendToReplica(node, r, { k: 'entry', entry: entries[i]!, skip: i === 0 ? skip : 0 });
  node.buffer!.trim(node.cfg['repl-backlog-size']);
  node.refreshGoodReplicas();
}

// ---- dropping replicas ----

/** freeClient() of a replica: forget it, close its socket, start the no-replicas clock. */
export function freeReplica(node: RedisNode, conn: ServerConn, reason: string, closeSocket: boolean): void {
  const i = node.replicas.indexOf(conn);
  if (i < 0) return;
  node.replicas.splice(i, 1);
  conn.replState = null;
  conn.sendFrom = Number.POSITIVE_INFINITY;
  if (closeSocket) node.ctx.close(conn.sock);
  node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.replica-drop', node: node.name, replica: conn.peer, reason });
  if (node.replicas.length === 0) node.replNoSlavesSinceUs = node.ctx.nowUs();
  // a disk child nobody waits for is killed when no save points are configured
  const bg = node.bgsave;
  if (bg?.forReplication && node.cfg.save.length === 0 && !node.replicas.some((r) => r.replState === 'wait_bgsave_end')) node.killBgsave();
  node.buffer?.trim(node.cfg['repl-backlog-size']);
  node.refreshGoodReplicas();
}

export function disconnectReplicas(node: RedisNode, reason: string): void {
  for (const r of node.replicas.slice()) freeReplica(node, r, reason, true);
}

/** Output-buffer limits: hard (at least the backlog size) and soft (for softSeconds). */
function checkOutputBuffers(node: RedisNode): void {
  const lim = node.cfg['client-output-buffer-limit-replica'];
  if (lim.hardBytes === 0 && lim.softBytes === 0) return;
  const hard = lim.hardBytes === 0 ? 0 : Math.max(lim.hardBytes, node.cfg['repl-backlog-size']);
  const now = node.ctx.nowUs();
  let victims: ServerConn[] | null = null;
  for (const r of node.replicas) {
    const used = outputBufferBytes(node, r);
    let over = hard > 0 && used > hard;
    if (!over && lim.softBytes > 0 && used > lim.softBytes) {
      if (r.cobSoftSinceUs < 0) r.cobSoftSinceUs = now;
      else if (now - r.cobSoftSinceUs > lim.softSeconds * 1_000_000) over = true;
    } else if (used <= lim.softBytes) r.cobSoftSinceUs = -1;
    if (over) (victims ??= []).push(r);
  }
  if (victims) for (const r of victims) freeReplica(node, r, 'output buffer limit reached', true);
}

function outputBufferBytes(node: RedisNode, r: ServerConn): number {
  if (r.replState === 'wait_bgsave_end' || r.replState === 'send_bulk') return Math.max(0, node.masterReplOffset - r.sendFrom + 1);
  if (r.replState === 'online') return Math.max(0, r.sock.unsentBytes - SOCKET_BUFFER_BYTES);
  return 0;
}

// ---- cron ----

/** The master half of replicationCron(). */
export function masterCron(node: RedisNode): void {
  const now = node.ctx.nowUs();
  const nowS = Math.floor(now / 1_000_000);
  const period = node.cfg['repl-ping-replica-period'];
  const pausedForFailover = node.failover.endTimeUs > 0;
  if (node.cronLoops % period === 0 && node.replicas.length > 0 && !pausedForFailover && node.masterHost === null) {
    if (node.mutant === 'pings-not-counted') {
      // the bug: replicas get the PING, but the master's own offset and backlog do not count it
      const entry = { start: node.masterReplOffset + 1, bytes: 14, args: PING_ARGS };
      for (const r of node.replicas) if (r.replState === 'online') sendToReplica(node, r, { k: 'entry', entry, skip: 0 });
    } else feedCommand(node, node.slaveseldb, PING_ARGS);
  }
  for (const r of node.replicas) {
    if (r.replState === 'wait_bgsave_start' || r.replState === 'wait_bgsave_end') sendToReplica(node, r, { k: 'nl' });
  }
  const timeoutS = node.cfg['repl-timeout'];
  for (const r of node.replicas.slice()) {
    if (r.replState === 'online' && nowS - Math.floor(r.ackTimeUs / 1_000_000) > timeoutS) freeReplica(node, r, 'timeout', true);
  }
  const ttl = node.cfg['repl-backlog-ttl'];
  if (node.masterHost === null && node.replicas.length === 0 && ttl > 0 && node.buffer !== null) {
    if (nowS - Math.floor(node.replNoSlavesSinceUs / 1_000_000) > ttl) {
      if (node.mutant !== 'ttl-free-keeps-replid') {
        changeReplicationId(node, 'backlog-ttl');
        clearReplicationId2(node);
      }
      freeBacklog(node);
    }
  }
  node.refreshGoodReplicas();
}

/** Send REPLCONF GETACK * to every replica (37 bytes of stream). */
export function requestAcks(node: RedisNode): void {
  if (node.masterHost !== null || node.buffer === null || node.replicas.length === 0) return;
  feedCommand(node, node.slaveseldb, ['REPLCONF', 'GETACK', '*']);
}

export function onlineReplicas(node: RedisNode): ServerConn[] {
  return node.replicas.filter((r) => r.replState === 'online');
}
