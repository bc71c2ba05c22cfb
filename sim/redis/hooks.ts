// The named points where the model asks how to behave. DEFAULT_HOOKS are Redis 7.0.15's own
// behaviour; a mutant (mutants.ts) overrides one of them. The model never asks which mutant runs.

import { replBlockLimit, type ReplBuffer, type StreamEntry } from './backlog.js';
import { PING_ARGS } from './resp.js';
import type { AppendFsync } from './config.js';

/** What the periodic PING may do to a master's stream. */
export interface PingStream {
  readonly slaveseldb: number;
  readonly offset: number;
  feedCommand(db: number, args: readonly string[]): void;
  /** Send an entry to every online replica without appending it to the stream. */
  sendToOnline(entry: StreamEntry): void;
}

export interface RedisHooks {
  /** replicationUnsetMaster(): promotion shifts the replication id (replid becomes replid2). */
  shiftIdOnPromotion(): boolean;
  /** masterTryPartialResynchronization(): replid2 serves offsets up to second_repl_offset only. */
  secondIdServes(psyncOffset: number, secondReplOffset: number): boolean;
  /** The lowest offset the PSYNC range check believes the backlog holds. */
  backlogLowerBound(backlog: ReplBuffer): number;
  /** A full sync forces a SELECT into the stream, so the RDB names the stream's db. */
  selectAfterFullSync(): boolean;
  /** The offset a cached master keeps from its lost link: the applied one. */
  cachedMasterOffset(link: { reploff: number; readReploff: number }): number;
  /** +CONTINUE with a new replication id disconnects our sub-replicas. */
  dropSubReplicasOnNewId(): boolean;
  /** The periodic PING of replicationCron(): appended to the stream like any command. */
  replicationPing(stream: PingStream): void;
  /** Freeing the backlog on repl-backlog-ttl also changes the replication id. */
  newIdOnBacklogTtl(): boolean;
  /** The fsync policy the AOF follows for the configured appendfsync. */
  aofFsyncPolicy(configured: AppendFsync): AppendFsync;
  /** A boot from the AOF also restores dump.rdb's replication id and offset (7.0.15: it does not). */
  aofBootRestoresRdbReplInfo(): boolean;
  /** feedReplicationBuffer(): the largest request for a new block, max(repl-backlog-size / 16, 16KB). */
  replBlockLimit(backlogSize: number): number;
  /**
   * replicationFeedSlaves() hands a command to the buffer in pieces (the multibulk header, each
   * argument's `$len`, the argument, its CRLF), so a new block is sized for the rest of one piece.
   */
  feedInPieces(): boolean;
  /** checkClientOutputBufferLimits(): the soft limit closes a replica once it held for more than its seconds. */
  softLimitFires(elapsedS: number, softSeconds: number): boolean;
  /** A replica asking for a full sync while a diskless transfer runs joins it (7.0: it waits for the next). */
  joinSocketTransfer(): boolean;
}

export const DEFAULT_HOOKS: Readonly<RedisHooks> = {
  shiftIdOnPromotion: () => true,
  secondIdServes: (psyncOffset, secondReplOffset) => psyncOffset <= secondReplOffset,
  backlogLowerBound: (backlog) => backlog.firstByte,
  selectAfterFullSync: () => true,
  cachedMasterOffset: (link) => link.reploff,
  dropSubReplicasOnNewId: () => true,
  replicationPing: (stream) => stream.feedCommand(stream.slaveseldb, PING_ARGS),
  newIdOnBacklogTtl: () => true,
  aofFsyncPolicy: (configured) => configured,
  aofBootRestoresRdbReplInfo: () => false,
  replBlockLimit,
  feedInPieces: () => true,
  softLimitFires: (elapsedS, softSeconds) => elapsedS > softSeconds,
  joinSocketTransfer: () => false,
};
