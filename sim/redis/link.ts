// What travels on a replication connection. Master -> replica: replies, RDB chunks, stream entries
// and keep-alive newlines. Replica -> master: handshake commands, REPLCONF ACK and newlines.
// Each message's size in bytes is what it would take on the wire.

import type { StreamEntry } from './backlog.js';
import type { RdbSnapshot } from './rdb.js';
import { respCommandBytes, byteLength, decimalDigits } from './resp.js';
import { isError, type Reply } from './reply.js';

export type ToReplica =
  | { k: 'reply'; text: string }
  /**
   * A reply to a client's command (a connection that is not a replica). `ackedBy`, on a WAIT reply
   * only: the replicas that had acknowledged the client's last write (simulator knowledge for the
   * client's history, not on the wire).
   */
  | { k: 'client-reply'; reply: Reply; ackedBy?: string[] }
  /** A message the client did not ask for: a Pub/Sub message or a further SUBSCRIBE confirmation. */
  | { k: 'client-push'; reply: Reply }
  /** A chunk of the RDB payload; the last one carries the snapshot. `eof`: a diskless transfer's EOF-marked format. */
  | { k: 'rdb'; snapshot: RdbSnapshot | null; eof?: boolean }
  | { k: 'entry'; entry: StreamEntry; skip: number }
  | { k: 'nl' };

export type ToMaster = { k: 'cmd'; args: string[] } | { k: 'ack'; offset: number } | { k: 'nl' };

/** Size of one RDB chunk on the wire; the replica sees progress at least this often. */
export const RDB_CHUNK_BYTES = 4 * 1024 * 1024;

export function replyBytes(text: string): number {
  return text.length + 2;
}

/** A reply's size in RESP2 (simple string, error, integer, bulk string, nil, array). */
export function respReplyBytes(r: Reply): number {
  if (r === null) return 5;
  if (isError(r)) return r.message.length + 3;
  if (typeof r === 'number') return String(r).length + 3;
  if (Array.isArray(r)) {
    let n = decimalDigits(r.length) + 3;
    for (let i = 0; i < r.length; i++) n += respReplyBytes(r[i]!);
    return n;
  }
  const len = byteLength(r);
  return decimalDigits(len) + len + 5;
}

export function toMasterBytes(m: ToMaster): number {
  if (m.k === 'cmd') return respCommandBytes(m.args);
  if (m.k === 'ack') return respCommandBytes(['REPLCONF', 'ACK', String(m.offset)]);
  return 1;
}
