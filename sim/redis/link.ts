// What travels on a replication connection. Master -> replica: replies, RDB chunks, stream entries
// and keep-alive newlines. Replica -> master: handshake commands, REPLCONF ACK and newlines.
// Each message's size in bytes is what it would take on the wire.

import type { StreamEntry } from './backlog.js';
import type { RdbSnapshot } from './rdb.js';
import { respCommandBytes } from './resp.js';

export type ToReplica =
  | { k: 'reply'; text: string }
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

export function toMasterBytes(m: ToMaster): number {
  if (m.k === 'cmd') return respCommandBytes(m.args);
  if (m.k === 'ack') return respCommandBytes(['REPLCONF', 'ACK', String(m.offset)]);
  return 1;
}
