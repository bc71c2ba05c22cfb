// Redis configuration by redis.conf names, with Redis 7.0's defaults, parsing of the values as
// redis.conf writes them ("16kb", "no", "3600 1", "256mb 64mb 60") and the runtime rules of CONFIG SET.

import { UserError } from '../errors.js';

export interface ClientOutputBufferLimit {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}

export interface RedisConfig {
  'repl-backlog-size': number;
  'repl-backlog-ttl': number;
  'repl-ping-replica-period': number;
  'repl-timeout': number;
  save: [number, number][];
  'replica-read-only': boolean;
  'min-replicas-to-write': number;
  'min-replicas-max-lag': number;
  'client-output-buffer-limit-replica': ClientOutputBufferLimit;
  replicaof: string | null;
  'rdb-del-sync-files': boolean;
  'replica-priority': number;
  'shutdown-timeout': number;
  'repl-diskless-sync': boolean;
  'repl-diskless-sync-delay': number;
  'repl-diskless-sync-max-replicas': number;
  'repl-diskless-load': DisklessLoad;
  'rdb-key-save-delay': number;
  appendonly: boolean;
  appendfsync: AppendFsync;
  'auto-aof-rewrite-percentage': number;
  'auto-aof-rewrite-min-size': number;
  'aof-use-rdb-preamble': boolean;
}

/** appendfsync: fsync the AOF before every reply, in the background about once a second, or leave it to the OS. */
export type AppendFsync = 'always' | 'everysec' | 'no';
const APPENDFSYNC_VALUES: readonly AppendFsync[] = ['always', 'everysec', 'no'];

/** repl-diskless-load: to disk then load, from the socket when the dataset is empty, or into a temporary db. */
export type DisklessLoad = 'disabled' | 'on-empty-db' | 'swapdb';
const DISKLESS_LOAD_VALUES: readonly DisklessLoad[] = ['disabled', 'on-empty-db', 'swapdb'];

const DEFAULTS: RedisConfig = {
  'repl-backlog-size': 1024 * 1024,
  'repl-backlog-ttl': 3600,
  'repl-ping-replica-period': 10,
  'repl-timeout': 60,
  save: [
    [3600, 1],
    [300, 100],
    [60, 10000],
  ],
  'replica-read-only': true,
  'min-replicas-to-write': 0,
  'min-replicas-max-lag': 10,
  'client-output-buffer-limit-replica': { hardBytes: 256 * 1024 * 1024, softBytes: 64 * 1024 * 1024, softSeconds: 60 },
  replicaof: null,
  'rdb-del-sync-files': false,
  'replica-priority': 100,
  'shutdown-timeout': 10,
  'repl-diskless-sync': true,
  'repl-diskless-sync-delay': 5,
  'repl-diskless-sync-max-replicas': 0,
  'repl-diskless-load': 'disabled',
  'rdb-key-save-delay': 0,
  appendonly: false,
  appendfsync: 'everysec',
  'auto-aof-rewrite-percentage': 100,
  'auto-aof-rewrite-min-size': 64 * 1024 * 1024,
  'aof-use-rdb-preamble': true,
};
const CONFIG_DEFAULTS: Readonly<RedisConfig> = Object.freeze(DEFAULTS);

/** Minimum backlog size enforced when the size is changed at runtime (CONFIG_REPL_BACKLOG_MIN_SIZE). */
export const REPL_BACKLOG_MIN_SIZE = 16 * 1024;

/** Accepted aliases (Redis keeps the old "slave" names). */
const ALIASES: Record<string, keyof RedisConfig> = {
  'repl-ping-slave-period': 'repl-ping-replica-period',
  'slave-read-only': 'replica-read-only',
  'min-slaves-to-write': 'min-replicas-to-write',
  'min-slaves-max-lag': 'min-replicas-max-lag',
  slaveof: 'replicaof',
  'slave-priority': 'replica-priority',
  'client-output-buffer-limit': 'client-output-buffer-limit-replica',
};

const CONFIG_NAMES: readonly string[] = Object.keys(CONFIG_DEFAULTS).concat(Object.keys(ALIASES)).sort();

export function canonicalConfigName(name: string): keyof RedisConfig | undefined {
  const n = name.toLowerCase();
  if (n in CONFIG_DEFAULTS) return n as keyof RedisConfig;
  return ALIASES[n];
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1024,
  m: 1000 * 1000,
  mb: 1024 * 1024,
  g: 1000 * 1000 * 1000,
  gb: 1024 * 1024 * 1024,
};

/** "16kb" -> 16384, "1mb" -> 1048576, 100 -> 100 (redis.conf memory units). */
function parseMemory(value: string | number, what: string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new UserError(`${what}: expected a non-negative whole number of bytes or a size like "16kb", got ${value}`);
  }
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = m ? MEMORY_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new UserError(`${what}: expected a size like 1048576, "16kb", "1mb" or "1gb", got ${JSON.stringify(value)}`);
  }
  return Number(m[1]) * unit;
}

