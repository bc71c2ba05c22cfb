// The replication buffer on its own (sim/redis/backlog.ts), against Redis 7.0's rules: blocks of
// 20440 usable bytes (a 16KB request plus the 40-byte header in jemalloc's 20480 class, bigger
// writes get their own bigger block), writes fill the tail block before a new one is made, trimming
// drops whole head blocks only, never leaves fewer than repl-backlog-size bytes, and stops at a block
// a replica still has to be sent (incrementalTrimReplicationBacklog()). Offsets number stream bytes
// from 1; repl_backlog_first_byte_offset = master_repl_offset - histlen + 1.
import { describe, expect, it } from 'vitest';
import { ReplBuffer, jemallocSizeClass, replBlockLimit, replBlockSize, respPieces, type StreamEntry } from '../../sim/redis/backlog.js';
import { byteLength } from '../../sim/redis/resp.js';

const BLOCK = 20440;
const SIZE_16KB = 16384;
const NONE = () => Number.POSITIVE_INFINITY;

/** Feed `n` commands of `bytes` bytes each; returns the entries. */
function feedN(buf: ReplBuffer, n: number, bytes: number, size: number, tag = 'c'): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (let i = 0; i < n; i++) out.push(buf.feed([tag, String(i)], bytes, size));
  return out;
}

describe('jemalloc size classes and block sizes', () => {
  it('rounds a request above 16KB up to four classes per power of two', () => {
    expect(jemallocSizeClass(16384)).toBe(16384);
    expect(jemallocSizeClass(16385)).toBe(20480);
    expect(jemallocSizeClass(16424)).toBe(20480); // PROTO_REPLY_CHUNK_BYTES + header
    expect(jemallocSizeClass(20480)).toBe(20480);
    expect(jemallocSizeClass(20481)).toBe(24576);
    expect(jemallocSizeClass(28673)).toBe(32768);
    expect(jemallocSizeClass(32769)).toBe(40960);
    expect(jemallocSizeClass(50040)).toBe(57344);
    expect(jemallocSizeClass(65536)).toBe(65536);
    expect(jemallocSizeClass(65537)).toBe(81920);
  });

  it('small sizes: the 8-byte minimum and 8-byte steps', () => {
    // malloc(0) still takes the smallest class
    expect(jemallocSizeClass(0)).toBe(8);
    expect(jemallocSizeClass(1)).toBe(8);
    expect(jemallocSizeClass(8)).toBe(8);
    expect(jemallocSizeClass(9)).toBe(16);
  });

  it('a block for a small write is a 16KB request: 20440 usable bytes; a big write gets its own size up to the cap', () => {
    const noCap = Number.POSITIVE_INFINITY;
    expect(replBlockSize(1, noCap)).toBe(BLOCK);
    expect(replBlockSize(28, noCap)).toBe(BLOCK);
    expect(replBlockSize(16384, noCap)).toBe(BLOCK);
    expect(replBlockSize(20440, noCap)).toBe(BLOCK);
    expect(replBlockSize(20441, noCap)).toBe(24576 - 40);
    expect(replBlockSize(50000, noCap)).toBe(57344 - 40);
  });

  it('the cap is max(repl-backlog-size / 16, 16KB), before the allocator rounds the request up (redis PR #11666, 7.0.10)', () => {
    expect(replBlockLimit(16 * 1024)).toBe(SIZE_16KB);
    expect(replBlockLimit(256 * 1024)).toBe(SIZE_16KB);
    expect(replBlockLimit(1024 * 1024)).toBe(64 * 1024);
    expect(replBlockLimit(1024 * 1024 + 15)).toBe(64 * 1024);
    expect(replBlockLimit(1024 * 1024 + 16)).toBe(64 * 1024 + 1);
    // a 64KB request plus the 40-byte header is an 80KB class: 81880 usable, more than the cap
    expect(replBlockSize(100_000, replBlockLimit(1024 * 1024))).toBe(81920 - 40);
    expect(replBlockSize(100_000, replBlockLimit(16 * 1024))).toBe(BLOCK);
    expect(replBlockSize(1, replBlockLimit(1024 * 1024))).toBe(BLOCK);
  });

  it('the pieces of a command as replicationFeedSlaves() hands them over', () => {
    expect(respPieces(['SET', 'k0', 'x'.repeat(100_000)], byteLength)).toEqual([4, 4, 3, 2, 4, 2, 2, 9, 100_000, 2]);
    expect(respPieces(['PING'], byteLength)).toEqual([4, 4, 4, 2]);
    expect(respPieces(['SET', 'é', ''], byteLength)).toEqual([4, 4, 3, 2, 4, 2, 2, 4, 0, 2]);
  });
});

