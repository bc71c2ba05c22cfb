// The replication buffer of Redis 7.0.15: one shared list of blocks holding the stream, referenced by
// the backlog and by replicas that still have bytes to receive. The backlog is trimmed only in whole
// blocks and never below repl-backlog-size, so it can hold more than configured, and grows while a
// replica pins old blocks. Offsets number stream bytes from 1; master_repl_offset is the last byte.
// Blocks are cut as feedReplicationBuffer() cuts them: a command arrives in pieces (the multibulk
// header, each argument's `$len`, the argument, its CRLF) and a new block is at most
// max(repl-backlog-size / 16, 16KB) before the allocator's rounding (7.0.10+, redis PR #11666).

import { decimalDigits } from './resp.js';

/** One propagated command and where its bytes sit in the stream. */
export interface StreamEntry {
  /** Offset of the entry's first byte. */
  readonly start: number;
  readonly bytes: number;
  readonly args: readonly string[];
  /** hashStrings(args), computed once for every node that generates or applies the entry (emitStream; a proxied entry is shared). */
  h?: string;
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

/** sizeof(listNode) + sizeof(replBufBlock): what each referenced block adds to a replica's output buffer. */
export const BLOCK_OVERHEAD_BYTES = 24 + BLOCK_HEADER_BYTES;

/** The largest request for a new block: max(repl-backlog-size / 16, PROTO_REPLY_CHUNK_BYTES). */
export function replBlockLimit(backlogSize: number): number {
  return Math.max(Math.floor(backlogSize / 16), MIN_BLOCK_REQUEST);
}

/**
 * Usable payload of a new block created for `len` more bytes of a piece: the request is
 * min(max(len, 16KB), limit), rounded up by the allocator (a 16KB request is 20440, a 64KB one 81880).
 */
export function replBlockSize(len: number, limit: number): number {
  const request = Math.min(Math.max(len, MIN_BLOCK_REQUEST), limit) + BLOCK_HEADER_BYTES;
  return jemallocSizeClass(request) - BLOCK_HEADER_BYTES;
}

/** The pieces replicationFeedSlaves() hands feedReplicationBuffer() for one command, in bytes. */
export function respPieces(args: readonly string[], byteLength: (s: string) => number): number[] {
  const out = [decimalDigits(args.length) + 3];
  for (const a of args) {
    const len = byteLength(a);
    out.push(decimalDigits(len) + 3, len, 2);
  }
  return out;
}

/** Where a replica stands in the shared buffer: the block it references and what it costs (getClientOutputBufferMemoryUsage()). */
export interface BufferUsage {
  /** First offset of the referenced block. */
  refStart: number;
  /** Blocks from the referenced one to the tail. */
  blocks: number;
  bytes: number;
}

export class ReplBuffer {
  private blocks: Block[] = [];
  private blockHead = 0;
  private entries: StreamEntry[] = [];
  private entryHead = 0;
  /** Bytes the backlog holds (repl_backlog_histlen). */
  histlen = 0;

  /** Called each time a new block is added, after its bytes are counted (where Redis checks output-buffer limits). */
  onNewBlock: (() => void) | null = null;
  /** The cap on a new block's request (replBlockLimit); a hook may change it. */
  blockLimit: (backlogSize: number) => number = replBlockLimit;

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

  /** Bytes the tail block can still take without a new block. */
  tailRoom(): number {
    if (this.blocks.length === this.blockHead) return 0;
    const tail = this.blocks[this.blocks.length - 1]!;
    return tail.size - tail.used;
  }

  /**
   * Append one command's bytes, handed over in `pieces` (one piece of `bytes` when not given: a
   * SELECT, or the bytes a replica proxies); trim by whole blocks while the backlog exceeds
   * backlogSize, each time a block is added and once more at the end (beforeSleep()).
   */
  feed(args: readonly string[], bytes: number, backlogSize: number, pieces?: readonly number[], from?: StreamEntry): StreamEntry {
    // the entry a replica proxies is the one its master fed at the same offset (offsets are shared
    // along a replication chain): one object for the whole chain while it is
    const start = this.endOffset + 1;
    const entry: StreamEntry = from !== undefined && from.start === start ? from : { start, bytes, args, h: from?.h };
    this.entries.push(entry);
    const limit = this.blockLimit(backlogSize);
    if (pieces === undefined) this.feedPiece(bytes, limit, backlogSize);
    else for (const p of pieces) this.feedPiece(p, limit, backlogSize);
    this.trim(backlogSize);
    return entry;
  }

  /** feedReplicationBuffer(): fill the tail block, then add blocks of at most the limit until the piece is in. */
  private feedPiece(len: number, limit: number, backlogSize: number): void {
    while (len > 0) {
      const tail = this.blocks.length > this.blockHead ? this.blocks[this.blocks.length - 1]! : undefined;
      if (tail && tail.size > tail.used) {
        const n = Math.min(tail.size - tail.used, len);
        tail.used += n;
        len -= n;
        this.endOffset += n;
        this.histlen += n;
      }
      if (len > 0) {
        const size = replBlockSize(len, limit);
        const n = Math.min(size, len);
        this.blocks.push({ start: this.endOffset + 1, size, used: n });
        len -= n;
        this.endOffset += n;
        this.histlen += n;
        this.onNewBlock?.();
        this.trim(backlogSize);
      }
    }
  }

  /**
   * What a replica whose oldest needed byte is `from` costs in output buffer: from the start of the
   * block holding `from` to the end of the tail block's allocation, plus 64 bytes per block
   * (getClientOutputBufferMemoryUsage()). Null when `from` is not in a kept block.
   */
  usageFrom(from: number): BufferUsage | null {
    const i = this.blockIndexAt(from);
    if (i < 0) return null;
    const ref = this.blocks[i]!;
    const last = this.blocks[this.blocks.length - 1]!;
    const blocks = this.blocks.length - i;
    return { refStart: ref.start, blocks, bytes: last.start + last.size - ref.start + blocks * BLOCK_OVERHEAD_BYTES };
  }

  /** Index of the kept block whose allocation holds `offset`, or -1. */
  private blockIndexAt(offset: number): number {
    let lo = this.blockHead;
    let hi = this.blocks.length - 1;
    if (hi < lo || offset < this.blocks[lo]!.start) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.blocks[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    const b = this.blocks[lo]!;
    return offset < b.start + b.size ? lo : -1;
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
