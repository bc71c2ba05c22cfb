// Diskless full sync, master side (rdbSaveToSlavesSockets(), rdbPipeReadHandler() and the socket case
// of updateSlavesWaitingBgsave() in 7.0.15): the child streams the RDB in the EOF-marked format to
// every replica that was waiting when it forked, one pipe read at a time at the pace of the slowest.

import type { EventId } from '../kernel/scheduler.js';
import type { NodeContext } from './context.js';
import type { ServerConn } from './master.js';
import type { ToReplica } from './link.js';
import type { RdbSnapshot } from './rdb.js';

/** CONFIG_RUN_ID_SIZE: the random EOF mark is 40 bytes. */
const EOF_MARK_BYTES = 40;
/**
 * What the parent hands to the sockets per pipe read before it waits for every replica: about a
 * socket's send buffer, since the parent reads the pipe again only once every replica's socket took
 * the last read (the slowest replica has about this much in flight).
 */
const PIPE_CHUNK_BYTES = 512 * 1024;
/**
 * The child's rio flushes its buffer into the pipe once it holds more than PROTO_IOBUF_LEN (16KB),
 * so the parent has something to read, and the replicas something to receive, every 16KB the child
 * produces: a slow child (rdb-key-save-delay) still feeds its replicas before their repl-timeout.
 */
const CHILD_FLUSH_BYTES = 16 * 1024;
/** `$EOF:<mark>\r\n` before the payload and the mark again after it. */
export const EOF_FRAMING_BYTES = 5 + EOF_MARK_BYTES + 2 + EOF_MARK_BYTES;

/** What the transfer needs of the master side that started it. */
export interface TransferHost {
  readonly ctx: NodeContext;
  /** The child is gone (done, or killed): the node's bgsave state is cleared. */
  childExited(ok: boolean): void;
  /** A replica the transfer cannot reach any more (a write error) is freed. */
  dropReplica(conn: ServerConn, reason: string): void;
}

/**
 * One socket child. `childDurationUs` is how long the child takes to produce the whole payload
 * (fork and save time); a chunk goes out once the child produced it and every replica still in the
 * transfer has received the previous one (the parent reads the pipe again only then).
 */
export class SocketTransfer {
  /** rdb_pipe_conns: the replicas of this transfer still connected. */
  readonly conns: ServerConn[];
  private readonly wireBytes: number;
  private sentBytes = 0;
  /** Replicas that have not received the current chunk yet (rdb_pipe_numconns_writing). */
  private readonly writing = new Set<ServerConn>();
  private chunkSentUs = 0;
  private timer: EventId | null = null;
  private over = false;
  private readonly startUs: number;

  constructor(
    private readonly host: TransferHost,
    readonly snapshot: RdbSnapshot,
    conns: ServerConn[],
    private readonly childDurationUs: number,
  ) {
    this.conns = conns.slice();
    this.wireBytes = snapshot.sizeBytes + EOF_FRAMING_BYTES;
    this.startUs = host.ctx.nowUs();
    this.scheduleNextRead();
  }

  get active(): boolean {
    return !this.over;
  }

  /** Whether a replica is in this transfer and has not received the current chunk after `timeoutUs`. */
  stalled(conn: ServerConn, nowUs: number, timeoutS: number): boolean {
    return this.writing.has(conn) && Math.floor(nowUs / 1_000_000) - Math.floor(this.chunkSentUs / 1_000_000) > timeoutS;
  }

  /** When the child has produced the first `bytes` of the payload. */
  private producedAtUs(bytes: number): number {
    return this.startUs + Math.ceil((this.childDurationUs * bytes) / this.wireBytes);
  }

  /** How much of the payload the child has flushed into the pipe by `nowUs`. */
  private producedBy(nowUs: number): number {
    if (nowUs - this.startUs >= this.childDurationUs) return this.wireBytes;
    const made = Math.floor(((nowUs - this.startUs) * this.wireBytes) / this.childDurationUs);
    return made - (made % CHILD_FLUSH_BYTES);
  }

  /** The next read, once the child has flushed more than what was read (up to PIPE_CHUNK_BYTES). */
  private scheduleNextRead(): void {
    const end = Math.min(this.wireBytes, this.sentBytes + CHILD_FLUSH_BYTES);
    const delay = Math.max(0, this.producedAtUs(end) - this.host.ctx.nowUs());
    this.timer = this.host.ctx.timer(delay, SocketTransfer.readFn, this);
  }

  private static readonly readFn = (self: SocketTransfer) => {
    self.timer = null;
    self.readPipe();
  };

  /** rdbPipeReadHandler(): one read from the child's pipe, written to every replica still up. */
  private readPipe(): void {
    if (this.over) return;
    if (this.sentBytes >= this.wireBytes) {
      // EOF on the pipe: the child may exit; its exit puts the replicas online
      this.finish(true);
      return;
    }
    if (this.conns.length === 0) {
      // "Diskless rdb transfer, last replica dropped, killing fork child."
      this.finish(false);
      return;
    }
    const available = Math.max(this.producedBy(this.host.ctx.nowUs()), Math.min(this.wireBytes, this.sentBytes + CHILD_FLUSH_BYTES));
    const size = Math.min(PIPE_CHUNK_BYTES, available - this.sentBytes);
    this.sentBytes += size;
    const last = this.sentBytes >= this.wireBytes;
    const msg: ToReplica = { k: 'rdb', snapshot: last ? this.snapshot : null, eof: true };
    this.chunkSentUs = this.host.ctx.nowUs();
    for (const conn of this.conns.slice()) {
      if (!conn.sock.alive || conn.sock.state !== 'open') {
        this.host.dropReplica(conn, 'write error sending DB to replica');
        continue;
      }
      this.writing.add(conn);
      this.host.ctx.send(conn.sock, msg, size, () => this.written(conn));
    }
    if (this.writing.size === 0) this.scheduleNextRead();
  }

  private written(conn: ServerConn): void {
    if (this.over || !this.writing.delete(conn)) return;
    if (this.writing.size === 0) this.scheduleNextRead();
  }

  /** Only a mutant adds a replica to a transfer already under way. */
  join(conn: ServerConn): void {
    if (!this.over && !this.conns.includes(conn)) this.conns.push(conn);
  }

  /** freeClient() of a replica in the transfer (rdbPipeWriteHandlerConnRemoved()). */
  remove(conn: ServerConn): void {
    const i = this.conns.indexOf(conn);
    if (i < 0 || this.over) return;
    this.conns.splice(i, 1);
    if (this.writing.delete(conn) && this.writing.size === 0) this.scheduleNextRead();
  }

  /** killRDBChild() from outside (shutdown): no replica is put online. */
  kill(): void {
    if (this.over) return;
    this.over = true;
    if (this.timer !== null) this.host.ctx.cancelTimer(this.timer);
    this.timer = null;
  }

  private finish(ok: boolean): void {
    this.kill();
    this.host.childExited(ok);
  }
}