describe('offsets', () => {
  it('numbers stream bytes from the offset the buffer was created at', () => {
    const buf = new ReplBuffer(1000, NONE);
    expect(buf.endOffset).toBe(1000);
    expect(buf.histlen).toBe(0);
    expect(buf.firstByte).toBe(1001);
    const a = buf.feed(['SET', 'k1', 'v'], 28, SIZE_16KB);
    const b = buf.feed(['SELECT', '0'], 23, SIZE_16KB);
    expect(a).toEqual({ start: 1001, bytes: 28, args: ['SET', 'k1', 'v'] });
    expect(b.start).toBe(1029);
    expect(buf.endOffset).toBe(1051);
    expect(buf.histlen).toBe(51);
    expect(buf.firstByte).toBe(1001);
  });
});

describe('trimming in whole blocks', () => {
  it('keeps everything until dropping the head block still leaves more than repl-backlog-size', () => {
    const buf = new ReplBuffer(0, NONE);
    // 730 writes of 28 bytes fill the first block exactly; write 731 opens the second
    feedN(buf, 730, 28, SIZE_16KB);
    expect(buf.histlen).toBe(BLOCK);
    feedN(buf, 1, 28, SIZE_16KB);
    expect(buf.histlen).toBe(BLOCK + 28);
    // the head block goes only once histlen - 20440 > 16384, i.e. histlen > 36824: at write 1316
    feedN(buf, 1315 - 731, 28, SIZE_16KB);
    expect(buf.histlen).toBe(1315 * 28);
    expect(buf.firstByte).toBe(1);
    feedN(buf, 1, 28, SIZE_16KB);
    expect(buf.histlen).toBe(1316 * 28 - BLOCK);
    expect(buf.firstByte).toBe(BLOCK + 1);
    expect(buf.endOffset).toBe(1316 * 28);
  });

  it('never trims the only block, however much it holds over the size', () => {
    const buf = new ReplBuffer(0, NONE);
    buf.feed(['big'], 20000, SIZE_16KB); // one 20440-byte block with 20000 used
    expect(buf.histlen).toBe(20000);
    buf.trim(100);
    expect(buf.histlen).toBe(20000);
    expect(buf.firstByte).toBe(1);
  });

  it('a write that does not fit fills the tail block first; the head block it leaves is full', () => {
    const buf = new ReplBuffer(0, NONE);
    buf.feed(['a'], 20000, SIZE_16KB); // block 1: 20000 of 20440
    buf.feed(['b'], 10000, SIZE_16KB); // 440 more into block 1, 9560 into block 2
    expect(buf.histlen).toBe(30000);
    // dropping block 1 (20440 bytes) would leave 9560 <= 9600: kept
    buf.trim(9600);
    expect(buf.histlen).toBe(30000);
    // with a smaller size it goes, and exactly its 20440 bytes leave
    buf.trim(9000);
    expect(buf.histlen).toBe(30000 - BLOCK);
    expect(buf.firstByte).toBe(BLOCK + 1);
  });

  it('a block opened by a write that overflowed the tail starts at the overflow\'s first byte', () => {
    let pinned = Number.POSITIVE_INFINITY;
    const buf = new ReplBuffer(0, () => pinned);
    buf.feed(['a'], 20000, 1e9);
    buf.feed(['b'], 10000, 1e9); // block 2 starts at 20441
    buf.feed(['c'], 10880, 1e9); // fills block 2 exactly: bytes 20441..40880
    buf.feed(['d'], 10, 1e9); // block 3
    pinned = 40880; // the replica still needs the last byte of block 2
    buf.trim(1);
    expect(buf.firstByte).toBe(BLOCK + 1);
    pinned = 40881;
    buf.trim(1);
    expect(buf.firstByte).toBe(2 * BLOCK + 1);
    expect(buf.histlen).toBe(10);
  });

  it('a write bigger than a block gets one block of its own size while under the cap', () => {
    const buf = new ReplBuffer(0, NONE);
    const size = 1024 * 1024; // cap 64KB
    buf.feed(['huge'], 50000, size); // one block of 57304 usable bytes, 50000 used
    buf.feed(['x'], 7304, size); // fills it exactly: no second block, nothing to trim
    expect(buf.histlen).toBe(57304);
    buf.feed(['y'], 10, size); // second block; trimmed by the size only: the first (57304 bytes) can go
    buf.trim(1);
    expect(buf.histlen).toBe(10);
    expect(buf.firstByte).toBe(57305);
  });

  it('a write bigger than the cap spans several blocks, and the head ones can be trimmed alone', () => {
    const buf = new ReplBuffer(0, NONE);
    // a 16kb backlog caps requests at 16KB: 50000 bytes take 20440 + 20440 + 9120 (of a third 20440-byte block);
    // the first block goes, the second stays (without it 9120 bytes would be under the size)
    buf.feed(['huge'], 50000, 16 * 1024);
    expect(buf.histlen).toBe(50000 - BLOCK);
    expect(buf.firstByte).toBe(BLOCK + 1);
  });

  it('a command fed in its pieces opens blocks as feedReplicationBuffer() does: the header opens a 16KB one, the big argument\'s rest a capped one', () => {
    // replicationFeedSlaves() (7.0.15): *3, then $len / argument / CRLF per argument, one
    // feedReplicationBuffer() call each; a new block is sized for what is left of the piece being fed
    const args = ['SET', 'k0', 'x'.repeat(100_000)];
    const pieces = respPieces(args, byteLength);
    const total = pieces.reduce((a, b) => a + b, 0);
    const buf = new ReplBuffer(0, NONE);
    buf.feed(args, total, 1024 * 1024, pieces);
    expect(buf.endOffset).toBe(total);
    // block 1: opened for the 4-byte header (a 16KB request, 20440 usable) and filled by the value;
    // block 2: opened for the value's remaining 79590 bytes, capped at 64KB (81880 usable)
    expect(buf.usageFrom(1)).toEqual({ refStart: 1, blocks: 2, bytes: BLOCK + 81880 + 2 * 64 });
    expect(buf.usageFrom(BLOCK + 1)).toEqual({ refStart: BLOCK + 1, blocks: 1, bytes: 81880 + 64 });
    // the same bytes as one piece (a proxied stream) open the capped block first
    const one = new ReplBuffer(0, NONE);
    one.feed(args, total, 1024 * 1024);
    expect(one.usageFrom(BLOCK + 1)).toEqual({ refStart: 1, blocks: 2, bytes: 81880 + BLOCK + 2 * 64 });
    expect(one.usageFrom(81881)?.refStart).toBe(81881);
  });

  it('a new block is added (and the limits checked) once per block a piece opens', () => {
    const buf = new ReplBuffer(0, NONE);
    let added = 0;
    buf.onNewBlock = () => added++;
    buf.feed(['a'], 10, 16 * 1024);
    expect(added).toBe(1);
    buf.feed(['b'], BLOCK - 10, 16 * 1024); // fills the tail exactly
    expect(added).toBe(1);
    buf.feed(['c'], 3 * BLOCK + 1, 16 * 1024);
    expect(added).toBe(5);
  });

  it('trims several blocks at once, down to the last that keeps at least the size', () => {
    const buf = new ReplBuffer(0, NONE);
    feedN(buf, 10, BLOCK, 10 * BLOCK); // ten full blocks, nothing trimmed yet
    expect(buf.histlen).toBe(10 * BLOCK);
    buf.trim(2 * BLOCK + 1);
    // keeps three blocks: two would be below the size
    expect(buf.histlen).toBe(3 * BLOCK);
    expect(buf.firstByte).toBe(7 * BLOCK + 1);
    // Redis keeps a head block whose removal would leave exactly the size (histlen - size <= limit)
    buf.trim(2 * BLOCK);
    expect(buf.histlen).toBe(3 * BLOCK);
    buf.trim(2 * BLOCK - 1);
    expect(buf.histlen).toBe(2 * BLOCK);
  });

  it('keeps trimming with the running size: a later CONFIG SET shrinks it on the next write', () => {
    const buf = new ReplBuffer(0, NONE);
    feedN(buf, 5, BLOCK, 1024 * 1024);
    expect(buf.histlen).toBe(5 * BLOCK);
    buf.feed(['SET'], 28, SIZE_16KB);
    expect(buf.histlen).toBe(BLOCK + 28);
  });
});

