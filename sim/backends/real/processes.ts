// The real backend's redis-server processes: one per scenario node, each with its own dir and
// redis.conf (the scenario's config), started in its network by the fabric, killed, stopped,
// continued, shut down and restarted over the same dir; INFO read back with node names for addresses.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigMap } from '../../scenario/types.js';
import { UserError } from '../../errors.js';
import type { Fabric } from './fabric.js';
import { RespClient, RespError, type RespValue } from './resp.js';
import type { LogEvent } from './log-events.js';
import { sleepMs } from '../../harness/wall-clock.js';

/** An INFO number; 40 zeros (an unset replication id) stays text. */
const NUMBER = /^-?(0|[1-9]\d*)$/;

/** `p`, or 'late' once ms have passed (the timer does not outlive the race). */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The version of a redis-server binary ("7.0.15"), or null when it does not run. */
export function redisServerVersion(bin: string): string | null {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return /v=(\S+)/.exec(r.stdout)?.[1] ?? null;
}

/** INFO text as fields, numbers as numbers (addresses left as the server wrote them). */
export function parseInfo(text: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i <= 0 || line.startsWith('#')) continue;
    const v = line.slice(i + 1);
    out[line.slice(0, i)] = NUMBER.test(v) ? Number(v) : v;
  }
  return out;
}

/** A config value as a redis.conf line takes it: yes/no for booleans, "" for an empty string. */
function confValue(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  const s = String(v);
  return s === '' ? '""' : s;
}

interface Proc {
  dir: string;
  conf: string;
  child: ChildProcess | null;
  exited: Promise<void>;
  client: RespClient | null;
  /** SIGCONT timers of a pause in progress. */
  resume: NodeJS.Timeout | null;
}

export interface ProcessesOptions {
  redisServer: string;
  root: string;
  config: ConfigMap;
  nodes: Record<string, { config: ConfigMap; replicaof?: string | null }>;
}

export class RedisProcesses {
  private readonly procs = new Map<string, Proc>();
  private readonly kills: LogEvent[] = [];

  constructor(private readonly fabric: Fabric, private readonly o: ProcessesOptions) {
    for (const [name, spec] of Object.entries(o.nodes)) {
      const dir = join(o.root, name);
      mkdirSync(dir, { recursive: true });
      const conf = join(dir, 'redis.conf');
      this.procs.set(name, { dir, conf, child: null, exited: Promise.resolve(), client: null, resume: null });
      writeFileSync(conf, this.confText(name, { ...o.config, ...spec.config }, spec.replicaof ?? null));
    }
  }

  get names(): string[] {
    return [...this.procs.keys()];
  }

