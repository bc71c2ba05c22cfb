// One script, two clusters: the simulator's World and real redis-server 7.0 processes on 127.0.0.1.
// A differential test runs the same steps on both and compares what INFO reports, with replication
// ids and digests replaced by labels in order of first appearance (real ids are random).
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { World } from '../../sim/cluster/world.js';
import type { TraceListener } from '../../sim/kernel/trace.js';
import type { MutantName } from '../../sim/redis/mutants.js';
import { isError } from '../../sim/redis/reply.js';
import { RespClient, RespError } from '../../sim/backends/real/resp.js';
import { parseInfo, redisServerVersion } from '../../sim/backends/real/processes.js';

export type Config = Record<string, string | number>;
/** Settings both clusters run with: disk-based full sync (the modelled path), no periodic PINGs, no saves. */
export const BASE_CONFIG: Config = { save: '', 'repl-diskless-sync': 'no', 'repl-ping-replica-period': 3600 };

/** The INFO fields compared; replids and digests become labels. */
export const FIELDS = [
  'role', 'master_host', 'master_link_status', 'connected_slaves', 'master_replid', 'master_replid2',
  'master_repl_offset', 'second_repl_offset', 'repl_backlog_active', 'repl_backlog_first_byte_offset',
  'repl_backlog_histlen', 'sync_full', 'sync_partial_ok', 'sync_partial_err',
] as const;

export type NodeView = Record<string, string | number>;
export interface Snapshot {
  at: string;
  nodes: Record<string, NodeView | 'down'>;
}

export interface Cluster {
  call(node: string, args: (string | number)[]): Promise<unknown>;
  replicaof(node: string, primary: string | null): Promise<void>;
  /** FAILOVER TO target (answers at once; the failover goes on in the background). */
  failoverTo(node: string, target: string): Promise<unknown>;
  /** Until every running replica of a running node has its link up and its master's offset. */
  waitSync(): Promise<void>;
  /** Until the node's INFO field has this value (60 s at most). */
  waitFor(node: string, field: string, value: string | number): Promise<void>;
  sleep(ms: number): Promise<void>;
  shutdown(node: string, save: boolean): Promise<void>;
  /** kill -9 (the simulator's crash also drops the host's page cache: see sim/net/disk.ts). */
  crash(node: string): Promise<void>;
  /** SIGSTOP now and SIGCONT after ms (returns at once; the process stays stopped meanwhile). */
  pause(node: string, ms: number): Promise<void>;
  restart(node: string, opts?: { replicaof?: string | null }): Promise<void>;
  snapshot(at: string): Promise<Snapshot>;
  close(): Promise<void>;
}


/** Fields of one node, with master_host as a node name; the caller labels ids and digests. */
async function view(c: Cluster, node: string, info: Record<string, string | number>, masterName: string | undefined): Promise<NodeView> {
  const v: NodeView = {};
  for (const k of FIELDS) if (info[k] !== undefined) v[k] = info[k]!;
  if (masterName !== undefined) v.master_host = masterName;
  v.dbsize = (await c.call(node, ['DBSIZE'])) as number; // of the database the node's client has selected
  v.digest = String(await c.call(node, ['DEBUG', 'DIGEST']));
  return v;
}

/** Replace replids and digests by labels in order of first appearance: A, B, ... and d1, d2, ... */
export function labelled(snaps: Snapshot[]): Snapshot[] {
  const ids = new Map<string, string>();
  const digests = new Map<string, string>();
  const label = (m: Map<string, string>, v: string, name: (i: number) => string) => {
    if (!m.has(v)) m.set(v, name(m.size));
    return m.get(v)!;
  };
  return snaps.map((s) => ({
    at: s.at,
    nodes: Object.fromEntries(Object.entries(s.nodes).map(([n, v]) => {
      if (v === 'down') return [n, v];
      const out = { ...v };
      for (const k of ['master_replid', 'master_replid2'] as const) {
        out[k] = /^0+$/.test(String(v[k])) ? '0' : label(ids, String(v[k]), (i) => String.fromCharCode(65 + i));
      }
      out.digest = label(digests, String(v.digest), (i) => `d${i + 1}`);
      return [n, out];
    })),
  }));
}

// ---------------------------------------------------------------------------------------------
// The simulator