describe('a replica pins the blocks it still has to be sent', () => {
  it('no head block that holds a byte the replica needs is dropped, however far past the size', () => {
    let pinned = 100; // a replica waiting for its snapshot needs the stream from offset 100 on
    const buf = new ReplBuffer(0, () => pinned);
    feedN(buf, 20, 10_000, SIZE_16KB);
    expect(buf.histlen).toBe(200_000);
    expect(buf.firstByte).toBe(1);
    // the replica received everything: the next command trims what nobody needs
    pinned = Number.POSITIVE_INFINITY;
    buf.feed(['SET'], 28, SIZE_16KB);
    expect(buf.histlen).toBeGreaterThanOrEqual(SIZE_16KB);
    expect(buf.histlen).toBeLessThan(SIZE_16KB + BLOCK);
    expect(buf.firstByte).toBe(buf.endOffset - buf.histlen + 1);
  });

  it('the pin holds exactly the block with the replica\'s next byte; blocks before it go', () => {
    let pinned = Number.POSITIVE_INFINITY;
    const buf = new ReplBuffer(0, () => pinned);
    feedN(buf, 4, BLOCK, 100 * BLOCK); // four full blocks: [1..20440] [20441..40880] ...
    pinned = BLOCK; // still needs the last byte of block 1
    buf.trim(1);
    expect(buf.firstByte).toBe(1);
    pinned = BLOCK + 1; // needs nothing of block 1
    buf.trim(1);
    expect(buf.firstByte).toBe(BLOCK + 1);
    pinned = 3 * BLOCK; // last byte of block 3: blocks 2 go, 3 stays
    buf.trim(1);
    expect(buf.firstByte).toBe(2 * BLOCK + 1);
    expect(buf.histlen).toBe(2 * BLOCK);
  });

  it('what the pinned replica will be sent stays readable even below the backlog\'s first byte', () => {
    let pinned = Number.POSITIVE_INFINITY;
    const buf = new ReplBuffer(0, () => pinned);
    const first = feedN(buf, 4, BLOCK, 100 * BLOCK);
    pinned = 2 * BLOCK + 5;
    buf.trim(1);
    expect(buf.firstByte).toBe(2 * BLOCK + 1);
    const r = buf.readFrom(pinned);
    expect(r.entries[0]).toBe(first[2]);
    expect(r.skip).toBe(4);
    // and the backlog's own first byte keeps its entries while a replica pins above it
    feedN(buf, 1, 28, 100 * BLOCK);
    expect(buf.readFrom(buf.firstByte).entries[0]).toBe(first[2]);
  });
});

