// Full sync, master side: a replica waiting for an RDB (wait_bgsave_start) gets +FULLRESYNC when a
// child is forked for it (wait_bgsave_end), then the file of a disk BGSAVE (send_bulk) or a diskless
// child's transfer (diskless.ts); once online, the stream buffered since the fork follows.

import type { NodeContext } from './context.js';
import type { ReplBuffer } from './backlog.js';
import type { OutputBufferLimits } from './output-buffer.js';
import type { ToReplica } from './link.js';
import { makeSnapshot, RDB_FILENAME, saveDurationUs, type RdbSnapshot, type ReplInfo } from './rdb.js';
import { SocketTransfer } from './diskless.js';
import type { MasterHost, ServerConn } from './master.js';

/** Socket send buffer the kernel absorbs before Redis's own output buffer for a replica grows. */
export const SOCKET_BUFFER_BYTES = 512 * 1024;
/** What one writable event of sendBulkToSlave() hands the socket of the RDB file (PROTO_IOBUF_LEN is 16KB; a few at once). */
const BULK_CHUNK_BYTES = 64 * 1024;

/** What full sync needs of the master side it is part of. */
export interface FullSyncMaster {
  readonly replicas: readonly ServerConn[];
  /** master_repl_offset. */
  readonly offset: number;
  readonly backlog: ReplBuffer | null;
  slaveseldb: number;
  readonly obufLimits: OutputBufferLimits;
  reply(conn: ServerConn, text: string): void;
  /** Send the backlog from `from` on. */
  sendFrom(conn: ServerConn, from: number): void;
  freeReplica(conn: ServerConn, reason: string, closeSocket: boolean): void;
  refreshGoodReplicas(): void;
}

export class FullSync {
  /** The diskless child's transfer while it runs. */
  transfer: SocketTransfer | null = null;
  /** RDBGeneratedByReplication: a disk BGSAVE for replicas made dump.rdb while rdb-del-sync-files was on. */
  private rdbGeneratedByReplication = false;
  private readonly ctx: NodeContext;

  constructor(
    private readonly master: FullSyncMaster,
    private readonly node: MasterHost,
  ) {
    this.ctx = node.ctx;
  }

  /**
   * The rest of syncCommand() for a replica just put in wait_bgsave_start: attach it to a running
   * disk child for replication, else leave it for the next fork, else fork now (unless diskless
   * sync waits for more replicas).
   */
  replicaWaiting(conn: ServerConn): void {
    const node = this.node;
    const forReplication = node.bgsaveForReplication;
    if (forReplication !== null) {
      // a disk child for replication: attach to it; a socket child: wait for the next one
      const attach = forReplication && (!node.bgsaveToSockets || node.hooks.joinSocketTransfer());
      const other = attach ? this.master.replicas.find((r) => r !== conn && r.replState === 'wait_bgsave_end') : undefined;
      if (other) {
        conn.sendFrom = other.sendFrom;
        this.setupForFullResync(conn, other.psyncInitialOffset);
        this.transfer?.join(conn);
      }
      // otherwise wait for the next BGSAVE (started when this one ends)
      return;
    }
    // diskless with a delay: the child is forked by the cron, so that more replicas can arrive
    if (node.cfg['repl-diskless-sync'] && node.cfg['repl-diskless-sync-delay'] > 0) return;
    this.startBgsaveForReplication();
  }

  private setupForFullResync(conn: ServerConn, offset: number): void {
    conn.replState = 'wait_bgsave_end';
    conn.psyncInitialOffset = offset;
    if (conn.sendFrom === Number.POSITIVE_INFINITY) conn.sendFrom = offset + 1;
    if (this.node.hooks.selectAfterFullSync()) this.master.slaveseldb = -1;
    this.master.reply(conn, `+FULLRESYNC ${this.node.identity.replid} ${offset}`);
  }

  startBgsaveForReplication(): void {
    const rsi = this.node.replInfoForSave();
    const waiting = this.master.replicas.filter((r) => r.replState === 'wait_bgsave_start');
    if (waiting.length === 0) return;
    if (rsi === null) {
      for (const r of waiting) {
        this.master.reply(r, "-ERR BGSAVE failed, replication can't continue");
        this.master.freeReplica(r, 'bgsave failed', true);
      }
      return;
    }
    if (this.node.cfg['repl-diskless-sync']) return this.startSocketTransfer(waiting, rsi);
    this.node.startBgsave(true, rsi);
    if (this.node.cfg['rdb-del-sync-files']) this.rdbGeneratedByReplication = true;
    for (const r of waiting) this.setupForFullResync(r, this.master.offset);
  }

  /**
   * replicationStartPendingFork(): with no child running, fork for the replicas waiting for one:
   * at once with disk-based sync; with diskless sync once repl-diskless-sync-max-replicas are
   * waiting, or the longest-waiting one has been idle repl-diskless-sync-delay seconds.
   */
  startPendingFork(): void {
    if (this.node.bgsaveForReplication !== null) return;
    const cfg = this.node.cfg;
    const nowS = Math.floor(this.ctx.nowUs() / 1_000_000);
    let waiting = 0;
    let maxIdleS = 0;
    for (const r of this.master.replicas) {
      if (r.replState !== 'wait_bgsave_start') continue;
      waiting++;
      maxIdleS = Math.max(maxIdleS, nowS - Math.floor(r.lastInteractionUs / 1_000_000));
    }
    if (waiting === 0) return;
    const maxReplicas = cfg['repl-diskless-sync-max-replicas'];
    if (!cfg['repl-diskless-sync'] || (maxReplicas > 0 && waiting >= maxReplicas) || maxIdleS >= cfg['repl-diskless-sync-delay']) this.startBgsaveForReplication();
  }

