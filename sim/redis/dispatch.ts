// Command dispatch for a client of one node: transactions, the admin commands a scenario can send
// (REPLICAOF, FAILOVER, CONFIG, CLIENT KILL, SHUTDOWN, SAVE/BGSAVE, DEBUG, WAIT, INFO, ROLE) and data
// commands with Redis's checks (read-only replica, paused writes, min-replicas-to-write).

import type { Client, RedisNode, ReplyCallback } from './instance.js';
import { dataCommand, checkArity, parseDb, isWriteCommand, DATA_COMMAND_NAMES } from './commands.js';
import { type Reply, OK, NOT_INTEGER, LOADING_MESSAGE, err, arity, isError } from './reply.js';
import { INT32_MAX, INT32_MIN, parseInt64 } from './ints.js';
import { parseConfigValue, formatConfigValue, canonicalConfigName, REPL_BACKLOG_MIN_SIZE, type RedisConfig } from './config.js';
import { failoverCommand } from './failover.js';
import { infoText, roleReply } from './info.js';
import * as P from './persistence.js';
import { UserError } from '../errors.js';
import { commandName } from './resp.js';

export const PENDING: unique symbol = Symbol('pending');
export type Pending = typeof PENDING;

const TX_COMMANDS = new Set(['EXEC', 'DISCARD', 'MULTI']);
/** Admin commands a transaction may hold (Sentinel's MULTI; SLAVEOF; CONFIG REWRITE; CLIENT KILL ...; EXEC). */
const TX_ADMIN = new Set(['REPLICAOF', 'SLAVEOF', 'CONFIG', 'CLIENT', 'PUBLISH']);
type AdminHandler = (node: RedisNode, client: Client, args: string[], cb: ReplyCallback) => Reply | Pending;

/** The commands handled here rather than as data commands, by name. */
const ADMIN: Record<string, AdminHandler> = {
  PING: () => 'PONG',
  SELECT: (_node, client, args) => {
    if (args.length !== 2) return arity('SELECT');
    const db = parseDb(args[1]);
    if (db !== null) {
      client.db = db;
      return OK;
    }
    // which refusal: getIntFromObjectOrReply()'s, or selectDb()'s
    const v = parseInt64(args[1]!);
    if (v === null) return NOT_INTEGER();
    if (v < INT32_MIN || v > INT32_MAX) return err('ERR value is out of range, value must between -2147483648 and 2147483647');
    return err('ERR DB index is out of range');
  },
  MULTI: (_node, client) => {
    if (client.multi !== null) return err('ERR MULTI calls can not be nested');
    client.multi = [];
    return OK;
  },
  DISCARD: (_node, client) => {
    if (client.multi === null) return err('ERR DISCARD without MULTI');
    client.multi = null;
    client.multiDirty = false;
    return OK;
  },
  EXEC: (node, client) => execCommand(node, client),
  REPLICAOF: (node, _client, args) => replicaofCommand(node, args),
  SLAVEOF: (node, _client, args) => replicaofCommand(node, args),
  FAILOVER: (node, _client, args) => failoverCommand(node, args),
  CONFIG: (node, _client, args) => configCommand(node, args),
  CLIENT: (node, client, args) => clientCommand(node, client, args),
  SHUTDOWN: (node, _client, args, cb) => P.shutdownCommand(node, args, cb),
  SAVE: (node) => P.saveNow(node),
  BGSAVE: (node) => P.bgsaveCommand(node),
  BGREWRITEAOF: (node) => node.aof.bgrewriteCommand(),
  DEBUG: (node, _client, args) => debugCommand(node, args),
  WAIT: (node, client, args, cb) => waitCommand(node, client, args, cb),
  INFO: (node) => infoText(node),
  SUBSCRIBE: (node, client, args) => node.pubsub.subscribe(client, args),
  UNSUBSCRIBE: (node, client, args) => node.pubsub.unsubscribe(client, args),
  PUBLISH: (node, client, args) => publishCommand(node, client, args),
  ROLE: (node) => roleReply(node),
};