describe('what the buffer still holds', () => {
  it('entries wholly below the lowest kept offset (backlog start or pin) are forgotten; one that straddles it is kept', () => {
    // 28-byte commands: blocks of 20440 hold 730 of them exactly, so the backlog starts at an entry
    const aligned = new ReplBuffer(0, NONE);
    const a = feedN(aligned, 3000, 28, SIZE_16KB);
    const k = (aligned.firstByte - 1) / 28;
    expect(k).toBeGreaterThan(0);
    // reading from offset 1 shows what is held: nothing before the entry at the backlog's first byte
    expect(aligned.readFrom(1).entries[0]).toBe(a[k]);
    // 27-byte commands: the backlog starts inside an entry (27 does not divide 20440 × 1..26), which stays whole
    const straddle = new ReplBuffer(0, NONE);
    const b = feedN(straddle, 3000, 27, SIZE_16KB);
    const first = straddle.firstByte;
    const i = Math.floor((first - 1) / 27);
    expect(b[i]!.start).toBeLessThan(first);
    expect(straddle.readFrom(1).entries[0]).toBe(b[i]);
    expect(straddle.readFrom(first)).toMatchObject({ skip: first - b[i]!.start });
    // a pin below the backlog keeps its entries instead
    let pinned = Number.POSITIVE_INFINITY;
    const pinnedBuf = new ReplBuffer(0, () => pinned);
    const c = feedN(pinnedBuf, 100, 28, SIZE_16KB);
    pinned = 28 * 50 + 1;
    feedN(pinnedBuf, 2000, 28, SIZE_16KB);
    expect(pinnedBuf.firstByte).toBe(1);
    expect(pinnedBuf.readFrom(1).entries[0]).toBe(c[0]);
    pinned = Number.POSITIVE_INFINITY;
    pinnedBuf.feed(['SET'], 28, SIZE_16KB);
    expect(pinnedBuf.readFrom(1).entries[0]!.start).toBe(pinnedBuf.firstByte);
  });
});

