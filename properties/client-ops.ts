// What a client operation did to the keyspace, as the properties on what clients saw read it: a
// `client.op` of a client on the network, or an `x.write` of a node's local scenario client (a step
// without `client`: invoked and completed at one instant, ok when acknowledged, else fail; on the
// real backend it also carries `invoked` and `outcome`, as a client's operation does).

import type { TraceEvent } from '../sim/trace-events.js';
import { longDigestHex } from '../sim/kernel/long-digest.js';
import { Recent } from '../sim/kernel/recent.js';

export type OpOutcome = 'ok' | 'fail' | 'info';

/** A key as the properties name it: db and key in one string. */
export const dbKey = (db: number, key: string) => `${db}\u0000${key}`;

export interface ClientOp {
  /**
   * `set`: a plain `SET key value` (no options); `get`: `GET key`; `flush`: a command that may
   * change keys it does not name (FLUSHALL, FLUSHDB, SWAPDB, EXEC); `write`: any other command
   * that may change the keys in `keys`; `none`: reads and administration, which change no key.
   */
  kind: 'set' | 'get' | 'flush' | 'write' | 'none';
  /** The client's name; null for a node's local scenario client (an x.write). */
  client: string | null;
  /** The node the op went to (null when no node could be found). */
  node: string | null;
  db: number;
  /** set/get: the key. */
  key: string;
  /** set: the value written; get: the reply. */
  value: string;
  /** write: the keys (dbKey) it may change. */
  keys: readonly string[];
  /** flush: the dbs it may change, or every db. */
  flushes: readonly number[] | 'all';
  invoked: number;
  /** When the reply arrived (the event's time). */
  completed: number;
  outcome: OpOutcome;
  /** An x.write: invoked at its own event, so the trace orders it exactly against other events. */
  local: boolean;
  /** The replicas a WAIT after an ok write found holding it (empty without WAIT). */
  ackedBy: readonly string[];
}

/** Commands that change no key (reads, administration; role changes and stops are their own events). */
const NO_KEY_CHANGE = new Set(
  ('GET MGET EXISTS STRLEN GETRANGE SUBSTR LRANGE LLEN LINDEX TTL PTTL EXPIRETIME PEXPIRETIME TYPE DBSIZE KEYS SCAN ' +
    'RANDOMKEY PING ECHO INFO WAIT SELECT ROLE CONFIG REPLICAOF SLAVEOF FAILOVER CLIENT TIME LASTSAVE SAVE BGSAVE ' +
    'BGREWRITEAOF COMMAND MULTI DISCARD WATCH UNWATCH READONLY READWRITE HELLO AUTH OBJECT MEMORY SLOWLOG LATENCY ' +
    'DUMP SHUTDOWN PSYNC REPLCONF SMEMBERS SISMEMBER SCARD HGET HGETALL HLEN ZRANGE ZCARD ZSCORE').split(' '),
);
/** A command that changes no key (reads and administration), by its upper-case name. */
export const changesNoKey = (cmd: string): boolean => NO_KEY_CHANGE.has(cmd);
/** Commands whose every argument after the name is a key. */
const ALL_KEYS = new Set(['DEL', 'UNLINK', 'TOUCH']);
/** Commands with key, value pairs. */
const PAIRS = new Set(['MSET', 'MSETNX']);
/** Commands that may change keys they do not name. */
const FLUSHES = new Set(['FLUSHALL', 'FLUSHDB', 'SWAPDB', 'EXEC']);

function writtenKeys(cmd: string, args: readonly string[], db: number): string[] {
  const keys: string[] = [];
  if (PAIRS.has(cmd)) {
    for (let i = 1; i < args.length; i += 2) keys.push(dbKey(db, args[i]!));
  } else if (cmd === 'MOVE' && args.length >= 3) {
    keys.push(dbKey(db, args[1]!), dbKey(Number(args[2]), args[1]!));
  } else if (ALL_KEYS.has(cmd) || !SINGLE_KEY.has(cmd)) {
    // a command whose key positions are not known here: every argument may be a key (tainting a
    // key that is not one only judges less)
    for (let i = 1; i < args.length; i++) keys.push(dbKey(db, args[i]!));
  } else if (args.length >= 2) keys.push(dbKey(db, args[1]!));
  return keys;
}

