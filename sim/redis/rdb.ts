// RDB snapshots on a host's disk: the data plus the replication aux fields (repl-id, repl-offset,
// repl-stream-db), a size that follows the data, and the save/load durations derived from it.

import type { Dataset } from './dataset.js';

export interface ReplInfo {
  replId: string;
  replOffset: number;
  replStreamDb: number;
}

export interface RdbSnapshot {
  readonly data: Dataset;
  readonly repl: ReplInfo | null;
  readonly sizeBytes: number;
}

export const RDB_FILENAME = 'dump.rdb';

/** Fixed part of an RDB: magic, version, aux fields (redis-ver, ctime, used-mem, ...), EOF, checksum. */
const RDB_BASE_BYTES = 110;
const RDB_REPL_AUX_BYTES = 72;
/** Time to fork the child that writes a snapshot. */
const FORK_US = 500;
/** Speed at which a child writes an RDB, and at which a replica loads one. */
const SAVE_BYTES_PER_SEC = 200 * 1024 * 1024;
const LOAD_BYTES_PER_SEC = 400 * 1024 * 1024;

function rdbSizeBytes(data: Dataset, repl: ReplInfo | null): number {
  return RDB_BASE_BYTES + (repl ? RDB_REPL_AUX_BYTES : 0) + data.payloadBytes();
}

/** `data` must already be the child's copy: the snapshot keeps it as is. */
export function makeSnapshot(data: Dataset, repl: ReplInfo | null): RdbSnapshot {
  return { data, repl, sizeBytes: rdbSizeBytes(data, repl) };
}

/** A child's time to write an RDB; rdb-key-save-delay (a test setting) sleeps that many µs per key. */
export function saveDurationUs(sizeBytes: number, keys = 0, keySaveDelayUs = 0): number {
  return FORK_US + Math.ceil((sizeBytes * 1_000_000) / SAVE_BYTES_PER_SEC) + keys * keySaveDelayUs;
}

export function loadDurationUs(sizeBytes: number): number {
  return 100 + Math.ceil((sizeBytes * 1_000_000) / LOAD_BYTES_PER_SEC);
}

/** RSI validity as loadDataFromDisk() checks it. */
export function replInfoValid(repl: ReplInfo | null): repl is ReplInfo {
  return repl !== null && repl.replId.length === 40 && repl.replOffset !== -1 && repl.replStreamDb !== -1;
}
