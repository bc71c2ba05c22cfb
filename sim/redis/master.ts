// The master side of replication (also a replica serving its own sub-replicas): the stream (offset,
// backlog, selected db) and its feeding, connected replicas, PSYNC (psync.ts), full sync
// (full-sync.ts: a disk BGSAVE or a diskless child, diskless.ts), output-buffer limits
// (output-buffer.ts), the cron.

import { hashStrings } from '../kernel/hash.js';
import { StreamEvent } from '../trace-events.js';
import type { Socket, SocketHandler } from '../net/network.js';
import type { NodeContext } from './context.js';
import type { RedisConfig } from './config.js';
import type { ReplicationIdentity } from './identity.js';
import type { PingStream, RedisHooks } from './hooks.js';
import type { FailoverState } from './failover.js';
import { ReplBuffer, respPieces, type StreamEntry } from './backlog.js';
import { OutputBufferLimits } from './output-buffer.js';
import { replyBytes, respReplyBytes, type ToMaster, type ToReplica } from './link.js';
import { PENDING, type Pending } from './dispatch.js';
import type { Reply } from './reply.js';
import type { Client, ReplyCallback } from './instance.js';
import { byteLength, commandName, EXEC_ARGS, GETACK_ARGS, MULTI_ARGS, respCommandBytes, selectArgs } from './resp.js';
import type { RdbSnapshot, ReplInfo } from './rdb.js';
import { FullSync, SOCKET_BUFFER_BYTES } from './full-sync.js';
import { LOADING, syncCommand } from './psync.js';
import type { Dataset } from './dataset.js';

export type ReplicaLinkState = 'online' | 'wait_bgsave_start' | 'wait_bgsave_end' | 'send_bulk';

/** A connection accepted by this node; a replica once it sent PSYNC (replState set). */
export interface ServerConn {
  sock: Socket;
  peer: string;
  replState: ReplicaLinkState | null;
  psyncInitialOffset: number;
  ackOff: number;
  ackTimeUs: number;
  /** First offset still to send while the replica waits for its snapshot; Infinity once streaming. */
  sendFrom: number;
  cobSoftSinceUs: number;
  /** Last time the connection sent anything (lastinteraction: the diskless delay counts from it). */
  lastInteractionUs: number;
  /** Online after a diskless transfer; the buffered stream follows its first REPLCONF ACK. */
  streamOnAck: boolean;
  /** The client state of a connection that sends ordinary commands (an application client), or null. */
  client: Client | null;
  /**
   * The connection as CLIENT KILL sees it: a normal client from its first command (a replica's
   * handshake PING too) until PSYNC makes it a replica; null before its first command and after.
   */
  tracked: Client | null;
  /** serveClient()'s reply callbacks for this connection (made on first use). */
  answer?: ReplyCallback;
  answerWait?: ReplyCallback;
}

export interface SyncStats {
  syncFull: number;
  syncPartialOk: number;
  syncPartialErr: number;
}

/** What the master side needs of the node it is part of. */
export interface MasterHost {
  readonly ctx: NodeContext;
  readonly cfg: RedisConfig;
  readonly identity: ReplicationIdentity;
  readonly hooks: Readonly<RedisHooks>;
  readonly stats: SyncStats;
  readonly alive: boolean;
  readonly isMaster: boolean;
  readonly loading: boolean;
  /** A swapdb diskless load that keeps serving the old dataset. */
  readonly asyncLoading: boolean;
  /** The replica side is connected to its master (a chained replica may serve PSYNC). */
  readonly linkUp: boolean;
  readonly failover: FailoverState;
  readonly bgsaveForReplication: boolean | null;
  /** The running RDB child writes to replicas' sockets (a diskless transfer). */
  readonly bgsaveToSockets: boolean;
  readonly persistenceOff: boolean;
  readonly ds: Dataset;
  readonly cronLoops: number;
  promote(reason: string): void;
  onReplicaAck(): void;
  /** An application client on an accepted connection, and its commands. */
  createClient(): Client;
  call(client: Client, args: string[], cb: ReplyCallback): Reply | Pending;
  freeClient(client: Client): void;
  readonly connClients: Set<Client>;
  replInfoForSave(): ReplInfo | null;
  startBgsave(forReplication: boolean, rsi: ReplInfo): void;
  setSocketChild(snapshot: RdbSnapshot | null): void;
  killBgsave(): void;
}