  private proc(name: string): Proc {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no node ${name}`);
    return p;
  }

  /** What the real process needs besides the scenario's config: where to listen, its files, debug commands. */
  private confText(name: string, config: ConfigMap, replicaof: string | null): string {
    const ep = this.fabric.endpoint(name);
    const p = this.proc(name);
    const lines = [
      `bind ${this.fabric.bindAddresses(name).join(' ')}`,
      `port ${ep.port}`,
      'protected-mode no',
      'daemonize no',
      `dir ${p.dir}`,
      `logfile ${join(p.dir, 'redis.log')}`,
      'enable-debug-command yes',
    ];
    for (const [k, v] of Object.entries(config)) {
      if (k === 'replicaof' || k === 'slaveof') continue;
      lines.push(`${k} ${confValue(v)}`);
    }
    if (replicaof !== null) lines.push(this.replicaofLine(replicaof));
    return lines.join('\n') + '\n';
  }

  private replicaofLine(master: string): string {
    const ep = this.fabric.endpoint(master);
    return `replicaof ${ep.host} ${ep.port}`;
  }

  /** The operator edits the config file before a restart: replicaof a node, or none. */
  private setReplicaof(name: string, master: string | null): void {
    const p = this.proc(name);
    const kept = readFileSync(p.conf, 'utf8').split('\n').filter((l) => l !== '' && !/^(replicaof|slaveof)\s/i.test(l));
    if (master !== null) kept.push(this.replicaofLine(master));
    writeFileSync(p.conf, kept.join('\n') + '\n');
  }

  isRunning(name: string): boolean {
    return this.proc(name).child !== null;
  }

  /** Stopped by a pause (SIGSTOP) that has not ended: a command to it waits until SIGCONT. */
  isPaused(name: string): boolean {
    return this.proc(name).resume !== null;
  }

  /** Start the node's process (a restart over the same dir, `wipe`: an empty one) and wait until it answers PING. */
  async start(name: string, opts: { replicaof?: string | null; wipe?: boolean } = {}): Promise<void> {
    const p = this.proc(name);
    if (p.child) throw new Error(`node ${name} is still running`);
    if (opts.replicaof !== undefined) this.setReplicaof(name, opts.replicaof);
    if (opts.wipe) {
      for (const f of readdirSync(p.dir)) if (f !== 'redis.conf' && f !== 'redis.log') rmSync(join(p.dir, f), { recursive: true, force: true });
    }
    const [cmd, ...args] = this.fabric.wrap(name, [this.o.redisServer, p.conf]);
    // TZ=UTC: log lines carry the epoch time, so log-events.ts can merge them with this clock
    // detached: its own process group, so that the final cleanup takes its fork children along
    // (a crash step kills the server alone, as kill -9 does); and a terminal's Ctrl-C is the tool's
    const child = spawn(cmd!, args, { stdio: 'ignore', detached: true, env: { ...process.env, TZ: 'UTC' } });
    p.child = child;
    p.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    if (child.pid !== undefined) this.fabric.adopt(child.pid);
    let gone = false;
    void p.exited.then(() => {
      gone = true;
      // however it went (SHUTDOWN sent by a step, a crash), the node is down from now on
      if (p.child !== child) return;
      p.client?.close();
      p.client = null;
      p.child = null;
    });
    const ep = this.fabric.controlEndpoint(name);
    for (let i = 0; i < 500 && !gone; i++) {
      try {
        const c = await RespClient.connect(ep.port, ep.host);
        let reply = await c.call(['PING']);
        // the process may still be loading its RDB or AOF: wait until it serves commands
        while (reply instanceof RespError && reply.message.startsWith('LOADING')) {
          await sleepMs(10);
          reply = await c.call(['PING']);
        }
        if (reply === 'PONG') {
          p.client = c;
          return;
        }
        c.close();
      } catch {
        // not listening yet
      }
      await sleepMs(10);
    }
    throw new UserError(`redis-server for node ${name} did not start (${this.o.redisServer}); its log: ${join(p.dir, 'redis.log')}`);
  }

  /** kill -9. */
  async crash(name: string): Promise<void> {
    const p = this.proc(name);
    if (!p.child) return;
    this.cancelResume(p);
    p.child.kill('SIGKILL');
    this.kills.push({ t: 0, ms: Date.now(), node: name, line: 0, type: 'redis.stop', how: 'crash', saved: false });
    await this.gone(p);
  }

  /** The crashes this run made: a killed process logs nothing, so they join the log events from here. */
  crashes(): readonly LogEvent[] {
    return this.kills;
  }

  /** SIGSTOP now, SIGCONT after ms (returns at once). */
  pause(name: string, ms: number): void {
    const p = this.proc(name);
    const child = p.child;
    if (!child) return;
    this.cancelResume(p);
    child.kill('SIGSTOP');
    p.resume = setTimeout(() => {
      p.resume = null;
      child.kill('SIGCONT');
    }, ms);
  }

  private cancelResume(p: Proc): void {
    if (p.resume === null) return;
    clearTimeout(p.resume);
    p.resume = null;
    p.child?.kill('SIGCONT');
  }

  /** SHUTDOWN [SAVE|NOSAVE]; waits for the process to exit (a master may wait for its replicas first). */
  async shutdown(name: string, save: boolean | undefined, waitMs: number): Promise<void> {
    const p = this.proc(name);
    if (!p.child || !p.client) return;
    const args = save === undefined ? ['SHUTDOWN'] : ['SHUTDOWN', save ? 'SAVE' : 'NOSAVE'];
    void p.client.call(args).catch(() => undefined); // no reply: the server is gone
    if ((await within(p.exited, waitMs)) === 'late') throw new Error(`node ${name} did not exit within ${waitMs} ms of SHUTDOWN`);
    await this.gone(p);
  }

  /**
   * A SHUTDOWN command as a step sends it (any arguments): 'exited' once the process is gone (no
   * reply comes then), else the server's reply (an error: it did not shut down).
   */
  async shutdownCommand(name: string, args: (string | number)[], waitMs: number): Promise<RespValue | 'exited' | undefined> {
    const p = this.proc(name);
    if (!p.child || !p.client) return undefined;
    const reply = p.client.call(args.map(String)).catch(() => undefined);
    const exited = p.exited.then(() => 'exited' as const);
    const r = await within(Promise.race([reply.then((v) => (v === undefined ? exited : v)), exited]), waitMs);
    if (r === 'late') throw new Error(`node ${name} did not exit within ${waitMs} ms of ${args.join(' ')}`);
    if (r === 'exited') await this.gone(p);
    return r;
  }

  private async gone(p: Proc): Promise<void> {
    await p.exited;
    p.client?.close();
    p.client = null;
    p.child = null;
  }

  /** A command on the node's control connection; undefined when the node is down. */
  async call(name: string, args: (string | number)[]): Promise<RespValue | undefined> {
    const p = this.proc(name);
    if (!p.client || p.client.isClosed) return undefined;
    try {
      return await p.client.call(args.map(String));
    } catch {
      return undefined; // the process went away under the command (SHUTDOWN, a crash)
    }
  }

  /** A command whose node names (REPLICAOF host, FAILOVER TO host) become the real addresses. */
  async command(name: string, args: (string | number)[]): Promise<RespValue | undefined> {
    return this.call(name, this.toAddresses(args));
  }

  toAddresses(args: (string | number)[]): (string | number)[] {
    const out = args.slice();
    const cmd = String(out[0] ?? '').toUpperCase();
    const at = cmd === 'REPLICAOF' || cmd === 'SLAVEOF' ? 1 : cmd === 'FAILOVER' ? out.findIndex((a) => String(a).toUpperCase() === 'TO') + 1 : 0;
    if (at > 0 && at < out.length && this.procs.has(String(out[at]))) {
      const ep = this.fabric.endpoint(String(out[at]));
      const hasPort = at + 1 < out.length && NUMBER.test(String(out[at + 1]));
      out.splice(at, hasPort ? 2 : 1, ep.host, ep.port);
    }
    return out;
  }

  /** Every INFO field of the node, numbers as numbers, addresses as node names; null when down. */
  async info(name: string): Promise<Record<string, string | number> | null> {
    const text = await this.call(name, ['INFO', 'everything']);
    if (typeof text !== 'string') return null;
    const out = parseInfo(text);
    if (typeof out.master_host === 'string') out.master_host = this.fabric.nameOf(out.master_host, Number(out.master_port)) ?? out.master_host;
    if (out.master_port !== undefined) out.master_port = 6379;
    for (const k of Object.keys(out)) {
      if (!/^slave\d+$/.test(k)) continue;
      out[k] = String(out[k]).replace(/ip=([^,]+),port=(\d+)/, (all, ip: string, port: string) => {
        const n = this.fabric.nameOf(ip, Number(port));
        return n === null ? all : `ip=${n},port=6379`;
      });
    }
    return out;
  }

  /** The node's control connection now (a restart opens a new one, in db 0 and outside any MULTI); null when down. */
  connection(name: string): object | null {
    return this.proc(name).client;
  }

  logPath(name: string): string {
    return join(this.proc(name).dir, 'redis.log');
  }

  logText(name: string): string {
    const f = this.logPath(name);
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  /** Kill every process still running (continued first if stopped), with its fork children. */
  async stopAll(): Promise<void> {
    for (const p of this.procs.values()) {
      if (!p.child) continue;
      this.cancelResume(p);
      try {
        process.kill(-p.child.pid!, 'SIGKILL');
      } catch {
        p.child.kill('SIGKILL');
      }
      await this.gone(p);
    }
  }
}