function parseInteger(value: string | number, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UserError(`${what}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function parseBool(value: string | number | boolean, what: string): boolean {
  if (value === true || value === 'yes') return true;
  if (value === false || value === 'no') return false;
  throw new UserError(`${what}: expected "yes" or "no", got ${JSON.stringify(value)}`);
}

function parseSave(value: string | number, what: string): [number, number][] {
  const s = String(value).trim();
  if (s === '') return [];
  const parts = s.split(/\s+/);
  if (parts.length % 2 !== 0) throw new UserError(`${what}: expected pairs of "<seconds> <changes>" like "3600 1 300 100", or "" to disable, got ${JSON.stringify(value)}`);
  const out: [number, number][] = [];
  for (let i = 0; i < parts.length; i += 2) out.push([parseInteger(parts[i]!, what, 1), parseInteger(parts[i + 1]!, what, 0)]);
  return out;
}

function parseCob(value: string | number, what: string): ClientOutputBufferLimit {
  const parts = String(value).trim().split(/\s+/);
  if (parts[0] === 'replica' || parts[0] === 'slave') parts.shift();
  if (parts.length !== 3) throw new UserError(`${what}: expected "<hard> <soft> <soft-seconds>" like "256mb 64mb 60", got ${JSON.stringify(value)}`);
  return { hardBytes: parseMemory(parts[0]!, what), softBytes: parseMemory(parts[1]!, what), softSeconds: parseInteger(parts[2]!, what, 0) };
}

/** Parse one value for a config name. `runtime` applies CONFIG SET's extra rules (backlog minimum). */
export function parseConfigValue(name: string, value: unknown, what = name): [keyof RedisConfig, RedisConfig[keyof RedisConfig]] {
  const key = canonicalConfigName(name);
  if (!key) throw new UserError(`${what}: unknown config "${name}"; supported: ${CONFIG_NAMES.join(', ')}`);
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && value !== null) {
    throw new UserError(`${what}: expected a string or number, got ${JSON.stringify(value)}`);
  }
  const v = value as string | number;
  switch (key) {
    case 'repl-backlog-size': {
      // 7.0.15 refuses 0 at start and in CONFIG SET ("argument must be between 1 and ..."); 1 to
      // 16kb are accepted and raised to the 16kb minimum when the backlog is resized
      const bytes = parseMemory(v, what);
      if (bytes < 1) throw new UserError(`${what}: must be at least 1 byte (Redis 7.0 refuses ${JSON.stringify(value)}: "argument must be between 1 and 9223372036854775807 inclusive"); give a size like 1mb`);
      return [key, bytes];
    }
    case 'repl-backlog-ttl':
    case 'min-replicas-to-write':
    case 'min-replicas-max-lag':
    case 'replica-priority':
    case 'shutdown-timeout':
    case 'repl-diskless-sync-delay':
    case 'repl-diskless-sync-max-replicas':
    case 'rdb-key-save-delay':
      return [key, parseInteger(v, what, 0)];
    case 'repl-diskless-load': {
      const s = String(value).toLowerCase();
      if (!(DISKLESS_LOAD_VALUES as readonly string[]).includes(s)) throw new UserError(`${what}: expected one of ${DISKLESS_LOAD_VALUES.join(', ')}, got ${JSON.stringify(value)}`);
      return [key, s as DisklessLoad];
    }
    case 'repl-ping-replica-period':
    case 'repl-timeout':
      return [key, parseInteger(v, what, 1)];
    case 'save':
      return [key, parseSave(v, what)];
    case 'replica-read-only':
    case 'rdb-del-sync-files':
    case 'repl-diskless-sync':
    case 'appendonly':
    case 'aof-use-rdb-preamble':
      return [key, parseBool(value as string, what)];
    case 'appendfsync': {
      const s = String(value).toLowerCase();
      if (!(APPENDFSYNC_VALUES as readonly string[]).includes(s)) throw new UserError(`${what}: expected one of ${APPENDFSYNC_VALUES.join(', ')}, got ${JSON.stringify(value)}`);
      return [key, s as AppendFsync];
    }
    case 'auto-aof-rewrite-percentage':
      return [key, parseInteger(v, what, 0, 2147483647)];
    case 'auto-aof-rewrite-min-size':
      return [key, parseMemory(v, what)];
    case 'client-output-buffer-limit-replica':
      return [key, parseCob(v, what)];
    case 'replicaof':
      if (value === null || value === '' || String(value).toLowerCase() === 'no one') return [key, null];
      return [key, String(value).trim().split(/\s+/)[0]!];
  }
}

export function buildConfig(overrides: Record<string, unknown> = {}, what = 'config'): RedisConfig {
  const cfg: RedisConfig = structuredClone(CONFIG_DEFAULTS) as RedisConfig;
  for (const name of Object.keys(overrides)) {
    const [key, val] = parseConfigValue(name, overrides[name], `${what}.${name}`);
    (cfg as unknown as Record<string, unknown>)[key] = val;
  }
  return cfg;
}

/** Render a config value as CONFIG GET would. */
export function formatConfigValue(cfg: RedisConfig, key: keyof RedisConfig): string {
  const v = cfg[key];
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (key === 'save') return cfg.save.map(([s, c]) => `${s} ${c}`).join(' ');
  if (key === 'client-output-buffer-limit-replica') {
    const c = cfg[key];
    return `replica ${c.hardBytes} ${c.softBytes} ${c.softSeconds}`;
  }
  return v === null ? '' : String(v);
}