describe('reading the stream from an offset (what a partial resync sends)', () => {
  it('returns the entries covering [from, end] and how much of the first to skip', () => {
    const buf = new ReplBuffer(0, NONE);
    const [a, b, c] = [buf.feed(['a'], 10, SIZE_16KB), buf.feed(['b'], 20, SIZE_16KB), buf.feed(['c'], 30, SIZE_16KB)];
    expect(buf.readFrom(1)).toEqual({ entries: [a, b, c], skip: 0 });
    expect(buf.readFrom(10)).toEqual({ entries: [a, b, c], skip: 9 });
    expect(buf.readFrom(11)).toEqual({ entries: [b, c], skip: 0 });
    expect(buf.readFrom(15)).toEqual({ entries: [b, c], skip: 4 });
    expect(buf.readFrom(30)).toEqual({ entries: [b, c], skip: 19 });
    expect(buf.readFrom(31)).toEqual({ entries: [c], skip: 0 });
    expect(buf.readFrom(60)).toEqual({ entries: [c], skip: 29 });
    expect(buf.readFrom(61)).toEqual({ entries: [], skip: 0 }); // the replica is up to date
  });

  it('finds the right entry among thousands, after the head has been trimmed many times', () => {
    const buf = new ReplBuffer(0, NONE);
    const all = feedN(buf, 6000, 28, SIZE_16KB);
    expect(buf.endOffset).toBe(6000 * 28);
    const first = buf.firstByte;
    expect(first).toBeGreaterThan(1);
    const idx = (first - 1) / 28;
    expect(Number.isInteger(idx)).toBe(true); // blocks of 20440 = 730 commands of 28 bytes
    const r = buf.readFrom(first);
    expect(r.skip).toBe(0);
    expect(r.entries.length).toBe(6000 - idx);
    expect(r.entries[0]).toBe(all[idx]);
    expect(r.entries[r.entries.length - 1]).toBe(all[5999]);
    for (const k of [idx, idx + 1, idx + 17, 5500, 5998, 5999]) {
      const got = buf.readFrom(k * 28 + 1 + 5);
      expect(got.entries[0]).toBe(all[k]);
      expect(got.skip).toBe(5);
      expect(got.entries.length).toBe(6000 - k);
    }
  });
});