export class SimCluster implements Cluster {
  readonly w: World;
  /** `observers` see every trace event from the first (the t=0 starts included). */
  constructor(private readonly names: string[], config: Config = {}, perNode: Record<string, Config> = {}, mutant: MutantName | null = null, observers: TraceListener[] = []) {
    this.w = new World({ seed: 1, config: { ...BASE_CONFIG, ...config }, nodes: Object.fromEntries(names.map((n) => [n, { config: perNode[n] ?? {} }])), mutant, observers });
    this.w.runFor(100_000);
  }

  async call(node: string, args: (string | number)[]): Promise<unknown> {
    const r = this.w.callAndWait(node, args);
    return isError(r) ? new RespError(r.message) : r;
  }

  async replicaof(node: string, primary: string | null): Promise<void> {
    await this.call(node, primary === null ? ['REPLICAOF', 'NO', 'ONE'] : ['REPLICAOF', primary, 6379]);
  }

  failoverTo(node: string, target: string): Promise<unknown> {
    return this.call(node, ['FAILOVER', 'TO', target, 6379]);
  }

  async waitSync(): Promise<void> {
    if (!this.w.waitSync()) throw new Error('simulator: not in sync after 60 s');
  }

  async waitFor(node: string, field: string, value: string | number): Promise<void> {
    if (!this.w.runUntil(() => this.w.isRunning(node) && this.w.info(node)[field] === value, 60_000_000)) throw new Error(`simulator: ${node}.${field} is not ${value} after 60 s`);
  }

  async sleep(ms: number): Promise<void> {
    this.w.runFor(ms * 1000);
  }

  async shutdown(node: string, save: boolean): Promise<void> {
    this.w.callAndWait(node, ['SHUTDOWN', save ? 'SAVE' : 'NOSAVE']);
  }

  async crash(node: string): Promise<void> {
    this.w.crash(node);
  }

  async pause(node: string, ms: number): Promise<void> {
    this.w.pause(node, ms * 1000);
  }

  async restart(node: string, opts: { replicaof?: string | null } = {}): Promise<void> {
    this.w.restart(node, { replicaof: opts.replicaof ?? null });
    this.w.runFor(100_000);
  }

  async snapshot(at: string): Promise<Snapshot> {
    const nodes: Snapshot['nodes'] = {};
    for (const n of this.names) nodes[n] = this.w.isRunning(n) ? await view(this, n, this.w.info(n), this.w.info(n).master_host as string | undefined) : 'down';
    return { at, nodes };
  }

