// Real redis-server and redis-sentinel 7.0 processes on 127.0.0.1 for differential tests of Sentinel:
// one master (s0) and replicas (s1, ...) plus Sentinels (x0, x1, ...) with config files in a temp dir,
// every Sentinel's events collected in arrival order (PSUBSCRIBE *), and cleanup that always runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { delay, freePort } from './clusters.js';
import { RespClient, RespError, type RespValue } from '../../sim/backends/real/resp.js';

export { delay };

export type Config = Record<string, string | number>;

/**
 * How to start a Sentinel, or why we cannot. redis-sentinel is the redis-server binary: it runs as a
 * Sentinel when its name contains "redis-sentinel" or an argument is `--sentinel`
 * (server.c checkForSentinelMode), so Debian's redis-server package alone is enough.
 */
export function sentinelCommand(): { cmd: string; pre: string[]; post: string[]; version: string } | { reason: string } {
  for (const [cmd, post] of [['redis-sentinel', []], ['redis-server', ['--sentinel']]] as const) {
    const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) continue;
    const version = /v=(\S+)/.exec(r.stdout)?.[1] ?? '?';
    if (!version.startsWith('7.0.')) return { reason: `${cmd} is ${version}, not 7.0.x` };
    return { cmd, pre: [], post: [...post], version };
  }
  return { reason: 'neither redis-sentinel nor redis-server is on the PATH' };
}

export interface SentinelSetup {
  /** Replicas of s0 (s1 .. sN). */
  replicas: number;
  sentinels: number;
  quorum: number;
  masterName?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  parallelSyncs?: number;
  /** redis.conf lines for every server, then per server (e.g. `replica-priority`). */
  serverConfig?: Config;
  perServer?: Record<string, Config>;
  /** sentinel.conf lines besides the monitor and its timers (e.g. `loglevel: 'verbose'`). */
  sentinelConfig?: Config;
  /** Wait until every Sentinel knows every replica and every other Sentinel (default true). */
  waitDiscovery?: boolean;
  /** Runs once the replicas are online, before any Sentinel starts (e.g. to read offsets or write). */
  beforeSentinels?: (s: RealSentinels) => Promise<void>;
}

/** One message a subscription received, with the harness's clock (ms since start) at its arrival. */
export interface Message {
  /** The process whose pub/sub sent it (a Sentinel for events, a server for hello messages). */
  from: string;
  atMs: number;
  channel: string;
  payload: string;
}

interface Proc {
  name: string;
  kind: 'server' | 'sentinel';
  port: number;
  dir: string;
  conf: string;
  proc: ChildProcess | null;
  exited: Promise<void>;
  client: RespClient | null;
}

const live = new Set<ChildProcess>();
let exitHook = false;
/** A vitest worker that dies mid-test still takes its children with it. */
function trackChild(p: ChildProcess): void {
  live.add(p);
  p.once('exit', () => live.delete(p));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

function confText(c: Config): string {
  return Object.entries(c).map(([k, v]) => `${k} ${v === '' ? '""' : v}`).join('\n') + '\n';
}

/** Parse a `key:value` INFO reply. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Flat [k1, v1, k2, v2, ...] reply (SENTINEL MASTER, SENTINEL REPLICAS entries) as a record. */
export function pairs(v: RespValue): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(v)) return out;
  for (let i = 0; i + 1 < v.length; i += 2) out[String(v[i])] = String(v[i + 1]);
  return out;
}

export class RealSentinels {
  readonly servers: string[];
  readonly sentinels: string[];
  readonly masterName: string;
  private readonly procs = new Map<string, Proc>();
  private readonly root = mkdtempSync(join(tmpdir(), 'replsim-sentinel-'));
  private readonly t0 = performance.now();
  private readonly messages: Message[] = [];
  private readonly subs = new Set<Socket>();
  private readonly patterns = new Map<string, Set<string>>();
  private readonly runids = new Map<string, string>();
  private waiters: (() => void)[] = [];
  private closed = false;

  private constructor(private readonly setup: SentinelSetup, private readonly sentinelCmd: { cmd: string; post: string[] }) {
    this.servers = Array.from({ length: setup.replicas + 1 }, (_, i) => `s${i}`);
    this.sentinels = Array.from({ length: setup.sentinels }, (_, i) => `x${i}`);
    this.masterName = setup.masterName ?? 'mymaster';
  }