describe('rebase (a master restarting from its RDB continues at the old offset)', () => {
  it('shifts every offset, keeps the length, and later trimming and reading use the new offsets', () => {
    let pinned = Number.POSITIVE_INFINITY;
    const buf = new ReplBuffer(0, () => pinned);
    const before = feedN(buf, 2, BLOCK, 100 * BLOCK);
    buf.rebase(1_000_000);
    expect(buf.endOffset).toBe(1_000_000 + 2 * BLOCK);
    expect(buf.histlen).toBe(2 * BLOCK);
    expect(buf.firstByte).toBe(1_000_001);
    const r = buf.readFrom(1_000_001 + BLOCK);
    expect(r.entries.map((e) => e.start)).toEqual([1_000_001 + BLOCK]);
    expect(r.entries[0]!.args).toEqual(before[1]!.args);
    const next = buf.feed(['SET'], 28, 100 * BLOCK);
    expect(next.start).toBe(1_000_001 + 2 * BLOCK);
    // a pin on the rebased block 1's last byte holds it; one past it does not
    pinned = 1_000_000 + BLOCK;
    buf.trim(1);
    expect(buf.firstByte).toBe(1_000_001);
    pinned = 1_000_001 + BLOCK;
    buf.trim(1);
    expect(buf.firstByte).toBe(1_000_001 + BLOCK);
  });
});

describe('a long-running master', () => {
  it('after thousands of trimmed blocks, a pin still holds the block it points into', () => {
    let pinned = Number.POSITIVE_INFINITY;
    const buf = new ReplBuffer(0, () => pinned);
    const all = feedN(buf, 2100, BLOCK, 2 * BLOCK); // one full block per write
    // dropping a block must leave more than the size: three blocks stay
    expect(buf.histlen).toBe(3 * BLOCK);
    expect(buf.firstByte).toBe(2097 * BLOCK + 1);
    expect(buf.readFrom(buf.firstByte).entries).toEqual(all.slice(2097));
    pinned = buf.firstByte; // a replica now needs the whole backlog
    feedN(buf, 5, BLOCK, 2 * BLOCK);
    expect(buf.firstByte).toBe(2097 * BLOCK + 1);
    expect(buf.histlen).toBe(8 * BLOCK);
    pinned = Number.POSITIVE_INFINITY;
    buf.feed(['SET'], 28, 2 * BLOCK);
    expect(buf.histlen).toBe(2 * BLOCK + 28);
    expect(buf.endOffset).toBe(2105 * BLOCK + 28);
  });
});

describe('a replica\'s output buffer in the shared buffer (getClientOutputBufferMemoryUsage())', () => {
  it('counts from the start of the block holding its first needed byte to the end of the tail block\'s allocation, plus 64 bytes a block', () => {
    const buf = new ReplBuffer(0, NONE);
    const size = 10 * BLOCK; // no trimming; the cap stays at 16KB
    feedN(buf, 2, BLOCK, size); // two full blocks: 1..20440, 20441..40880
    buf.feed(['x'], 10, size); // a third block, 10 of its 20440 bytes used
    expect(buf.usageFrom(1)).toEqual({ refStart: 1, blocks: 3, bytes: 3 * BLOCK + 3 * 64 });
    // bytes already sent from the referenced block still count
    expect(buf.usageFrom(20440)).toEqual({ refStart: 1, blocks: 3, bytes: 3 * BLOCK + 3 * 64 });
    expect(buf.usageFrom(20441)).toEqual({ refStart: 20441, blocks: 2, bytes: 2 * BLOCK + 2 * 64 });
    // a caught-up replica references the tail block: its whole allocation counts, not the 10 bytes used
    expect(buf.usageFrom(40890)).toEqual({ refStart: 40881, blocks: 1, bytes: BLOCK + 64 });
    // the room left in the tail block belongs to it too; past it, or before the first block, nothing
    expect(buf.usageFrom(3 * BLOCK)?.refStart).toBe(40881);
    expect(buf.usageFrom(3 * BLOCK + 1)).toBeNull();
    expect(buf.usageFrom(0)).toBeNull();
  });

  it('a trimmed block is no longer counted: usage starts at the kept head', () => {
    const buf = new ReplBuffer(0, NONE);
    feedN(buf, 3, BLOCK, SIZE_16KB); // three full blocks, trimmed down to the last one (20440 > 16kb)
    expect(buf.firstByte).toBe(2 * BLOCK + 1);
    expect(buf.usageFrom(1)).toBeNull();
    expect(buf.usageFrom(BLOCK + 1)).toBeNull();
    expect(buf.usageFrom(2 * BLOCK + 1)?.bytes).toBe(BLOCK + 64);
  });
});
