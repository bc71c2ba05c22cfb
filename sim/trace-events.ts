// Every event a run can put in its trace, as one tagged union. Bump TRACE_VERSION (kernel/trace.ts)
// when a field changes meaning. `t` is the simulated time in microseconds.

export type NetCloseReason = 'closed' | 'reset' | 'refused' | 'timeout';

export type NetEvent =
  | { t: number; type: 'net.connect'; conn: number; from: string; to: string }
  | { t: number; type: 'net.open'; conn: number; from: string; to: string }
  | { t: number; type: 'net.close'; conn: number; host: string; peer: string; reason: NetCloseReason }
  | { t: number; type: 'net.partition'; blocked: [string, string][] }
  | { t: number; type: 'net.heal'; unblocked: [string, string][] }
  | { t: number; type: 'net.link'; between: [string, string] | null; oneway?: boolean; latencyUs: number; jitterUs: number; loss: number; bandwidthBytesPerSec: number }
  | { t: number; type: 'host.crash'; host: string }
  | { t: number; type: 'host.restart'; host: string }
  /** The host's process stops (SIGSTOP, DEBUG SLEEP) until `until` (µs). */
  | { t: number; type: 'host.pause'; host: string; until: number };

type Role = 'master' | 'slave';

/** Events of the Redis model. Field names follow Redis's INFO names where one exists. */
export type RedisEvent =
  | {
      t: number;
      type: 'redis.start';
      node: string;
      role: Role;
      master_host: string | null;
      replid: string;
      replid2: string;
      master_repl_offset: number;
      keys: number;
      rdb_repl_id: string | null;
      rdb_repl_offset: number | null;
    }
  | { t: number; type: 'redis.stop'; node: string; how: 'shutdown' | 'crash'; saved: boolean }
  | { t: number; type: 'redis.role'; node: string; role: Role; master_host: string | null }
  | { t: number; type: 'redis.replid'; node: string; reason: string; prev_replid: string; replid: string; replid2: string; second_repl_offset: number; master_repl_offset: number }
  | {
      t: number;
      type: 'redis.obs';
      node: string;
      why: string;
      role: Role;
      replid: string;
      offset: number;
      digest: string;
      meaningful: boolean;
      sync_full: number;
      sync_partial_ok: number;
      sync_partial_err: number;
    }
  | StreamEventFields
  | { t: number; type: 'redis.resetstat'; node: string }
  | {
      t: number;
      type: 'redis.psync';
      node: string;
      replica: string;
      requested_replid: string;
      requested_offset: number;
      result: 'continue' | 'full';
      reason: string;
      master_replid: string;
      master_replid2: string;
      second_repl_offset: number;
      master_repl_offset: number;
      repl_backlog_first_byte_offset: number;
      repl_backlog_histlen: number;
    }
  | { t: number; type: 'redis.sync'; node: string; master: string; kind: 'full' | 'continue'; replid: string; offset: number }
  | { t: number; type: 'redis.link'; node: string; master_host: string | null; status: 'up' | 'down'; master_repl_offset: number; replid: string }
  | { t: number; type: 'redis.replica-drop'; node: string; replica: string; reason: string }
  | { t: number; type: 'redis.timeout'; node: string; what: string }
  | { t: number; type: 'redis.failover'; node: string; state: string; target: string | null }
  | { t: number; type: 'redis.failover-abort'; node: string; reason: string }
  | { t: number; type: 'redis.save'; node: string; how: string; keys: number; repl_id: string | null; repl_offset: number | null; size_bytes: number }
  // the AOF: opened at boot (whether one was loaded), records made durable (fsync, or the kernel's
  // writeback for appendfsync no: every write acknowledged at or before durable_until), a rewrite
  | { t: number; type: 'redis.aof'; node: string; what: 'open'; appendfsync: 'always' | 'everysec' | 'no'; loaded: boolean; keys: number }
  | { t: number; type: 'redis.aof'; node: string; what: 'fsync' | 'writeback'; durable_until: number; size: number }
  | { t: number; type: 'redis.aof'; node: string; what: 'policy'; appendfsync: 'always' | 'everysec' | 'no' }
  | { t: number; type: 'redis.aof'; node: string; what: 'off' }
  | { t: number; type: 'redis.aof'; node: string; what: 'rewrite'; keys: number; size: number };

/**
 * One operation of a client on the network, recorded Jepsen-style when it completes (`t`): invoked at
 * `invoked`, sent to `node` (null when no node could be found), with the outcome `ok` (the reply),
 * `fail` (an error reply, or never sent: definitely not applied) or `info` (a timeout or a reset after
 * it was sent: it may or may not have been applied). `wait`: the WAIT that followed an ok write, with
 * the replicas it counted and (simulator knowledge, not part of the reply) which replicas had
 * acknowledged the write's offset when WAIT answered. Writes from a node's local scenario client
 * (steps without `client`) are `x.write` events instead: invoked and completed at one instant.
 */
export type ClientEvent = {
  t: number;
  type: 'client.op';
  client: string;
  id: number;
  node: string | null;
  invoked: number;
  args: string[];
  db: number;
  outcome: 'ok' | 'fail' | 'info';
  reply: string;
  wait?: { replicas: number; acked_by: string[] };
};

/**
 * What a Sentinel logs as an event (sentinelEvent()): `event` is its name (`+sdown`, `+odown`,
 * `+elected-leader`, `+switch-master` ...), `instance` the instance as the log names it
 * (`master mymaster p 6379`, `slave r1:6379 r1 6379 @ mymaster p 6379`), `epoch` the Sentinel's
 * current_epoch when it happened.
 */
export type SentinelEvent = {
  t: number;
  type: 'sentinel.event';
  sentinel: string;
  event: string;
  instance: string | null;
  detail: string;
  epoch: number;
  /** The failover's epoch (+try-failover, +elected-leader, +selected-slave, +promoted-slave). */
  failover_epoch?: number;
  /** The master's configuration epoch this Sentinel holds (+monitor, +switch-master). */
  config_epoch?: number;
  /**
   * +selected-slave: the replicas the selection rule allowed, as this Sentinel's INFO showed them,
   * best first (failover-choice checks the rule on them and the choice against the trace).
   */
  candidates?: { host: string; priority: number; offset: number; runid: string | null }[];
};

/** Free-form events for tests and user extensions. */
export type CustomEvent = { t: number; type: `x.${string}`; [field: string]: unknown };

export type TraceEvent = NetEvent | RedisEvent | ClientEvent | SentinelEvent | CustomEvent;

/**
 * A stream entry generated (redis.stream) or applied (redis.applied) by a node: three events in four
 * of a run, so they have a class of their own, whose fields the trace hash reads in this fixed order
 * without walking the object (kernel/event-hash.ts). Its JSON is the plain object's.
 */
export type StreamEventFields = { t: number; type: 'redis.stream' | 'redis.applied'; node: string; replid: string; start: number; bytes: number; h: string };

export class StreamEvent implements StreamEventFields {
  readonly t: number;
  readonly type: 'redis.stream' | 'redis.applied';
  readonly node: string;
  readonly replid: string;
  readonly start: number;
  readonly bytes: number;
  readonly h: string;
  constructor(t: number, type: 'redis.stream' | 'redis.applied', node: string, replid: string, start: number, bytes: number, h: string) {
    this.t = t;
    this.type = type;
    this.node = node;
    this.replid = replid;
    this.start = start;
    this.bytes = bytes;
    this.h = h;
  }
}
