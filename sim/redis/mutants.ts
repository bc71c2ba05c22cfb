// Named protocol bugs that a run can switch on, one at a time, to prove the properties catch them.
// Each is an override of one hook (hooks.ts); the model only ever sees the hooks object.

import { replBlockSize } from './backlog.js';
import { DEFAULT_HOOKS, type RedisHooks } from './hooks.js';
import { PING_ARGS } from './resp.js';

export const MUTANTS = {
  'psync-ignores-second-offset': 'PSYNC accepts replid2 without the second_repl_offset bound',
  'promotion-keeps-replid': 'promotion does not shift the replication id',
  'backlog-range-off-by-one-block': 'the backlog range check believes the backlog starts one block earlier than it does',
  'no-select-after-full-sync': 'no SELECT is forced into the stream after a full sync, and the RDB says the stream is in db 0',
  'cached-master-read-offset': 'the cached master keeps the read offset instead of the applied one',
  'sub-replicas-kept-on-new-id': 'sub-replicas are kept after +CONTINUE with a new replication id',
  'pings-not-counted': 'the periodic PING is sent to replicas but not counted in the master\'s offset',
  'ttl-free-keeps-replid': 'freeing the backlog on repl-backlog-ttl keeps the replication id',
  'aof-always-fsyncs-late': 'appendfsync always fsyncs in the background once a second, like everysec, so a crash loses acknowledged writes',
  'aof-restart-restores-rdb-offset': 'a restart from the AOF also restores the replication id and offset of dump.rdb, as a restart from the RDB does',
  'repl-blocks-not-capped': 'a new replication buffer block is as big as the write needs, not capped at max(repl-backlog-size / 16, 16KB) (the pre-7.0.10 rule)',
  'repl-fed-whole': 'a propagated command reaches the replication buffer in one piece, so a new block is sized for the rest of the whole command, not of the argument being copied',
  'obuf-soft-limit-never-fires': 'a replica over the output-buffer soft limit is never dropped, however long it stays over',
  'diskless-late-replica-joins': 'a replica that asks for a full sync during a diskless transfer joins it instead of waiting for the next one',
  'sentinel-votes-twice': 'a Sentinel votes again in an epoch it already voted in, for whoever asks',
  'sentinel-ignores-priority': 'Sentinel\'s replica selection ignores replica-priority (offset, then run id)',
} as const;

export type MutantName = keyof typeof MUTANTS;

export const MUTANT_NAMES = Object.keys(MUTANTS).sort() as MutantName[];

/** The Redis model's overrides; Sentinel mutants override sim/sentinel/hooks.ts instead. */
const OVERRIDES: { readonly [M in MutantName]?: Partial<RedisHooks> } = {
  'psync-ignores-second-offset': { secondIdServes: () => true },
  'promotion-keeps-replid': { shiftIdOnPromotion: () => false },
  // one default block (a 16KB request: 20440 usable bytes), whatever the backlog's cap
  'backlog-range-off-by-one-block': { backlogLowerBound: (backlog) => backlog.firstByte - replBlockSize(0, Number.MAX_SAFE_INTEGER) },
  'no-select-after-full-sync': { selectAfterFullSync: () => false },
  'cached-master-read-offset': { cachedMasterOffset: (link) => link.readReploff },
  'sub-replicas-kept-on-new-id': { dropSubReplicasOnNewId: () => false },
  // replicas get the PING, but the master's own offset and backlog do not count it
  'pings-not-counted': { replicationPing: (stream) => stream.sendToOnline({ start: stream.offset + 1, bytes: 14, args: PING_ARGS }) },
  'ttl-free-keeps-replid': { newIdOnBacklogTtl: () => false },
  'aof-always-fsyncs-late': { aofFsyncPolicy: (configured) => (configured === 'always' ? 'everysec' : configured) },
  'aof-restart-restores-rdb-offset': { aofBootRestoresRdbReplInfo: () => true },
  'repl-blocks-not-capped': { replBlockLimit: () => Number.POSITIVE_INFINITY },
  'repl-fed-whole': { feedInPieces: () => false },
  'obuf-soft-limit-never-fires': { softLimitFires: () => false },
  'diskless-late-replica-joins': { joinSocketTransfer: () => true },
};

/** The hooks a run's model uses: Redis's own, with the named mutant's one override. */
export function hooksFor(mutant: MutantName | null): Readonly<RedisHooks> {
  const o = mutant === null ? undefined : OVERRIDES[mutant];
  return o ? { ...DEFAULT_HOOKS, ...o } : DEFAULT_HOOKS;
}
