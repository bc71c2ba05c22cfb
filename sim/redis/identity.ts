// The replication identity of one process: replid, replid2 and second_repl_offset, the operations
// Redis performs on them, and the redis.replid event each id change emits (the only writer of both).

import type { NodeContext } from './context.js';

/** 40 zeros: the replid2 of an instance that remembers no past history. */
export const ZERO_REPLID = '0'.repeat(40);

export class ReplicationIdentity {
  private id: string;
  private id2 = ZERO_REPLID;
  private secondOffset = -1;

  /** `offset` reads master_repl_offset, which a shift records and every event reports. */
  constructor(
    private readonly ctx: NodeContext,
    private readonly offset: () => number,
  ) {
    this.id = ctx.rng.hex(40);
  }

  get replid(): string {
    return this.id;
  }

  get replid2(): string {
    return this.id2;
  }

  get secondReplOffset(): number {
    return this.secondOffset;
  }

  /**
   * changeReplicationId() then clearReplicationId2(), as Redis pairs them (a master's first replica,
   * the backlog freed after repl-backlog-ttl): a fresh random id and no older history. One event,
   * once both are done: Redis logs "my new replication IDs are X and 0000..." after the two.
   */
  startNewHistory(reason: string): void {
    const prev = this.id;
    this.id = this.ctx.rng.hex(40);
    this.clearReplicationId2();
    this.emit(reason, prev);
  }

  clearReplicationId2(): void {
    this.id2 = ZERO_REPLID;
    this.secondOffset = -1;
  }

  /** shiftReplicationId(), on promotion: the current history becomes replid2, valid up to our offset + 1. */
  shiftReplicationId(reason: string): void {
    this.id2 = this.id;
    this.secondOffset = this.offset() + 1;
    this.id = this.ctx.rng.hex(40);
    this.emit(reason, this.id2);
  }

  /** +CONTINUE with a new id: the cached master's id becomes replid2, the master's new one ours. */
  continueWithNewId(cachedId: string, newId: string): void {
    this.id2 = cachedId;
    this.secondOffset = this.offset() + 1;
    this.id = newId;
    this.emit('continue-new-id', cachedId);
  }

  /** A full sync loaded: the master's id is ours and no older history is kept. */
  adoptAfterFullSync(masterId: string): void {
    const prev = this.id;
    this.id = masterId;
    this.clearReplicationId2();
    this.emit('full-sync', prev);
  }

  /** Boot as a replica from an RDB with replication info: its id is ours (reported by the start event). */
  restoreReplid(rdbId: string): void {
    this.id = rdbId;
  }

  /** Boot as a master from an RDB: its history stays valid as replid2 up to its offset + 1. */
  restoreAsSecondary(rdbId: string, rdbOffset: number): void {
    this.id2 = rdbId;
    this.secondOffset = rdbOffset + 1;
  }

  /** The node's replid changed from prevReplid (a fact the lineage oracle builds on). */
  private emit(reason: string, prevReplid: string): void {
    this.ctx.trace.emit({
      t: this.ctx.nowUs(),
      type: 'redis.replid',
      node: this.ctx.name,
      reason,
      prev_replid: prevReplid,
      replid: this.id,
      replid2: this.id2,
      second_repl_offset: this.secondOffset,
      master_repl_offset: this.offset(),
    });
  }
}