/** Every command name a scenario may send (upper case). */
export const SUPPORTED_COMMANDS: readonly string[] = [...Object.keys(ADMIN), ...DATA_COMMAND_NAMES].sort();

/** Commands that run while the dataset loads (they carry Redis's LOADING flag in 7.0.15's command table). */
const LOADING_OK = new Set(['INFO', 'ROLE', 'SHUTDOWN', 'CONFIG', 'MULTI', 'DISCARD', 'SELECT', 'DEBUG', 'CLIENT']);
/** Refused while a swapdb diskless load runs (NO_ASYNC_LOADING). */
const NO_ASYNC_LOADING = new Set(['REPLICAOF', 'SLAVEOF', 'SAVE', 'BGSAVE']);
/** Refused inside MULTI (NO_MULTI). */
const NO_MULTI = new Set(['SHUTDOWN', 'SAVE']);

/**
 * processCommand()'s order at 7.0.15: existence and arity, NOREPLICAS, READONLY, LOADING, then a
 * paused write waits, and only then is a command inside MULTI queued. Every refusal before queueing
 * flags the transaction (flagTransaction()), so its EXEC aborts with EXECABORT; refusing EXEC itself
 * discards the transaction with the reason (execCommandAbort()).
 */
export function dispatch(node: RedisNode, client: Client, args: string[], cb: ReplyCallback): Reply | Pending {
  if (node.blockedByPause(client)) return node.pauseCall(client, args, cb);
  const name = commandName(args[0]!);
  const subscribed = node.pubsub.refusal(client, name, args[0]!);
  if (subscribed !== null) return subscribed;
  const queueing = client.multi !== null && !TX_COMMANDS.has(name);
  const spec = dataCommand(name);
  if (queueing) {
    if (!spec && !ADMIN[name]) return reject(client, unknownCommand(args));
    if (NO_MULTI.has(name)) return reject(client, err('ERR Command not allowed inside a transaction'));
    if (!spec && name !== 'SELECT' && name !== 'PING' && !TX_ADMIN.has(name)) return reject(client, err(`ERR unknown or unsupported command inside MULTI '${args[0]}'`));
    if (spec && !checkArity(spec, args)) return reject(client, arity(name));
  }
  const writes = spec ? spec.write : name === 'EXEC' && client.multi !== null && client.multi.some((a) => isWriteCommand(commandName(a[0]!)));
  if (writes) {
    const refusal = writeRefusal(node);
    if (refusal !== null) return reject(client, refusal, name === 'EXEC');
  }
  if (node.loading && !loadingAllowed(name, client)) return reject(client, err(LOADING_MESSAGE), name === 'EXEC');
  if (node.asyncLoading && NO_ASYNC_LOADING.has(name)) return reject(client, err(LOADING_MESSAGE));
  // PUBLISH is may-replicate: a write pause (FAILOVER) holds it too
  if ((writes || name === 'PUBLISH') && node.writesPaused) return node.pauseCall(client, args, cb);
  if (queueing) {
    client.multi!.push(args);
    return 'QUEUED';
  }
  const admin = ADMIN[name];
  return admin ? admin(node, client, args, cb) : dataCall(node, client, args);
}

function loadingAllowed(name: string, client: Client): boolean {
  if (name === 'EXEC') return client.multi === null || client.multi.every((a) => commandName(a[0]!) === 'SELECT');
  return LOADING_OK.has(name);
}

/** rejectCommand(): the error, and a transaction in progress is flagged (or, for EXEC, discarded). */
function reject(client: Client, reply: Reply, isExec = false): Reply {
  if (isExec && client.multi !== null) {
    client.multi = null;
    client.multiDirty = false;
    return err(`EXECABORT Transaction discarded because of: ${(reply as { message: string }).message}`);
  }
  if (client.multi !== null) client.multiDirty = true;
  return reply;
}

function unknownCommand(args: string[]): Reply {
  return err(`ERR unknown command '${args[0]}', with args beginning with: ${args.slice(1).map((a) => `'${a}' `).join('')}`);
}