/** A stream entry generated (redis.stream) or applied (redis.applied) by a node, for the properties. */
export function emitStream(ctx: NodeContext, type: 'redis.stream' | 'redis.applied', replid: string, e: StreamEntry): void {
  ctx.trace.emit(new StreamEvent(ctx.nowUs(), type, ctx.name, replid, e.start, e.bytes, (e.h ??= hashStrings(e.args))));
}

export class MasterSide implements PingStream {
  /** master_repl_offset. */
  offset = 0;
  backlog: ReplBuffer | null = null;
  /** The db the stream currently addresses (-1: a SELECT must come first). */
  slaveseldb = -1;
  replNoSlavesSinceUs: number;
  replicas: ServerConn[] = [];
  goodReplicas = 0;
  /** Set while a restarting master feeds DELs before its offsets are rebased (no stream events). */
  quietStream = false;
  /** Entries appended while quietStream was on, for the caller to report (takeQuietEntries()). */
  private quietEntries: StreamEntry[] = [];
  /** Replicas an output-buffer check scheduled to be closed (CLIENT_CLOSE_ASAP): not written to, freed after the command. */
  private closing: ServerConn[] = [];
  /** Output-buffer limits, and what they did to each replica (by peer name). */
  readonly obufLimits = new OutputBufferLimits(() => this.node.hooks);
  /** Full sync: forks for replication, the RDB's transfer, the stream after it. */
  readonly fullSync: FullSync;
  private readonly ctx: NodeContext;

  constructor(private readonly node: MasterHost) {
    this.ctx = node.ctx;
    this.replNoSlavesSinceUs = node.ctx.nowUs();
    this.fullSync = new FullSync(this, node);
  }

  // ---- backlog ----

  createBacklog(): void {
    this.backlog = new ReplBuffer(this.offset, () => this.pinnedFrom());
    this.backlog.blockLimit = this.node.hooks.replBlockLimit;
    this.backlog.onNewBlock = () => this.checkOutputBuffers();
  }

  freeBacklog(): void {
    this.backlog = null;
  }

  takeQuietEntries(): StreamEntry[] {
    const out = this.quietEntries;
    this.quietEntries = [];
    return out;
  }

