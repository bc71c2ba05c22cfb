// Data commands (strings, lists, expiry, FLUSHALL) against a Dataset, and what each propagates to
// the replication stream as Redis 7.0 rewrites it (relative expiries become absolute PXAT/PEXPIREAT,
// lazily expired keys are deleted with a propagated DEL on a master only).

import type { Dataset, Entry } from './dataset.js';
import { DB_COUNT } from './dataset.js';
import { type Reply, OK, WRONGTYPE, NOT_INTEGER, SYNTAX, arity, err } from './reply.js';
import { commandName } from './resp.js';
import { MAX_INT64, parseInt64 } from './ints.js';

/** Where a command runs and what it may do. */
export interface ExecContext {
  ds: Dataset;
  db: number;
  nowMs: number;
  /** The command comes from this node's master: keys are never considered expired. */
  fromMaster: boolean;
  /** This node is a master: it may delete expired keys and propagate the deletion. */
  isMaster: boolean;
  /** Collect one command for the replication stream, in db `db`. */
  propagate(args: string[], db: number): void;
  /** Count of keys deleted because they expired (INFO expired_keys). */
  onExpired(): void;
}

/** What a node's NodeExec reports to. */
export interface ExecHost {
  readonly ds: Dataset;
  readonly stats: { expiredKeys: number };
  execPropagated(unit: { db: number; args: string[] }[] | undefined, fromMaster: boolean, args: string[], db: number): void;
}

/** The ExecContext of a node's data commands: filled in per command by execData(), no closures per command. */
export class NodeExec implements ExecContext {
  ds: Dataset;
  db = 0;
  nowMs = 0;
  fromMaster = false;
  isMaster = false;
  unit: { db: number; args: string[] }[] | undefined = undefined;
  busy = false;

  constructor(private readonly node: ExecHost) {
    this.ds = node.ds;
  }

  propagate(args: string[], db: number): void {
    this.node.execPropagated(this.unit, this.fromMaster, args, db);
  }

  onExpired(): void {
    this.node.stats.expiredKeys++;
  }
}

export interface CommandSpec {
  /** Writes are refused on read-only replicas, paused during failover, checked for min-replicas. */
  write: boolean;
  /** Exact argument count including the name (positive), or minimum (negative), as in Redis's table. */
  arity: number;
  run(ctx: ExecContext, args: string[]): Reply;
}

/**
 * A value parseInt64() accepts, of at most 15 characters, as a Number (exact: below 2^53), else
 * null. INCR's common case without BigInt arithmetic: the same digits come out of String().
 */