/** The refusals processCommand() gives a write before it runs or is queued; null when it may proceed. */
function writeRefusal(node: RedisNode): Reply | null {
  // checkGoodReplicasStatus(): the count refreshGoodSlavesCount() left, once a second in
  // replicationCron and when a replica goes online or is freed, not recounted per command
  const min = node.cfg['min-replicas-to-write'];
  if (node.isMaster && min > 0 && node.cfg['min-replicas-max-lag'] > 0 && node.masterSide.goodReplicas < min) {
    return err('NOREPLICAS Not enough good replicas to write.');
  }
  if (!node.isMaster && node.cfg['replica-read-only']) return err("READONLY You can't write against a read only replica.");
  return null;
}

function dataCall(node: RedisNode, client: Client, args: string[]): Reply {
  const spec = dataCommand(commandName(args[0]!));
  if (!spec) return unknownCommand(args);
  const unit: { db: number; args: string[] }[] = [];
  const reply = node.execData(spec, args, client.db, false, unit);
  node.propagateUnit(client, unit);
  return reply;
}

function execCommand(node: RedisNode, client: Client): Reply {
  if (client.multi === null) return err('ERR EXEC without MULTI');
  const queued = client.multi;
  if (client.multiDirty) {
    client.multi = null;
    client.multiDirty = false;
    return err('EXECABORT Transaction discarded because of previous errors.');
  }
  client.multi = null;
  const unit: { db: number; args: string[] }[] = [];
  const replies: Reply[] = [];
  for (const a of queued) {
    const n = commandName(a[0]!);
    if (n === 'SELECT') {
      const db = parseDb(a[1]);
      if (db === null) replies.push(err('ERR DB index is out of range'));
      else {
        client.db = db;
        replies.push(OK);
      }
    } else if (n === 'PING') replies.push('PONG');
    else if (TX_ADMIN.has(n)) {
      const r = ADMIN[n]!(node, client, a, () => {});
      replies.push(r === PENDING ? err(`ERR ${n} cannot block inside MULTI`) : r);
    } else replies.push(node.execData(dataCommand(n)!, a, client.db, false, unit));
  }
  node.propagateUnit(client, unit);
  return replies;
}

function replicaofCommand(node: RedisNode, args: string[]): Reply {
  if (args.length < 2 || args.length > 3) return arity(args[0]!);
  if (node.failover.state !== 'no-failover') return err('ERR REPLICAOF not allowed while failing over.');
  if (args[1]!.toUpperCase() === 'NO' && (args[2] ?? '').toUpperCase() === 'ONE') {
    if (!node.isMaster) node.promote('replicaof-no-one');
    return OK;
  }
  const host = args[1]!;
  if (host === node.name) return err('ERR a node cannot replicate itself');
  if (node.masterHost === host) return 'OK Already connected to specified master';
  node.setMaster(host);
  return OK;
}

function configCommand(node: RedisNode, args: string[]): Reply {
  const sub = (args[1] ?? '').toUpperCase();
  if (sub === 'RESETSTAT') {
    node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.resetstat', node: node.name });
    node.stats.syncFull = 0;
    node.stats.syncPartialOk = 0;
    node.stats.syncPartialErr = 0;
    node.stats.expiredKeys = 0;
    return OK;
  }
  if (sub === 'REWRITE' && args.length === 2) {
    // the process runs with a config file (as the packaged service does): what a restart reads
    node.ctx.rewriteConfig({ replicaof: node.masterHost });
    return OK;
  }
  if (sub === 'GET' && args.length === 3) {
    const key = canonicalConfigName(args[2]!);
    return key ? [args[2]!, formatConfigValue(node.cfg, key)] : [];
  }
  if (sub === 'SET' && args.length >= 4 && args.length % 2 === 0) {
    const changes: [keyof RedisConfig, unknown][] = [];
    for (let i = 2; i < args.length; i += 2) {
      try {
        const [key, value] = parseConfigValue(args[i]!, args[i + 1]!, `CONFIG SET ${args[i]}`);
        if (key === 'replicaof') return err(`ERR Unsupported CONFIG parameter: ${args[i]}`);
        changes.push([key, key === 'repl-backlog-size' ? Math.max(REPL_BACKLOG_MIN_SIZE, value as number) : value]);
      } catch (e) {
        if (e instanceof UserError) return err(`ERR CONFIG SET failed (possibly related to argument '${args[i]}') - ${e.message}`);
        throw e;
      }
    }
    const aofWas = node.cfg.appendonly;
    const fsyncWas = node.cfg.appendfsync;
    for (const [key, value] of changes) (node.cfg as unknown as Record<string, unknown>)[key] = value;
    if (node.cfg.appendonly !== aofWas) node.aof.setEnabled(node.cfg.appendonly);
    else if (node.cfg.appendfsync !== fsyncWas) node.aof.policyChanged();
    node.masterSide.backlog?.trim(node.cfg['repl-backlog-size']);
    node.masterSide.refreshGoodReplicas();
    return OK;
  }
  return err(`ERR unknown subcommand or wrong number of arguments for 'CONFIG ${args[1] ?? ''}'`);
}