  async close(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// Real redis-server processes

export function realRedisVersion(): string | null {
  return redisServerVersion('redis-server');
}

/** A TCP port nothing listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface RealNode {
  port: number;
  dir: string;
  args: string[];
  proc: ChildProcess | null;
  exited: Promise<void>;
  client: RespClient | null;
}

export class RealCluster implements Cluster {
  private readonly nodes = new Map<string, RealNode>();
  private readonly root = mkdtempSync(join(tmpdir(), 'replsim-real-'));

  private constructor(private readonly names: string[]) {}

  static async start(names: string[], config: Config = {}, perNode: Record<string, Config> = {}): Promise<RealCluster> {
    const c = new RealCluster(names);
    for (const n of names) {
      const dir = join(c.root, n);
      mkdirSync(dir, { recursive: true });
      const conf: Config = { ...BASE_CONFIG, ...config, ...(perNode[n] ?? {}) };
      const args = ['--bind', '127.0.0.1', '--dir', dir, '--logfile', join(dir, 'redis.log'), '--daemonize', 'no', '--appendonly', 'no', '--enable-debug-command', 'yes'];
      for (const [k, v] of Object.entries(conf)) args.push(`--${k}`, String(v));
      c.nodes.set(n, { port: await freePort(), dir, args, proc: null, exited: Promise.resolve(), client: null });
      await c.launch(n, null);
    }
    return c;
  }

  private node(name: string): RealNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  private async launch(name: string, replicaof: string | null): Promise<void> {
    const n = this.node(name);
    const args = ['--port', String(n.port), ...n.args];
    if (replicaof !== null) args.push('--replicaof', '127.0.0.1', String(this.node(replicaof).port));
    // its own process group: close() takes a BGSAVE child along
    const proc = spawn('redis-server', args, { stdio: 'ignore', detached: true });
    n.proc = proc;
    n.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    for (let i = 0; i < 200; i++) {
      try {
        n.client = await RespClient.connect(n.port);
        if ((await n.client.call(['PING'])) === 'PONG') return;
      } catch {
        await delay(10);
      }
    }
    throw new Error(`redis-server for ${name} did not start on port ${n.port}; see ${n.dir}/redis.log`);
  }

  async call(node: string, args: (string | number)[]): Promise<unknown> {
    const c = this.node(node).client;
    if (!c) throw new Error(`${node} is not running`);
    return c.call(args);
  }

  async replicaof(node: string, primary: string | null): Promise<void> {
    await this.call(node, primary === null ? ['REPLICAOF', 'NO', 'ONE'] : ['REPLICAOF', '127.0.0.1', this.node(primary).port]);
  }

  failoverTo(node: string, target: string): Promise<unknown> {
    return this.call(node, ['FAILOVER', 'TO', '127.0.0.1', this.node(target).port]);
  }

  private async info(node: string): Promise<Record<string, string | number>> {
    return parseInfo(String(await this.call(node, ['INFO', 'replication'])) + String(await this.call(node, ['INFO', 'stats'])));
  }

  /** The node's redis.log so far (every start appends to it). */
  logText(node: string): string {
    return readFileSync(join(this.node(node).dir, 'redis.log'), 'utf8');
  }

  /** The node listening on 127.0.0.1:port, or null. */
  nameOf(host: string, port: number): string | null {
    if (host !== '127.0.0.1') return null;
    for (const [name, n] of this.nodes) if (n.port === port) return name;
    return null;
  }

  private nameOfPort(port: string | number): string {
    for (const [name, n] of this.nodes) if (n.port === Number(port)) return name;
    return `port ${port}`;
  }

  async waitSync(): Promise<void> {
    for (let tries = 0; tries < 3000; tries++) {
      if (await this.inSync()) return;
      await delay(20);
    }
    throw new Error('real redis-server: not in sync after 60 s');
  }

  private async inSync(): Promise<boolean> {
    for (const [name, n] of this.nodes) {
      if (!n.client) continue;
      const i = await this.info(name);
      if (i.role !== 'slave') continue;
      const master = this.nameOfPort(i.master_port!);
      if (!this.node(master).client) return false;
      const m = await this.info(master);
      if (i.master_link_status !== 'up' || i.master_repl_offset !== m.master_repl_offset) return false;
    }
    return true;
  }

  async waitFor(node: string, field: string, value: string | number): Promise<void> {
    for (let tries = 0; tries < 3000; tries++) {
      if ((await this.info(node))[field] === value) return;
      await delay(20);
    }
    throw new Error(`real redis-server: ${node}.${field} is not ${value} after 60 s`);
  }

  async sleep(ms: number): Promise<void> {
    await delay(ms);
  }

  async shutdown(node: string, save: boolean): Promise<void> {
    const n = this.node(node);
    const client = n.client!;
    await client.call(['SHUTDOWN', save ? 'SAVE' : 'NOSAVE']).catch(() => undefined); // no reply: the server is gone
    await n.exited;
    client.close();
    n.client = null;
    n.proc = null;
  }

  async pause(node: string, ms: number): Promise<void> {
    const proc = this.node(node).proc!;
    proc.kill('SIGSTOP');
    setTimeout(() => proc.kill('SIGCONT'), ms);
  }

  async crash(node: string): Promise<void> {
    const n = this.node(node);
    n.proc!.kill('SIGKILL');
    await n.exited;
    n.client!.close();
    n.client = null;
    n.proc = null;
  }

  async restart(node: string, opts: { replicaof?: string | null } = {}): Promise<void> {
    await this.launch(node, opts.replicaof ?? null);
  }

  async snapshot(at: string): Promise<Snapshot> {
    const nodes: Snapshot['nodes'] = {};
    for (const n of this.names) {
      if (!this.node(n).client) {
        nodes[n] = 'down';
        continue;
      }
      const info = await this.info(n);
      nodes[n] = await view(this, n, info, info.role === 'slave' ? this.nameOfPort(info.master_port!) : undefined);
    }
    return { at, nodes };
  }

  async close(): Promise<void> {
    for (const n of this.nodes.values()) {
      n.client?.close();
      if (n.proc?.pid !== undefined) {
        try {
          process.kill(-n.proc.pid, 'SIGKILL');
        } catch {
          n.proc.kill('SIGKILL');
        }
      }
      await n.exited;
    }
    rmSync(this.root, { recursive: true, force: true, maxRetries: 5 });
  }
}

// ---------------------------------------------------------------------------------------------
// Scripts: the same steps on both clusters, and the tests that compare them

/** The installed redis-server's version, or null. */
export const REAL_VERSION = realRedisVersion();
/** Set by .ci/run: a missing redis-server fails the run instead of skipping these tests. */
const REAL_REQUIRED = process.env.REPLSIM_REAL_REDIS === '1';

/**
 * A describe block of tests against real redis-server: skipped when none is installed, unless
 * REPLSIM_REAL_REDIS=1 requires one. Its first test fails unless the server is 7.0 (a test, not a
 * hook, so that the summary line counts the failure).
 */
export function describeReal(title: string, body: () => void): void {
  describe.skipIf(!REAL_VERSION && !REAL_REQUIRED)(`${title}: the simulator against real redis-server ${REAL_VERSION ?? '(not installed)'}`, () => {
    it('redis-server is installed and is 7.0', () => {
      expect(REAL_VERSION, 'redis-server not found on the PATH (apt-get install redis-server)').not.toBeNull();
      expect(REAL_VERSION).toMatch(/^7\.0\./);
    });
    body();
  });
}

/** What a script records as it runs; all of it is compared between the two clusters. */
export interface Recorder {
  /** Run a command and record its reply (the Cluster's own call records nothing: for polling, whose count differs). */
  call(node: string, args: (string | number)[]): Promise<unknown>;
  /** Record every node's INFO fields (FIELDS, DBSIZE, digest). */
  snap(at: string): Promise<void>;
  /** Record some INFO fields of one node (sections replication, persistence and stats; a slaveN line cut to its state). */
  observe(label: string, node: string, fields: string[]): Promise<void>;
}

export interface Script {
  nodes: string[];
  config?: Config;
  perNode?: Record<string, Config>;
  run: (c: Cluster, r: Recorder) => Promise<void>;
}

/** What a script recorded: the snapshots (ids and digests as labels), and the replies and observations in order. */
export interface Played {
  snapshots: Snapshot[];
  log: unknown[];
}

/** INFO fields of some sections, with each slaveN line cut to its state (its ip and port differ; its offset is the last ACK, sent by a 1 s cron). */
async function infoOf(c: Cluster, node: string, sections: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const section of sections) {
    for (const line of String(await c.call(node, ['INFO', section])).split('\r\n')) {
      const i = line.indexOf(':');
      if (i <= 0 || line.startsWith('#')) continue;
      const k = line.slice(0, i);
      const v = line.slice(i + 1);
      out[k] = /^slave\d+$/.test(k) ? v.split(',').filter((p) => p.startsWith('state=')).join(',') : v;
    }
  }
  return out;
}

