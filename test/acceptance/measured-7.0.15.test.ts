// Figures measured on a real redis-server 7.0.15 (Debian bookworm) on 127.0.0.1, reproduced
// exactly: backlog trimming in whole 20440-byte blocks, and a master restart at offset 0.
import { describe, expect, it } from 'vitest';
import { world, f, SEC } from '../support/redis.js';

describe('measured on redis-server 7.0.15', () => {
  it('backlog of 16kb: 700 SETs of 100-byte values trim whole 20440-byte blocks at the same writes', () => {
    // measured: histlen fell 36726 -> 16417 at write 282 (offset 36857), 36722 -> 16413 at 438,
    // 36718 -> 16409 at 594; after 700 writes: offset 91615, first byte 61321, histlen 30295
    const w = world({ config: { save: '', 'repl-ping-replica-period': 3600, 'repl-backlog-size': '16kb', 'repl-diskless-sync': 'no' }, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    const v = 'x'.repeat(100);
    const drops: [number, number, number, number][] = [];
    let prev = 0;
    for (let i = 1; i <= 700; i++) {
      w.call('m', ['SET', `k${i}`, v]);
      const h = f(w, 'm', 'repl_backlog_histlen') as number;
      if (h < prev) drops.push([i, f(w, 'm', 'master_repl_offset') as number, prev, h]);
      prev = h;
    }
    expect(drops).toEqual([
      [282, 36857, 36726, 16417],
      [438, 57293, 36722, 16413],
      [594, 77729, 36718, 16409],
    ]);
    expect([f(w, 'm', 'master_repl_offset'), f(w, 'm', 'repl_backlog_first_byte_offset'), f(w, 'm', 'repl_backlog_histlen')]).toEqual([91615, 61321, 30295]);
  });

  it('a master restarted at offset 0 keeps its backlog and serves a partial sync of 0 bytes', () => {
    // measured: master_replid2 = old id, second_repl_offset 1, backlog active with first byte 1 and
    // histlen 0, sync_partial_ok 1 ("Sending 0 bytes of backlog starting from offset 1")
    const w = world({ config: { save: '', 'repl-ping-replica-period': 3600 }, nodes: { m: { config: { save: '3600 1' } }, r: { replicaof: 'm', startAfterMs: 500 } } });
    w.runFor(2 * SEC);
    expect(w.waitSync()).toBe(true);
    const old = f(w, 'm', 'master_replid');
    w.callAndWait('m', ['SHUTDOWN', 'NOW']);
    w.restart('m');
    w.runFor(3 * SEC);
    expect(w.waitSync()).toBe(true);
    expect([f(w, 'm', 'master_replid2'), f(w, 'm', 'master_repl_offset'), f(w, 'm', 'second_repl_offset')]).toEqual([old, 0, 1]);
    expect([f(w, 'm', 'repl_backlog_active'), f(w, 'm', 'repl_backlog_first_byte_offset'), f(w, 'm', 'repl_backlog_histlen')]).toEqual([1, 1, 0]);
    expect([f(w, 'm', 'sync_full'), f(w, 'm', 'sync_partial_ok'), f(w, 'm', 'sync_partial_err')]).toEqual([0, 1, 0]);
  });
});