  /** Lowest offset whose block a replica still references (its block is not trimmed). */
  private pinnedFrom(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const r of this.replicas) {
      const ref = this.refOffset(r);
      if (ref !== null && ref < min) min = ref;
    }
    return min;
  }

  /**
   * An offset in the block a replica references in the shared buffer (ref_repl_buf_node), or null
   * while it is not fed (wait_bgsave_start). Waiting for its snapshot: the first byte it will be
   * sent. Streaming: the next byte not yet handed to the kernel (the socket absorbs
   * SOCKET_BUFFER_BYTES), or, with everything handed over, the last byte it was given (Redis moves
   * to the next block only when writing into it).
   */
  private refOffset(r: ServerConn): number | null {
    if (r.replState === null || r.replState === 'wait_bgsave_start') return null;
    if (r.sendFrom !== Number.POSITIVE_INFINITY) return r.sendFrom;
    const notInKernel = Math.max(0, r.sock.unsentBytes - SOCKET_BUFFER_BYTES);
    return notInKernel > 0 ? this.offset - notInKernel + 1 : this.offset;
  }

  // ---- feeding the stream ----

  /**
   * Append one command; `inPieces` when it is fed as replicationFeedSlaves() feeds a command (not a
   * SELECT, not proxied bytes); `from`: the entry a replica applied and proxies (same args, so the
   * same size and hash).
   */
  private append(args: readonly string[], inPieces: boolean, from?: StreamEntry): StreamEntry {
    const buf = this.backlog!;
    const backlogSize = this.node.cfg['repl-backlog-size'];
    let entry: StreamEntry;
    if (inPieces) {
      // the pieces only matter where a new block is cut: a command that fits the tail block goes in whole
      const bytes = respCommandBytes(args);
      const whole = buf.tailRoom() >= bytes || !this.node.hooks.feedInPieces();
      entry = buf.feed(args, bytes, backlogSize, whole ? undefined : respPieces(args, byteLength));
    } else entry = buf.feed(args, from ? from.bytes : respCommandBytes(args), backlogSize, undefined, from);
    this.offset = buf.endOffset;
    if (this.quietStream) this.quietEntries.push(entry);
    else if (this.node.isMaster) emitStream(this.ctx, 'redis.stream', this.node.identity.replid, entry);
    for (const r of this.replicas) {
      if (r.replState === 'online' && r.sendFrom === Number.POSITIVE_INFINITY && !this.closing.includes(r)) this.send(r, { k: 'entry', entry, skip: 0 });
    }
    // beforeSleep(): the replicas' writes move their references on, then the backlog is trimmed and the replicas scheduled to be closed are freed
    buf.trim(this.node.cfg['repl-backlog-size']);
    this.freeClosing();
    return entry;
  }

  /**
   * replicationFeedSlaves(): a top-level master appends one command in db `db` (-1 for none), first
   * inserting SELECT when the stream's selected db differs. Without a backlog nothing is appended
   * and the offset does not move (7.0).
   */
  feedCommand(db: number, args: readonly string[]): void {
    if (!this.node.isMaster || this.backlog === null) return;
    if (db >= 0 && this.slaveseldb !== db) {
      this.append(selectArgs(db), false);
      this.slaveseldb = db;
    }
    this.append(args, true);
  }

  /** propagatePendingCommands(): one execution unit; more than one command is wrapped in MULTI/EXEC. */
  feedUnit(unit: { db: number; args: string[] }[]): void {
    if (unit.length === 0) return;
    if (unit.length === 1) {
      this.feedCommand(unit[0]!.db, unit[0]!.args);
      return;
    }
    this.feedCommand(unit[0]!.db, MULTI_ARGS);
    for (const op of unit) this.feedCommand(op.db, op.args);
    this.feedCommand(this.slaveseldb, EXEC_ARGS);
  }

  /** replicationFeedStreamFromMasterStream(): a replica proxies exactly the bytes it applied. */
  proxyApplied(entries: readonly StreamEntry[]): void {
    if (this.backlog === null) return;
    for (const e of entries) this.append(e.args, false, e);
  }

  /** proxyApplied() of one entry. */
  proxyOne(entry: StreamEntry): void {
    if (this.backlog !== null) this.append(entry.args, false, entry);
  }

  sendToOnline(entry: StreamEntry): void {
    for (const r of this.replicas) if (r.replState === 'online') this.send(r, { k: 'entry', entry, skip: 0 });
  }

  private send(r: ServerConn, msg: ToReplica): void {
    if (!r.sock.alive || r.sock.state !== 'open') return;
    const size = msg.k === 'entry' ? msg.entry.bytes - msg.skip : msg.k === 'reply' ? replyBytes(msg.text) : 1;
    this.ctx.send(r.sock, msg, size);
  }

  reply(conn: ServerConn, text: string): void {
    this.send(conn, { k: 'reply', text });
  }

  /** Send the backlog from `from` on (the first entry may be cut: `skip` of its bytes are not sent). */
  sendFrom(conn: ServerConn, from: number): void {
    const { entries, skip } = this.backlog!.readFrom(from);
    for (let i = 0; i < entries.length; i++) this.send(conn, { k: 'entry', entry: entries[i]!, skip: i === 0 ? skip : 0 });
  }

  // ---- accepting connections ----

  /** Handler for a connection accepted by this node: handshake commands, PSYNC, ACKs. */
  accept(sock: Socket): SocketHandler {
    const conn: ServerConn = {
      sock,
      peer: sock.remote,
      replState: null,
      psyncInitialOffset: -1,
      ackOff: 0,
      ackTimeUs: this.ctx.nowUs(),
      sendFrom: Number.POSITIVE_INFINITY,
      cobSoftSinceUs: -1,
      lastInteractionUs: this.ctx.nowUs(),
      streamOnAck: false,
      client: null,
      tracked: null,
    };
    return {
      onMessage: (_s, payload) => {
        if (!this.node.alive) return;
        conn.lastInteractionUs = this.ctx.nowUs();
        const m = payload as ToMaster;
        if (m.k === 'ack') this.onAck(conn, m.offset);
        else if (m.k === 'cmd') this.onHandshakeCommand(conn, m.args);
      },
      onClose: (_s, reason) => {
        if (conn.tracked !== null) this.node.freeClient(conn.tracked);
        if (this.node.alive && conn.replState !== null) this.freeReplica(conn, reason === 'closed' ? 'closed by replica' : `connection ${reason}`, false);
      },
    };
  }

  private onHandshakeCommand(conn: ServerConn, args: string[]): void {
    if (conn.replState !== null) return; // a replica's link carries no commands to answer
    const name = commandName(args[0]!);
    conn.tracked ??= this.connClient(conn);
    if (name === 'PSYNC' || name === 'SYNC') {
      // from here on a replica, not a client CLIENT KILL TYPE normal would close
      this.node.connClients.delete(conn.tracked);
      syncCommand(this, this.node, conn, args);
    }
    // PING lacks the LOADING flag: a replica's handshake PING to a loading node is refused (the
    // replica drops the connection and tries again from its cron); REPLCONF has it
    else if (conn.client === null && name === 'PING') this.reply(conn, this.node.loading ? LOADING : '+PONG');
    else if (conn.client === null && name === 'REPLCONF') this.reply(conn, '+OK');
    else this.serveClient(conn, args);
  }

  /**
   * Any other command makes the connection an application client: the node runs it like the
   * scenario client's commands, and the reply (when a blocked command answers, later) goes back on
   * the connection in order.
   */
  private serveClient(conn: ServerConn, args: string[]): void {
    const client = (conn.client ??= conn.tracked!);
    const isWait = commandName(args[0]!) === 'WAIT';
    // the connection's two answer callbacks are made once, not per command
    const answer = isWait ? (conn.answerWait ??= this.answerer(conn, client, true)) : (conn.answer ??= this.answerer(conn, client, false));
    const r = this.node.call(client, args, answer);
    if (r !== PENDING) answer(r);
  }

  private answerer(conn: ServerConn, client: Client, isWait: boolean): ReplyCallback {
    return (reply: Reply) => {
      if (!conn.sock.alive || conn.sock.state !== 'open') return;
      const msg: ToReplica = isWait ? { k: 'client-reply', reply, ackedBy: this.ackedBy(client.woff) } : { k: 'client-reply', reply };
      this.ctx.send(conn.sock, msg, respReplyBytes(reply));
    };
  }

  /** The client of an accepted connection: it can be pushed to (Pub/Sub) and killed (CLIENT KILL). */
  private connClient(conn: ServerConn): Client {
    const client = this.node.createClient();
    client.push = (reply) => {
      if (conn.sock.alive && conn.sock.state === 'open') this.ctx.send(conn.sock, { k: 'client-push', reply }, respReplyBytes(reply));
    };
    client.kill = () => {
      this.ctx.close(conn.sock);
      this.node.freeClient(client);
    };
    this.node.connClients.add(client);
    conn.tracked = client;
    return client;
  }

  /** The online replicas that acknowledged at least `offset`, by name (what WAIT counted). */
  ackedBy(offset: number): string[] {
    return this.replicas.filter((r) => r.replState === 'online' && r.ackOff >= offset).map((r) => r.peer);
  }

  private onAck(conn: ServerConn, offset: number): void {
    if (conn.replState === null) return;
    if (offset > conn.ackOff) conn.ackOff = offset;
    conn.ackTimeUs = this.ctx.nowUs();
    if (conn.streamOnAck && conn.replState === 'online') this.fullSync.startCommandStream(conn);
    this.node.onReplicaAck();
  }

  // ---- full sync (full-sync.ts) ----

  /** The replication info of a top-level master's RDB (rdbPopulateSaveInfo()), or null without a backlog. */
  replInfoForSave(): ReplInfo | null {
    if (this.backlog === null) return null;
    const db = this.slaveseldb === -1 || !this.node.hooks.selectAfterFullSync() ? 0 : this.slaveseldb;
    return { replId: this.node.identity.replid, replOffset: this.offset, replStreamDb: db };
  }

  /** A disk child finished (updateSlavesWaitingBgsave()). */
  bgsaveFinished(snapshotOk: boolean): void {
    this.fullSync.bgsaveFinished(snapshotOk);
  }

  /** SHUTDOWN kills a diskless child. */
  killSocketChild(): void {
    this.fullSync.killSocketChild();
  }

  // ---- dropping replicas ----

  /** freeClient() of a replica: forget it, close its socket, start the no-replicas clock. */
  freeReplica(conn: ServerConn, reason: string, closeSocket: boolean): void {
    const i = this.replicas.indexOf(conn);
    if (i < 0) return;
    this.replicas.splice(i, 1);
    this.fullSync.transfer?.remove(conn);
    conn.replState = null;
    conn.streamOnAck = false;
    conn.sendFrom = Number.POSITIVE_INFINITY;
    if (closeSocket) this.ctx.close(conn.sock);
    this.ctx.trace.emit({ t: this.ctx.nowUs(), type: 'redis.replica-drop', node: this.ctx.name, replica: conn.peer, reason });
    if (this.replicas.length === 0) this.replNoSlavesSinceUs = this.ctx.nowUs();
    // a disk child nobody waits for is killed when no save points are configured
    if (this.node.bgsaveForReplication === true && !this.node.bgsaveToSockets && this.node.cfg.save.length === 0 && !this.replicas.some((r) => r.replState === 'wait_bgsave_end')) this.node.killBgsave();
    this.backlog?.trim(this.node.cfg['repl-backlog-size']);
    this.refreshGoodReplicas();
  }

  disconnectReplicas(reason: string): void {
    for (const r of this.replicas.slice()) this.freeReplica(r, reason, true);
  }

  /**
   * checkClientOutputBufferLimits() for every fed replica, run each time a block is added to the
   * shared buffer and by clientsCron(): past the hard limit (raised to repl-backlog-size when smaller),
   * or at the soft limit for more than its seconds (counted in whole seconds of server.unixtime), a
   * replica is scheduled to be closed ("scheduled to be closed ASAP for overcoming of output buffer
   * limits") and freed once the command is in (beforeSleep()).
   */
  private checkOutputBuffers(): void {
    const now = this.ctx.nowUs();
    for (const r of this.replicas) {
      if (this.closing.includes(r)) continue;
      const used = this.outputBufferBytes(r);
      if (used !== null && this.obufLimits.over(r.peer, r, used, this.node.cfg, now)) this.closing.push(r);
    }
  }

  /**
   * clientsCron() (every serverCron run, 10 times a second): the same check on every replica, which
   * is freed at once ("closed for overcoming of output buffer limits"). This is what drops a replica
   * over the soft limit when no more writes come.
   */
  clientsCron(): void {
    if (this.backlog === null || this.replicas.length === 0) return;
    this.checkOutputBuffers();
    this.freeClosing();
  }

  /** freeClientsInAsyncFreeQueue(): free the replicas an output-buffer check scheduled to be closed. */
  private freeClosing(): void {
    if (this.closing.length === 0) return;
    const victims = this.closing;
    this.closing = [];
    for (const r of victims) this.freeReplica(r, 'output buffer limit reached', true);
  }

  /** getClientOutputBufferMemoryUsage() of a replica: null while it is not fed. */
  private outputBufferBytes(r: ServerConn): number | null {
    const from = this.refOffset(r);
    if (from === null || this.backlog === null) return null;
    return this.backlog.usageFrom(from)?.bytes ?? 0;
  }

  // ---- ACKs: WAIT, min-replicas-to-write ----

  /** Online replicas that acknowledged at least `offset`. */
  countAcked(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.replState === 'online' && r.ackOff >= offset) n++;
    return n;
  }

  /** isReadyToShutdown(): every replica, in any state, acknowledged the whole stream. */
  allAcked(): boolean {
    return this.replicas.every((r) => r.ackOff === this.offset);
  }

  refreshGoodReplicas(): void {
    const lagS = this.node.cfg['min-replicas-max-lag'];
    const nowS = Math.floor(this.ctx.nowUs() / 1_000_000);
    let n = 0;
    for (const r of this.replicas) if (r.replState === 'online' && nowS - Math.floor(r.ackTimeUs / 1_000_000) <= lagS) n++;
    this.goodReplicas = n;
  }

  /**
   * sendGetackToReplicas(): REPLCONF GETACK * into the stream (37 bytes), through
   * replicationFeedSlaves(), so a master with a backlog and no replica still adds it.
   */
  requestAcks(): void {
    this.feedCommand(this.slaveseldb, GETACK_ARGS);
  }

  // ---- cron ----

  /** The master half of replicationCron(). */
  cron(): void {
    const node = this.node;
    const cfg = node.cfg;
    const nowS = Math.floor(this.ctx.nowUs() / 1_000_000);
    const pausedForFailover = node.failover.endTimeUs > 0;
    if (node.cronLoops % cfg['repl-ping-replica-period'] === 0 && this.replicas.length > 0 && !pausedForFailover && node.isMaster) {
      node.hooks.replicationPing(this);
    }
    // newlines keep a replica waiting for its RDB from timing out (not during a socket transfer)
    for (const r of this.replicas) {
      if (r.replState === 'wait_bgsave_start' || (r.replState === 'wait_bgsave_end' && !node.bgsaveToSockets)) this.send(r, { k: 'nl' });
    }
    const timeoutS = cfg['repl-timeout'];
    const nowUs = this.ctx.nowUs();
    for (const r of this.replicas.slice()) {
      if (r.replState === 'online' && nowS - Math.floor(r.ackTimeUs / 1_000_000) > timeoutS) this.freeReplica(r, 'timeout', true);
      else if (r.replState === 'wait_bgsave_end' && this.fullSync.transfer?.stalled(r, nowUs, timeoutS)) this.freeReplica(r, 'timeout (full sync)', true);
    }
    const ttl = cfg['repl-backlog-ttl'];
    if (node.isMaster && this.replicas.length === 0 && ttl > 0 && this.backlog !== null) {
      if (nowS - Math.floor(this.replNoSlavesSinceUs / 1_000_000) > ttl) {
        if (node.hooks.newIdOnBacklogTtl()) {
          node.identity.startNewHistory('backlog-ttl');
        }
        this.freeBacklog();
      }
    }
    this.fullSync.startPendingFork();
    this.fullSync.removeRdbUsedToSyncReplicas();
    this.refreshGoodReplicas();
  }
}