/** Write commands whose only key is the first argument. */
const SINGLE_KEY = new Set(
  ('SET SETNX SETEX PSETEX GETSET GETDEL GETEX APPEND SETRANGE INCR INCRBY INCRBYFLOAT DECR DECRBY EXPIRE PEXPIRE ' +
    'EXPIREAT PEXPIREAT PERSIST RPUSH LPUSH RPUSHX LPUSHX LPOP RPOP LSET LREM LTRIM LINSERT SADD SREM SPOP HSET HSETNX ' +
    'HDEL HINCRBY HMSET ZADD ZREM ZINCRBY PFADD XADD XDEL XTRIM').split(' '),
);

function flushedDbs(cmd: string, args: readonly string[], db: number): number[] | 'all' {
  if (cmd === 'FLUSHDB') return [db];
  if (cmd === 'SWAPDB' && args.length >= 3) return [Number(args[1]), Number(args[2])];
  return 'all'; // FLUSHALL; EXEC (the queued commands are not in the op)
}

const NONE: readonly string[] = [];

/** The op an event records, or null when the event is not a client operation. */
export function clientOp(e: TraceEvent): ClientOp | null {
  // the properties that read ops (acknowledged-writes, stale-reads, split-brain) see the same event
  // one after another: it is read once (an op is never changed by its readers)
  if (e === lastEvent) return lastOp;
  lastOp = readOp(e);
  lastEvent = e;
  return lastOp;
}

let lastEvent: TraceEvent | null = null;
let lastOp: ClientOp | null = null;

/** What an op that names no keys or flushes no db holds (shared: nobody changes an op's lists). */
const NO_KEYS: readonly string[] = Object.freeze([]);
const NO_DBS: readonly number[] = Object.freeze([]);

function readOp(e: TraceEvent): ClientOp | null {
  if (e.type === 'client.op') {
    const args = e.args;
    const cmd = (args[0] ?? '').toUpperCase();
    const op: ClientOp = { kind: 'none', client: e.client, node: e.node, db: e.db, key: args[1] ?? '', value: '', keys: NO_KEYS, flushes: NO_DBS, invoked: e.invoked, completed: e.t, outcome: e.outcome, local: false, ackedBy: e.wait?.acked_by ?? NONE };
    if (cmd === 'SET' && args.length === 3) {
      op.kind = 'set';
      op.value = args[2]!;
    } else if (cmd === 'GET' && args.length === 2) {
      op.kind = 'get';
      op.value = e.reply;
    } else if (FLUSHES.has(cmd)) {
      op.kind = 'flush';
      op.flushes = flushedDbs(cmd, args, e.db);
    } else if (!NO_KEY_CHANGE.has(cmd)) {
      op.kind = 'write';
      op.keys = writtenKeys(cmd, args, e.db);
    }
    return op;
  }
  if (e.type === 'x.write') {
    const cmd = String(e.cmd);
    const db = e.db as number;
    const key = (e.key as string | null) ?? '';
    // a real run's write (sim/backends/real) took time: it carries its invocation and its outcome
    // (`info` when the connection went away after it was sent); a simulated one is instantaneous
    const real = typeof e.invoked === 'number';
    const outcome: OpOutcome = real && (e.outcome === 'ok' || e.outcome === 'fail' || e.outcome === 'info') ? e.outcome : e.acked ? 'ok' : 'fail';
    const op: ClientOp = { kind: 'write', client: null, node: e.node as string, db, key, value: '', keys: NO_KEYS, flushes: NO_DBS, invoked: real ? (e.invoked as number) : e.t, completed: e.t, outcome, local: !real, ackedBy: NONE };
    if (cmd === 'SET') {
      op.kind = 'set';
      op.value = e.value as string;
    } else if (cmd === 'FLUSHALL' || cmd === 'FLUSHDB') {
      op.kind = 'flush';
      op.flushes = cmd === 'FLUSHALL' ? 'all' : [db];
    } else if (e.key !== null && e.key !== undefined) op.keys = [dbKey(db, key)];
    return op;
  }
  return null;
}

/**
 * A value as the properties keep and show it: itself up to 64 characters, else its start, length and
 * its 64-bit digest (workload values can be kilobytes, and the properties keep what they judge to the
 * end). The digest is the trace hash's (long-digest.ts), which its event has just computed.
 */
export function valueKey(value: string): string {
  if (value.length <= 64) return value;
  // several properties key the same written value (and a read returns it again): the last few are kept
  return VALUE_KEYS.find(value) ?? VALUE_KEYS.add(value, `${value.slice(0, 32)}… (${value.length} bytes, #${longDigestHex(value)})`);
}

const VALUE_KEYS = new Recent<string>(8);

export const ms = (t: number) => `${(t / 1000).toFixed(3)} ms`;
