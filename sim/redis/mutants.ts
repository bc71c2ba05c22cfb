// Named protocol bugs that a run can switch on, one at a time, to prove the properties catch them.
// A mutant is reachable only when a run names it; the default model never consults this list.

export const MUTANTS = {
  'psync-ignores-second-offset': 'PSYNC accepts replid2 without the second_repl_offset bound',
  'promotion-keeps-replid': 'promotion does not shift the replication id',
  'backlog-range-off-by-one-block': 'the backlog range check believes the backlog starts one block earlier than it does',
  'no-select-after-full-sync': 'no SELECT is forced into the stream after a full sync, and the RDB says the stream is in db 0',
  'cached-master-read-offset': 'the cached master keeps the read offset instead of the applied one',
  'sub-replicas-kept-on-new-id': 'sub-replicas are kept after +CONTINUE with a new replication id',
  'pings-not-counted': 'the periodic PING is sent to replicas but not counted in the master\'s offset',
  'ttl-free-keeps-replid': 'freeing the backlog on repl-backlog-ttl keeps the replication id',
} as const;

export type MutantName = keyof typeof MUTANTS;

export const MUTANT_NAMES = Object.keys(MUTANTS).sort() as MutantName[];