  /** rdbSaveToSlavesSockets(): every waiting replica gets +FULLRESYNC now and the RDB over its socket. */
  private startSocketTransfer(waiting: ServerConn[], rsi: ReplInfo): void {
    for (const r of waiting) this.setupForFullResync(r, this.master.offset);
    const snapshot = makeSnapshot(this.node.ds.clone(), rsi);
    this.node.setSocketChild(snapshot);
    const durationUs = saveDurationUs(snapshot.sizeBytes, snapshot.data.totalKeys(), this.node.cfg['rdb-key-save-delay']);
    const host = {
      ctx: this.ctx,
      childExited: (ok: boolean) => this.socketChildExited(ok),
      dropReplica: (conn: ServerConn, reason: string) => this.master.freeReplica(conn, reason, true),
    };
    this.transfer = new SocketTransfer(host, snapshot, waiting, durationUs);
  }

  /** killRDBChild() of a diskless child (SHUTDOWN): its replicas are dropped as after a failed BGSAVE, and no new child starts. */
  killSocketChild(): void {
    if (this.transfer === null) return;
    this.transfer.kill();
    this.socketChildExited(false, false);
  }

  /**
   * The diskless child exited (updateSlavesWaitingBgsave(), socket target): its replicas are online
   * at once, but their buffered stream waits for the first REPLCONF ACK; then pending forks start.
   */
  private socketChildExited(ok: boolean, startPending = true): void {
    this.transfer = null;
    this.node.setSocketChild(null);
    for (const r of this.master.replicas.slice()) {
      if (r.replState !== 'wait_bgsave_end') continue;
      if (!ok) {
        this.master.freeReplica(r, 'bgsave failed', true);
        continue;
      }
      r.replState = 'online';
      r.ackTimeUs = this.ctx.nowUs();
      r.streamOnAck = true;
    }
    this.master.refreshGoodReplicas();
    if (startPending) this.startPendingFork();
  }

  /** replicaStartCommandStream(): the stream buffered since the fork follows. */
  startCommandStream(r: ServerConn): void {
    r.streamOnAck = false;
    this.master.obufLimits.streamStarted(r.peer);
    const from = r.sendFrom;
    r.sendFrom = Number.POSITIVE_INFINITY;
    this.master.sendFrom(r, from);
    this.master.backlog!.trim(this.node.cfg['repl-backlog-size']);
  }

  /** updateSlavesWaitingBgsave(): the child finished; ship the file to each waiting replica. */
  bgsaveFinished(snapshotOk: boolean): void {
    for (const r of this.master.replicas.slice()) {
      if (r.replState !== 'wait_bgsave_end') continue;
      if (!snapshotOk) {
        this.master.freeReplica(r, 'bgsave failed', true);
        continue;
      }
      this.sendBulk(r);
    }
    this.startPendingFork();
  }

  /**
   * removeRDBUsedToSyncReplicas() (replicationCron): with rdb-del-sync-files and no persistence, the
   * dump.rdb made for replicas is deleted once no replica waits for a BGSAVE or reads the file.
   */
  removeRdbUsedToSyncReplicas(): void {
    if (!this.node.cfg['rdb-del-sync-files']) {
      this.rdbGeneratedByReplication = false;
      return;
    }
    if (!this.node.persistenceOff || !this.rdbGeneratedByReplication) return;
    const busy = this.master.replicas.some((r) => r.replState === 'wait_bgsave_start' || r.replState === 'wait_bgsave_end' || r.replState === 'send_bulk');
    if (busy || this.ctx.disk.read(RDB_FILENAME) === undefined) return;
    this.rdbGeneratedByReplication = false;
    this.ctx.disk.delete(RDB_FILENAME);
  }

  private sendBulk(r: ServerConn): void {
    const file = this.ctx.disk.read<RdbSnapshot>(RDB_FILENAME);
    if (!file) return this.master.freeReplica(r, 'rdb file missing', true);
    r.replState = 'send_bulk';
    const snapshot = file.data;
    const total = snapshot.sizeBytes;
    let sent = 0;
    // sendBulkToSlave() reads the file as the socket drains: at most a socket buffer is ahead of
    // the replica, so a replica dropped mid-transfer (the output-buffer limit) sees the close soon
    const pump = (): void => {
      if (!this.node.alive || r.replState !== 'send_bulk' || !r.sock.alive) return;
      while (sent < total && r.sock.unsentBytes < SOCKET_BUFFER_BYTES) {
        const n = Math.min(BULK_CHUNK_BYTES, total - sent);
        sent += n;
        if (sent < total) this.ctx.send(r.sock, { k: 'rdb', snapshot: null } satisfies ToReplica, n, pump);
        else this.ctx.send(r.sock, { k: 'rdb', snapshot } satisfies ToReplica, n + String(total).length + 3, () => this.putOnline(r));
      }
    };
    pump();
  }

  /**
   * replicaPutOnline(): the whole payload has been written; the stream buffered since the snapshot
   * follows it. (Redis does this when the last byte enters the socket; the model, when it arrives.)
   */
  private putOnline(r: ServerConn): void {
    if (!this.node.alive || r.replState !== 'send_bulk' || !r.sock.alive) return;
    r.replState = 'online';
    r.ackTimeUs = this.ctx.nowUs();
    this.startCommandStream(r);
    this.master.refreshGoodReplicas();
  }
}