function smallInt(s: string): number | null {
  const n = s.length;
  if (n === 0 || n > 15) return null;
  const neg = s.charCodeAt(0) === 45; // '-'
  let i = neg ? 1 : 0;
  if (i === n) return null;
  if (s.charCodeAt(i) === 48) return n === 1 ? 0 : null; // "0" only: not "-0", "01" or "-01"
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** lookupKey with Redis's expiry rules. Returns the live entry or undefined. */
function lookup(ctx: ExecContext, key: string): Entry | undefined {
  const e = ctx.ds.entry(ctx.db, key);
  if (!e || !e.expireAtMs || e.expireAtMs > ctx.nowMs || ctx.fromMaster) return e;
  if (ctx.isMaster) {
    ctx.ds.delete(ctx.db, key);
    ctx.onExpired();
    ctx.propagate(['DEL', key], ctx.db);
  }
  return undefined;
}

function getString(ctx: ExecContext, key: string): string | null | 'WRONGTYPE' {
  const e = lookup(ctx, key);
  if (!e) return null;
  return typeof e.value === 'string' ? e.value : 'WRONGTYPE';
}

function setCommand(ctx: ExecContext, args: string[]): Reply {
  const [, key, value] = args as [string, string, string];
  let expireAtMs = 0;
  let nx = false;
  let xx = false;
  let keepTtl = false;
  let expireGiven = false;
  for (let i = 3; i < args.length; i++) {
    const opt = commandName(args[i]!);
    if (opt === 'NX') nx = true;
    else if (opt === 'XX') xx = true;
    else if (opt === 'KEEPTTL') keepTtl = true;
    else if (opt === 'EX' || opt === 'PX' || opt === 'EXAT' || opt === 'PXAT') {
      const raw = args[++i];
      const n = raw === undefined ? null : parseInt64(raw);
      if (n === null) return raw === undefined ? SYNTAX() : NOT_INTEGER();
      if (n <= 0n) return err(`ERR invalid expire time in 'set' command`);
      const v = Number(n);
      expireAtMs = opt === 'EX' ? ctx.nowMs + v * 1000 : opt === 'PX' ? ctx.nowMs + v : opt === 'EXAT' ? v * 1000 : v;
      if (expireGiven) return SYNTAX();
      expireGiven = true;
    } else return SYNTAX();
  }
  if ((nx && xx) || (keepTtl && expireGiven)) return SYNTAX();
  const existing = lookup(ctx, key);
  if ((nx && existing) || (xx && !existing)) return null;
  if (keepTtl && existing) expireAtMs = existing.expireAtMs;
  ctx.ds.set(ctx.db, key, value, expireAtMs);
  if (expireGiven) ctx.propagate(['SET', key, value, 'PXAT', String(expireAtMs)], ctx.db);
  else ctx.propagate(args, ctx.db);
  return OK;
}

function expireGeneric(ctx: ExecContext, args: string[], unitMs: number, absolute: boolean): Reply {
  const [, key, raw] = args as [string, string, string];
  const n = parseInt64(raw);
  if (n === null) return NOT_INTEGER();
  const e = lookup(ctx, key);
  if (!e) return 0;
  const when = (absolute ? 0 : ctx.nowMs) + Number(n) * unitMs;
  if (when <= ctx.nowMs && ctx.isMaster && !ctx.fromMaster) {
    ctx.ds.delete(ctx.db, key);
    ctx.propagate(['DEL', key], ctx.db);
    return 1;
  }
  ctx.ds.setExpire(ctx.db, key, when);
  ctx.propagate(['PEXPIREAT', key, String(when)], ctx.db);
  return 1;
}

const COMMANDS: Record<string, CommandSpec> = {
  GET: {
    write: false,
    arity: 2,
    run(ctx, args) {
      const v = getString(ctx, args[1]!);
      return v === 'WRONGTYPE' ? WRONGTYPE() : v;
    },
  },
  SET: { write: true, arity: -3, run: setCommand },
  INCR: {
    write: true,
    arity: 2,
    run(ctx, args) {
      const key = args[1]!;
      const e = lookup(ctx, key);
      if (e && typeof e.value !== 'string') return WRONGTYPE();
      const small = e ? smallInt(e.value as string) : 0;
      let next: number | bigint;
      if (small !== null) next = small + 1;
      else {
        const cur = parseInt64(e!.value as string);
        if (cur === null || cur === MAX_INT64) return cur === null ? NOT_INTEGER() : err('ERR increment or decrement would overflow');
        next = cur + 1n;
      }
      ctx.ds.set(ctx.db, key, String(next), e ? e.expireAtMs : 0);
      ctx.propagate(args, ctx.db);
      return Number(next);
    },
  },
  APPEND: {
    write: true,
    arity: 3,
    run(ctx, args) {
      const key = args[1]!;
      const e = lookup(ctx, key);
      if (e && typeof e.value !== 'string') return WRONGTYPE();
      if (e) ctx.ds.appendString(e, args[2]!);
      else ctx.ds.set(ctx.db, key, args[2]!, 0);
      ctx.propagate(args, ctx.db);
      return (e ? (e.value as string) : args[2]!).length;
    },
  },
  DEL: {
    write: true,
    arity: -2,
    run(ctx, args) {
      let n = 0;
      for (let i = 1; i < args.length; i++) {
        if (lookup(ctx, args[i]!) && ctx.ds.delete(ctx.db, args[i]!)) n++;
      }
      if (n > 0) ctx.propagate(args, ctx.db);
      return n;
    },
  },
  MSET: {
    write: true,
    arity: -3,
    run(ctx, args) {
      if (args.length % 2 !== 1) return arity('MSET');
      for (let i = 1; i < args.length; i += 2) ctx.ds.set(ctx.db, args[i]!, args[i + 1]!);
      ctx.propagate(args, ctx.db);
      return OK;
    },
  },
  EXPIRE: { write: true, arity: 3, run: (ctx, args) => expireGeneric(ctx, args, 1000, false) },
  PEXPIRE: { write: true, arity: 3, run: (ctx, args) => expireGeneric(ctx, args, 1, false) },
  PEXPIREAT: { write: true, arity: 3, run: (ctx, args) => expireGeneric(ctx, args, 1, true) },
  TTL: {
    write: false,
    arity: 2,
    run(ctx, args) {
      const e = lookup(ctx, args[1]!);
      if (!e) return -2;
      return e.expireAtMs ? Math.round((e.expireAtMs - ctx.nowMs) / 1000) : -1;
    },
  },
  PTTL: {
    write: false,
    arity: 2,
    run(ctx, args) {
      const e = lookup(ctx, args[1]!);
      if (!e) return -2;
      return e.expireAtMs ? e.expireAtMs - ctx.nowMs : -1;
    },
  },
  EXISTS: {
    write: false,
    arity: -2,
    run(ctx, args) {
      let n = 0;
      for (let i = 1; i < args.length; i++) if (lookup(ctx, args[i]!)) n++;
      return n;
    },
  },
  FLUSHALL: {
    write: true,
    arity: -1,
    run(ctx, args) {
      ctx.ds.flushAll();
      ctx.propagate(args.length > 1 ? args : ['FLUSHALL'], ctx.db);
      return OK;
    },
  },
  RPUSH: {
    write: true,
    arity: -3,
    run(ctx, args) {
      const key = args[1]!;
      const e = lookup(ctx, key);
      if (e && typeof e.value === 'string') return WRONGTYPE();
      if (e) ctx.ds.pushItems(e, args.slice(2));
      else ctx.ds.set(ctx.db, key, args.slice(2), 0);
      ctx.propagate(args, ctx.db);
      return ctx.ds.entry(ctx.db, key)!.value.length;
    },
  },
  LRANGE: {
    write: false,
    arity: 4,
    run(ctx, args) {
      const e = lookup(ctx, args[1]!);
      if (!e) return [];
      if (typeof e.value === 'string') return WRONGTYPE();
      const a = parseInt64(args[2]!);
      const b = parseInt64(args[3]!);
      if (a === null || b === null) return NOT_INTEGER();
      const len = e.value.length;
      let start = Number(a) < 0 ? len + Number(a) : Number(a);
      let stop = Number(b) < 0 ? len + Number(b) : Number(b);
      if (start < 0) start = 0;
      if (stop >= len) stop = len - 1;
      return start > stop ? [] : e.value.slice(start, stop + 1);
    },
  },
  DBSIZE: { write: false, arity: 1, run: (ctx) => ctx.ds.dbsize(ctx.db) },
};

export function dataCommand(name: string): CommandSpec | undefined {
  return COMMANDS[name];
}

export function isWriteCommand(name: string): boolean {
  return COMMANDS[name]?.write ?? false;
}

export function checkArity(spec: { arity: number }, args: readonly string[]): boolean {
  return spec.arity > 0 ? args.length === spec.arity : args.length >= -spec.arity;
}

export const DATA_COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS).sort();

/** A SELECT argument naming one of the 16 dbs, or null. */
export function parseDb(arg: string | undefined): number | null {
  if (arg === undefined) return null;
  if (arg.length === 1) {
    const d = arg.charCodeAt(0) - 48;
    return d >= 0 && d <= 9 ? d : null;
  }
  const v = parseInt64(arg);
  return v !== null && v >= 0n && v < BigInt(DB_COUNT) ? Number(v) : null;
}
