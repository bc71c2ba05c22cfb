// A Sentinel's configuration (sentinel.conf's `sentinel monitor` and per-master options; the
// defaults are the scenario format's DEFAULTS.sentinel) and the state it rewrites into sentinel.conf
// (sentinelFlushConfig()): its id, epochs, vote, and every replica and Sentinel it has met. A
// restarted Sentinel starts from it.

export interface SentinelConfig {
  /** `sentinel monitor <name> ...`: the name clients ask for. */
  masterName: string;
  /** The master's host at the first start. */
  master: string;
  quorum: number;
  downAfterUs: number;
  failoverTimeoutUs: number;
  parallelSyncs: number;
}


/** What sentinel.conf holds after a rewrite. */
export interface SentinelState {
  myid: string;
  currentEpoch: number;
  masterHost: string;
  configEpoch: number;
  leader: string | null;
  leaderEpoch: number;
  /** `sentinel known-replica`: host names. */
  replicas: string[];
  /** `sentinel known-sentinel`: host and run id. */
  sentinels: { host: string; runid: string }[];
}

export const SENTINEL_CONF = 'sentinel.conf';
