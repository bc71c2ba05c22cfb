// decidePartial() (sim/redis/psync.ts), Redis 7.0.15's masterTryPartialResynchronization() as a
// pure function: the id check (the current id, or the second id up to second_repl_offset), then the
// backlog's range, both bounds inclusive (the first byte it holds, and one past its last byte: a
// replica that has everything continues with nothing to send). Every reason and every boundary.
import { describe, expect, it } from 'vitest';
import { decidePartial } from '../../sim/redis/psync.js';
import { DEFAULT_HOOKS } from '../../sim/redis/hooks.js';
import type { ReplBuffer } from '../../sim/redis/backlog.js';
import type { ReplicationIdentity } from '../../sim/redis/identity.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const identity = { replid: A, replid2: B, secondReplOffset: 500 } as ReplicationIdentity;
/** A backlog holding bytes 301..1000 of the stream. */
const backlog = { firstByte: 301, endOffset: 1000, histlen: 700 } as ReplBuffer;
const decide = (reqId: string, offset: number, buf: ReplBuffer | null = backlog) => decidePartial(identity, DEFAULT_HOOKS, buf, reqId, offset);

describe('decidePartial', () => {
  it('continues on the current id anywhere in the backlog, both ends included', () => {
    for (const off of [301, 302, 700, 1000, 1001]) expect(decide(A, off), `offset ${off}`).toEqual({ ok: true, reason: 'replid match' });
  });

  it('refuses an offset outside the backlog, naming the range it has', () => {
    expect(decide(A, 300)).toEqual({ ok: false, reason: 'lack of backlog (wanted 300, have 301..1000)' });
    expect(decide(A, 1002)).toEqual({ ok: false, reason: 'lack of backlog (wanted 1002, have 301..1000)' });
    expect(decide(A, 1)).toEqual({ ok: false, reason: 'lack of backlog (wanted 1, have 301..1000)' });
  });

  it('refuses any offset without a backlog, after the id check', () => {
    expect(decide(A, 500, null)).toEqual({ ok: false, reason: 'lack of backlog (no backlog)' });
    expect(decide('c'.repeat(40), 500, null)).toEqual({ ok: false, reason: 'replication ID mismatch' });
  });

  it('continues on the second id up to second_repl_offset, then only within the backlog', () => {
    expect(decide(B, 500)).toEqual({ ok: true, reason: 'replid2 match' });
    expect(decide(B, 301)).toEqual({ ok: true, reason: 'replid2 match' });
    expect(decide(B, 501)).toEqual({ ok: false, reason: 'requested offset for second ID was 501, but I can reply up to 500' });
    expect(decide(B, 300)).toEqual({ ok: false, reason: 'lack of backlog (wanted 300, have 301..1000)' });
  });

  it('compares ids without case, and tells a full resync requested from a mismatch', () => {
    expect(decide(A.toUpperCase(), 700)).toEqual({ ok: true, reason: 'replid match' });
    expect(decide('?', -1)).toEqual({ ok: false, reason: 'full resync requested by replica' });
    expect(decide('c'.repeat(40), 700)).toEqual({ ok: false, reason: 'replication ID mismatch' });
    // Redis looks at the first character only (master_replid[0] != '?')
    expect(decide('?abc', 700)).toEqual({ ok: false, reason: 'full resync requested by replica' });
    expect(decide('abc?', 700)).toEqual({ ok: false, reason: 'replication ID mismatch' });
    // '?' is no id even when the second id is unset
    expect(decidePartial({ replid: A, replid2: '0'.repeat(40), secondReplOffset: -1 } as ReplicationIdentity, DEFAULT_HOOKS, backlog, '?', -1)).toEqual({ ok: false, reason: 'full resync requested by replica' });
  });
});