/**
 * PUBLISH: delivered to this node's subscribers, and on a master fed to the replication stream only
 * (forceCommandPropagation(PROPAGATE_REPL): no AOF, no dirty count), in the publisher's db.
 */
function publishCommand(node: RedisNode, client: Client, args: string[]): Reply {
  if (args.length !== 3) return arity('PUBLISH');
  const n = node.pubsub.publish(args[1]!, args[2]!);
  if (node.isMaster) node.masterSide.feedUnit([{ db: client.db, args }]);
  return n;
}

function clientCommand(node: RedisNode, caller: Client, args: string[]): Reply {
  if ((args[1] ?? '').toUpperCase() !== 'KILL' || (args[2] ?? '').toUpperCase() !== 'TYPE' || args.length !== 4) {
    return err('ERR only CLIENT KILL TYPE master|replica|slave|normal|pubsub is supported');
  }
  const type = args[3]!.toLowerCase();
  if (type === 'master') {
    if (!node.replicaSide.link) return 0;
    node.replicaSide.handleMasterLinkLost(true, true);
    return 1;
  }
  if (type === 'replica' || type === 'slave') {
    const n = node.masterSide.replicas.length;
    node.masterSide.disconnectReplicas('CLIENT KILL TYPE replica');
    return n;
  }
  if (type === 'normal' || type === 'pubsub') {
    // getClientType(): a client with subscriptions is pubsub, any other connection normal; the
    // caller is skipped (SKIPME yes)
    const victims = [...node.connClients].filter((c) => c !== caller && (c.channels !== undefined && c.channels.size > 0) === (type === 'pubsub'));
    for (const c of victims) c.kill?.();
    return victims.length;
  }
  return err(`ERR Unknown client type '${args[3]}'`);
}

function debugCommand(node: RedisNode, args: string[]): Reply {
  const sub = (args[1] ?? '').toUpperCase();
  if (sub === 'DIGEST') return node.ds.digest();
  if (sub === 'SET-ACTIVE-EXPIRE' && (args[2] === '0' || args[2] === '1')) {
    node.activeExpire = args[2] === '1';
    return OK;
  }
  return err('ERR only DEBUG DIGEST and DEBUG SET-ACTIVE-EXPIRE 0|1 are supported');
}

function waitCommand(node: RedisNode, client: Client, args: string[], cb: ReplyCallback): Reply | Pending {
  if (args.length !== 3) return arity('WAIT');
  if (!node.isMaster) {
    return err('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
  }
  // getLongFromObjectOrReply(), then getTimeoutFromObjectOrReply() in milliseconds
  const wanted = parseInt64(args[1]!);
  if (wanted === null) return NOT_INTEGER();
  const want = Number(wanted);
  const timeout = parseInt64(args[2]!);
  if (timeout === null) return err('ERR timeout is not an integer or out of range');
  if (timeout < 0n) return err('ERR timeout is negative');
  const acked = node.masterSide.countAcked(client.woff);
  if (acked >= want || client.multi !== null) return acked;
  return node.blockForWait(client, want, Number(timeout), cb);
}

export { isError };
