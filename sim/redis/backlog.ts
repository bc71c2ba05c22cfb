// The replication buffer of Redis 7.0: one shared list of blocks holding the stream, referenced by
// the backlog and by replicas that still have bytes to receive. The backlog is trimmed only in whole
// blocks and never below repl-backlog-size, so it can hold more than configured, and grows while a
// replica pins old blocks. Offsets number stream bytes from 1; master_repl_offset is the last byte.

/** One propagated command and where its bytes sit in the stream. */
export interface StreamEntry {
  /** Offset of the entry's first byte. */
  readonly start: number;
  readonly bytes: number;
  readonly args: readonly string[];
}

interface Block {
  start: number;
  size: number;
  used: number;
}

/** PROTO_REPLY_CHUNK_BYTES: the smallest block Redis asks the allocator for. */
const MIN_BLOCK_REQUEST = 16 * 1024;
/** sizeof(replBufBlock) on 64-bit builds, subtracted from the allocator's usable size. */
const BLOCK_HEADER_BYTES = 40;

/** jemalloc's size class for a request above 16KB: four classes per power of two. */
export function jemallocSizeClass(n: number): number {
  if (n <= 8) return 8;
  const p = 2 ** Math.floor(Math.log2(n - 1));
  const step = Math.max(8, p / 4);
  return Math.ceil(n / step) * step;
}

/** Usable payload of a new block created for a write of `len` bytes (a 16KB request is 20440). */
export function replBlockSize(len: number): number {
  const request = Math.max(len, MIN_BLOCK_REQUEST) + BLOCK_HEADER_BYTES;
  return jemallocSizeClass(request) - BLOCK_HEADER_BYTES;
}

export class ReplBuffer {
  private blocks: Block[] = [];
  private blockHead = 0;
  private entries: StreamEntry[] = [];
  private entryHead = 0;
  /** Bytes the backlog holds (repl_backlog_histlen). */
  histlen = 0;

  /**
   * @param endOffset master_repl_offset when the buffer (and backlog) is created.
   * @param pinnedFrom lowest offset a replica still has to receive from the buffer, or Infinity.
   */
  constructor(
    public endOffset: number,
    private readonly pinnedFrom: () => number,
  ) {}

  /** repl_backlog_first_byte_offset. */
  get firstByte(): number {
    return this.endOffset - this.histlen + 1;
  }

  /** Append one command's bytes; then trim by whole blocks while the backlog exceeds sizeBytes. */
  feed(args: readonly string[], bytes: number, backlogSize: number): StreamEntry {
    const entry: StreamEntry = { start: this.endOffset + 1, bytes, args };
    this.entries.push(entry);
    let len = bytes;
    const tail = this.blocks.length > this.blockHead ? this.blocks[this.blocks.length - 1]! : undefined;
    if (tail && tail.size > tail.used) {
      const n = Math.min(tail.size - tail.used, len);
      tail.used += n;
      len -= n;
    }
    if (len > 0) this.blocks.push({ start: this.endOffset + 1 + (bytes - len), size: replBlockSize(len), used: len });
    this.endOffset += bytes;
    this.histlen += bytes;
    // Redis trims when a block is added and again in beforeSleep, i.e. after every command
    this.trim(backlogSize);
    return entry;
  }

  /** incrementalTrimReplicationBacklog(): drop head blocks no replica needs while more than size remains. */
  trim(backlogSize: number): void {
    const pinned = this.pinnedFrom();
    while (this.histlen > backlogSize && this.blocks.length - this.blockHead > 1) {
      const head = this.blocks[this.blockHead]!;
      if (pinned < head.start + head.used) break; // a replica still references the head block
      if (this.histlen - head.used <= backlogSize) break;
      this.histlen -= head.used;
      this.blockHead++;
    }
    this.compact();
  }

  /** Shift every offset by delta (a master restarting from an RDB continues at its old offset). */
  rebase(delta: number): void {
    this.endOffset += delta;
    for (const b of this.blocks) b.start += delta;
    this.entries = this.entries.map((e) => ({ ...e, start: e.start + delta }));
  }

  /**
   * The entries covering [from, endOffset]. `from` must be >= the lowest offset still kept (backlog
   * start or a pinned replica). The first entry may start before `from` when `from` falls inside it;
   * `skip` says how many of its bytes to leave out.
   */
  readFrom(from: number): { entries: StreamEntry[]; skip: number } {
    const es = this.entries;
    let lo = this.entryHead;
    let hi = es.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = es[mid]!;
      if (e.start + e.bytes <= from) lo = mid + 1;
      else hi = mid;
    }
    const out = es.slice(lo);
    const skip = out.length > 0 ? Math.max(0, from - out[0]!.start) : 0;
    return { entries: out, skip };
  }

  /** Forget entries that neither the backlog nor any replica can ask for again. */
  private compact(): void {
    const keepFrom = Math.min(this.firstByte, this.pinnedFrom());
    let h = this.entryHead;
    const es = this.entries;
    while (h < es.length && es[h]!.start + es[h]!.bytes <= keepFrom) h++;
    this.entryHead = h;
    if (h > 1024 && h * 2 > es.length) {
      this.entries = es.slice(h);
      this.entryHead = 0;
    }
    if (this.blockHead > 1024 && this.blockHead * 2 > this.blocks.length) {
      this.blocks = this.blocks.slice(this.blockHead);
      this.blockHead = 0;
    }
  }
}