  /** Start the servers, wait for the replicas to sync, start the Sentinels and subscribe to their events. */
  static async start(setup: SentinelSetup): Promise<RealSentinels> {
    const how = sentinelCommand();
    if ('reason' in how) throw new Error(`redis-sentinel: ${how.reason}`);
    const s = new RealSentinels(setup, how);
    try {
      await s.boot();
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  private async boot(): Promise<void> {
    const st = this.setup;
    for (const name of [...this.servers, ...this.sentinels]) {
      const dir = join(this.root, name);
      mkdirSync(dir, { recursive: true });
      const kind = name.startsWith('s') ? 'server' : 'sentinel';
      this.patterns.set(name, new Set());
      let port = await freePort();
      while ([...this.procs.values()].some((q) => q.port === port)) port = await freePort();
      this.procs.set(name, { name, kind, port, dir, conf: join(dir, kind === 'server' ? 'redis.conf' : 'sentinel.conf'), proc: null, exited: Promise.resolve(), client: null });
    }
    const masterPort = this.port('s0');
    for (const name of this.servers) {
      const p = this.proc(name);
      const conf: Config = {
        port: p.port, bind: '127.0.0.1', dir: p.dir, logfile: join(p.dir, 'redis.log'), daemonize: 'no', save: '', appendonly: 'no',
        ...(st.serverConfig ?? {}), ...(st.perServer?.[name] ?? {}),
      };
      if (name !== 's0') conf.replicaof = `127.0.0.1 ${masterPort}`;
      writeFileSync(p.conf, confText(conf));
      await this.launch(name);
    }
    await this.waitUntil(async () => {
      const m = parseInfo(String(await this.call('s0', ['INFO', 'replication'])));
      return Number(m.connected_slaves) === st.replicas && this.servers.slice(1).every((_, i) => (m[`slave${i}`] ?? '').includes('state=online'));
    }, 30_000, 'replicas online');
    await st.beforeSentinels?.(this);
    for (const name of this.sentinels) {
      const p = this.proc(name);
      const m = this.masterName;
      const lines = [
        confText({ port: p.port, bind: '127.0.0.1', dir: p.dir, logfile: join(p.dir, 'sentinel.log'), daemonize: 'no', ...(st.sentinelConfig ?? {}) }).trimEnd(),
        `sentinel monitor ${m} 127.0.0.1 ${masterPort} ${st.quorum}`,
        `sentinel down-after-milliseconds ${m} ${st.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${m} ${st.failoverTimeoutMs ?? 4000}`,
        `sentinel parallel-syncs ${m} ${st.parallelSyncs ?? 1}`,
      ];
      writeFileSync(p.conf, lines.join('\n') + '\n');
      await this.launch(name);
      this.runids.set(String(await this.call(name, ['SENTINEL', 'MYID'])), name);
    }
    if (st.waitDiscovery ?? true) await this.waitDiscovery();
  }

  /** Until every running Sentinel knows all replicas and every other Sentinel. */
  async waitDiscovery(timeoutMs = 30_000): Promise<void> {
    await this.waitUntil(async () => {
      for (const x of this.sentinels) {
        if (!this.proc(x).client) continue;
        const m = pairs(await this.call(x, ['SENTINEL', 'MASTER', this.masterName]));
        if (Number(m['num-slaves']) !== this.setup.replicas || Number(m['num-other-sentinels']) !== this.setup.sentinels - 1) return false;
      }
      return true;
    }, timeoutMs, 'sentinel discovery');
  }

  private proc(name: string): Proc {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  }

  port(name: string): number {
    return this.proc(name).port;
  }

  /** The process listening on a port, or `:port`. */
  nameOfPort(port: string | number): string {
    for (const p of this.procs.values()) if (p.port === Number(port)) return p.name;
    return `:${port}`;
  }

  /** Milliseconds since the harness started (monotonic). */
  now(): number {
    return performance.now() - this.t0;
  }

  private async launch(name: string): Promise<void> {
    const p = this.proc(name);
    const [cmd, args] = p.kind === 'server' ? ['redis-server', [p.conf]] : [this.sentinelCmd.cmd, [p.conf, ...this.sentinelCmd.post]];
    const proc = spawn(cmd, args, { stdio: 'ignore' });
    trackChild(proc);
    p.proc = proc;
    p.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    for (let i = 0; i < 300; i++) {
      try {
        p.client = await RespClient.connect(p.port);
        if ((await p.client.call(['PING'])) === 'PONG') {
          if (p.kind === 'sentinel') this.patterns.get(name)!.add('*');
          for (const pattern of this.patterns.get(name)!) await this.listen(name, pattern);
          return;
        }
      } catch {
        p.client?.close();
        p.client = null;
        await delay(10);
      }
    }
    throw new Error(`${cmd} for ${name} did not start on port ${p.port}; see ${p.dir}`);
  }

  /**
   * PSUBSCRIBE pattern on a process; every message lands in messages() with its arrival time. On a
   * Sentinel, '*' yields every event sentinelEvent() publishes (all levels but debug, so also the
   * verbose ones the default log level hides), in the order the Sentinel emitted them.
   */
  async subscribe(name: string, pattern: string): Promise<void> {
    const set = this.patterns.get(name)!;
    if (set.has(pattern)) return;
    set.add(pattern);
    await this.listen(name, pattern);
  }

  /**
   * One PSUBSCRIBE connection. A Sentinel's SLAVEOF transaction ends with CLIENT KILL TYPE pubsub, so a
   * subscription on a server is closed at every promotion or reconfiguration: it resubscribes while its
   * process runs (messages published in the gap are lost; see the hello counts in the research notes).
   */
  private async listen(name: string, pattern: string): Promise<void> {
    const sock = new Socket();
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(this.port(name), '127.0.0.1', () => {
        sock.off('error', reject);
        resolve();
      });
    });
    sock.on('error', () => undefined); // a killed process resets the socket
    sock.on('close', () => {
      this.subs.delete(sock);
      const proc = this.proc(name).proc;
      if (!this.closed && proc && proc.exitCode === null && proc.signalCode === null) {
        void delay(10).then(() => this.listen(name, pattern)).catch(() => undefined);
      }
    });
    this.subs.add(sock);
    let buf = Buffer.alloc(0);
    let confirmed!: () => void;
    const ready = new Promise<void>((r) => (confirmed = r));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const r = readReply(buf, 0);
        if (!r) break;
        buf = buf.subarray(r.next);
        const v = r.value;
        if (!Array.isArray(v)) continue;
        if (v[0] === 'psubscribe') confirmed();
        if (v[0] === 'pmessage' && v.length === 4) this.push({ from: name, atMs: this.now(), channel: String(v[2]), payload: String(v[3]) });
      }
    });
    sock.write(`*2\r\n$10\r\nPSUBSCRIBE\r\n$${Buffer.byteLength(pattern)}\r\n${pattern}\r\n`);
    await ready;
  }

  private push(m: Message): void {
    this.messages.push(m);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Every message so far, in arrival order (per process this is the order it published them). */
  all(): Message[] {
    return [...this.messages];
  }

  /** Sentinel events (messages from Sentinels), optionally since a time. */
  events(sinceMs = 0): Message[] {
    return this.messages.filter((m) => m.atMs >= sinceMs && this.proc(m.from).kind === 'sentinel');
  }

  /** Until a message matches (or timeoutMs passes: an error naming what was awaited). */
  async waitFor(pred: (m: Message) => boolean, timeoutMs: number, what = 'event'): Promise<Message> {
    const end = this.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.messages.length; seen++) if (pred(this.messages[seen]!)) return this.messages[seen]!;
      const left = end - this.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /**
   * A payload with addresses and Sentinel run ids replaced by process names:
   * "slave 127.0.0.1:7001 127.0.0.1 7001 @ mymaster 127.0.0.1 7000" -> "slave s1 s1 @ mymaster s0"
   * (hello payloads: "127.0.0.1,7000" -> "s0").
   */
  label(text: string): string {
    return text
      .replace(/127\.0\.0\.1[ :,](\d+)/g, (_, port: string) => this.nameOfPort(port))
      .replace(/\b[0-9a-f]{40}\b/g, (id) => this.runids.get(id) ?? id);
  }

  /**
   * One command on the harness's connection to a process. Sentinel's SLAVEOF transaction ends with
   * CLIENT KILL TYPE normal, which closes this connection too: a call that finds it closed reconnects
   * and sends again once, so use it for commands that may run twice (reads, REPLICAOF, CONFIG SET).
   */
  async call(name: string, args: (string | number)[]): Promise<RespValue> {
    const p = this.proc(name);
    if (!p.client) throw new Error(`${name} is not running`);
    try {
      return await p.client.call(args);
    } catch (e) {
      if (!p.proc || p.proc.exitCode !== null || p.proc.signalCode !== null) throw e;
      p.client.close();
      p.client = await RespClient.connect(p.port);
      return await p.client.call(args);
    }
  }

  async info(name: string, section = 'replication'): Promise<Record<string, string>> {
    return parseInfo(String(await this.call(name, ['INFO', section])));
  }

  running(name: string): boolean {
    return this.proc(name).client !== null;
  }

  /** INFO replication of every running server ('down' for the others). */
  async replication(): Promise<Record<string, Record<string, string> | 'down'>> {
    const out: Record<string, Record<string, string> | 'down'> = {};
    for (const n of this.servers) out[n] = this.running(n) ? await this.info(n) : 'down';
    return out;
  }

  /** Which server a Sentinel names as master (get-master-addr-by-name). */
  async masterOf(sentinel: string): Promise<string> {
    const r = await this.call(sentinel, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName]);
    return Array.isArray(r) ? this.nameOfPort(String(r[1])) : 'none';
  }

  /** SIGKILL, and wait for the exit. */
  async kill(name: string): Promise<void> {
    const p = this.proc(name);
    p.client?.close();
    p.client = null;
    p.proc?.kill('SIGKILL');
    await p.exited;
    p.proc = null;
  }

  stop(name: string): void {
    this.proc(name).proc?.kill('SIGSTOP');
  }

  cont(name: string): void {
    this.proc(name).proc?.kill('SIGCONT');
  }

  /** Start a killed process again from its config file (rewritten by CONFIG REWRITE or the Sentinel). */
  async restart(name: string): Promise<void> {
    if (this.proc(name).proc) throw new Error(`${name} is running`);
    await this.launch(name);
  }

  /** The log files, read now (they are removed by close()). */
  logs(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of this.procs.values()) {
      try {
        out[p.name] = readFileSync(join(p.dir, p.kind === 'server' ? 'redis.log' : 'sentinel.log'), 'utf8');
      } catch {
        out[p.name] = '';
      }
    }
    return out;
  }

  async waitUntil(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const end = this.now() + timeoutMs;
    for (;;) {
      try {
        if (await cond()) return;
      } catch {
        // a process restarting: try again
      }
      if (this.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await delay(20);
    }
  }

  /** Kill every process (stopped ones too) and remove the directory. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.subs) s.destroy();
    for (const p of this.procs.values()) {
      p.client?.close();
      p.client = null;
      p.proc?.kill('SIGKILL');
      await p.exited;
      p.proc = null;
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Run fn against a fresh setup; every process is killed and the directory removed whatever happens. */
export async function withSentinels<T>(setup: SentinelSetup, fn: (s: RealSentinels) => Promise<T>): Promise<T> {
  const s = await RealSentinels.start(setup);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** One RESP2 reply from buf at pos (pushes are arrays of bulk strings and integers), or null for more bytes. */
function readReply(buf: Buffer, pos: number): { value: RespValue; next: number } | null {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const line = buf.toString('utf8', pos + 1, eol);
  const after = eol + 2;
  switch (buf[pos]) {
    case 0x2b: // +
      return { value: line, next: after };
    case 0x2d: // -
      return { value: new RespError(line), next: after };
    case 0x3a: // :
      return { value: Number(line), next: after };
    case 0x24: { // $
      const n = Number(line);
      if (n < 0) return { value: null, next: after };
      return buf.length < after + n + 2 ? null : { value: buf.toString('utf8', after, after + n), next: after + n + 2 };
    }
    case 0x2a: { // *
      const items: RespValue[] = [];
      let p = after;
      for (let i = 0; i < Number(line); i++) {
        const r = readReply(buf, p);
        if (!r) return null;
        items.push(r.value);
        p = r.next;
      }
      return { value: items, next: p };
    }
    default:
      throw new Error(`RESP: unexpected reply type byte ${buf[pos]}`);
  }
}