/** Run a script on a cluster, then close it. */
export async function play(c: Cluster, s: Script): Promise<Played> {
  const snapshots: Snapshot[] = [];
  const log: unknown[] = [];
  const r: Recorder = {
    call: async (node, args) => {
      const reply = await c.call(node, args);
      log.push([node, args.join(' ').slice(0, 60), reply instanceof RespError ? { error: reply.message } : reply]);
      return reply;
    },
    snap: async (at) => {
      snapshots.push(await c.snapshot(at));
    },
    observe: async (label, node, fields) => {
      const info = await infoOf(c, node, ['replication', 'persistence', 'stats']);
      log.push([label, node, Object.fromEntries(fields.map((f) => [f, info[f] ?? null]))]);
    },
  };
  try {
    await s.run(c, r);
  } finally {
    await c.close();
  }
  return { snapshots: labelled(snapshots), log };
}

/** The script on real redis-server, then on the simulator (with a mutant, to show a comparison can fail). */
export async function playBoth(s: Script, mutant: MutantName | null = null): Promise<{ real: Played; sim: Played }> {
  const real = await play(await RealCluster.start(s.nodes, s.config, s.perNode), s);
  const sim = await play(new SimCluster(s.nodes, s.config, s.perNode, mutant), s);
  return { real, sim };
}

/** One test per script: the simulator records what real redis-server does. */
export function itMatches(scripts: Record<string, Script>): void {
  for (const [name, script] of Object.entries(scripts)) {
    it(name, async () => {
      const { real, sim } = await playBoth(script);
      expect(sim).toEqual(real);
    });
  }
}
