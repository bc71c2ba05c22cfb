// A one-way cut on real TCP next to the simulator's partition-oneway: a redis-server 7.0 master and
// replica in two network namespaces joined by a veth pair, one direction dropped with nftables,
// and the same scenario in the simulator. Both must agree on who times out first, that each side
// times out by its own repl-timeout 5-7 s after the cut (the master logs "Disconnecting timedout
// replica" although only one direction was cut), and that the replica syncs partially after the
// heal, receiving exactly the PINGs the master fed while it still had it.
//
// Needs root, `ip netns`, `nft` and redis-server 7.0; otherwise skipped, with the reason printed.
// The measured runs behind it: research/redis-7.0-source-notes.md, "One-way partitions on real TCP".
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { simulate } from '../../sim/index.js';
import { MemorySink } from '../../sim/kernel/trace.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import { realRedisVersion } from './clusters.js';

const run = promisify(execFile);
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const CONFIG = { save: '', 'repl-timeout': 5, 'repl-ping-replica-period': 1, 'repl-diskless-sync': 'no' } as const;
const CUT_MS = 10_000;

/** Why this machine cannot run the test, or null. */
function unavailable(): string | null {
  const version = realRedisVersion();
  if (version === null) return 'no redis-server on the PATH';
  if (!version.startsWith('7.0.')) return `redis-server ${version} is not 7.0`;
  if (process.getuid?.() !== 0) return 'not root (network namespaces need it)';
  if (spawnSync('nft', ['--version']).status !== 0) return 'no nft (apt-get install nftables)';
  const probe = `rsim-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `ip netns add failed: ${(add.stderr || String(add.error)).trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

const reason = unavailable();
if (reason) console.warn(`test/real/oneway-netns: skipped: ${reason}`);

interface Pair {
  tag: string;
  ns: { m: string; r: string };
  ip: { m: string; r: string };
  dir: string;
}

const pairs: Pair[] = [];
const sh = (cmd: string, ...args: string[]) => run(cmd, args, { timeout: 20_000 });
const inNs = (ns: string, cmd: string, ...args: string[]) => sh('ip', 'netns', 'exec', ns, cmd, ...args);

async function info(p: Pair, node: 'm' | 'r'): Promise<Record<string, string>> {
  const { stdout } = await inNs(p.ns[node], 'redis-cli', '-h', '127.0.0.1', '-p', '6379', 'INFO');
  const out: Record<string, string> = {};
  for (const line of stdout.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function setUp(tag: string, subnet: number): Promise<Pair> {
  const p: Pair = { tag, ns: { m: `rsim-${tag}-m`, r: `rsim-${tag}-r` }, ip: { m: `10.${subnet}.0.1`, r: `10.${subnet}.0.2` }, dir: mkdtempSync(join(tmpdir(), `replsim-netns-${tag}-`)) };
  pairs.push(p);
  const vm = `rsv${tag}m`;
  const vr = `rsv${tag}r`;
  await sh('ip', 'netns', 'add', p.ns.m);
  await sh('ip', 'netns', 'add', p.ns.r);
  await sh('ip', 'link', 'add', vm, 'type', 'veth', 'peer', 'name', vr);
  await sh('ip', 'link', 'set', vm, 'netns', p.ns.m);
  await sh('ip', 'link', 'set', vr, 'netns', p.ns.r);
  for (const [node, dev] of [['m', vm], ['r', vr]] as const) {
    await sh('ip', '-n', p.ns[node], 'addr', 'add', `${p.ip[node]}/24`, 'dev', dev);
    await sh('ip', '-n', p.ns[node], 'link', 'set', dev, 'up');
    await sh('ip', '-n', p.ns[node], 'link', 'set', 'lo', 'up');
    const conf = Object.entries(CONFIG).flatMap(([k, v]) => [`--${k}`, String(v)]);
    const args = ['--bind', `${p.ip[node]} 127.0.0.1`, '--port', '6379', '--dir', p.dir, '--dbfilename', `${node}.rdb`, '--logfile', join(p.dir, `${node}.log`),
      '--pidfile', join(p.dir, `${node}.pid`), '--daemonize', 'yes', '--protected-mode', 'no', '--appendonly', 'no', ...conf];
    if (node === 'r') args.push('--replicaof', p.ip.m, '6379');
    await inNs(p.ns[node], 'redis-server', ...args);
  }
  for (let i = 0; i < 200; i++) {
    try {
      if ((await info(p, 'r')).master_link_status === 'up') return p;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  throw new Error(`${tag}: the replica did not sync; see ${p.dir}`);
}

function tearDown(p: Pair): void {
  for (const node of ['m', 'r'] as const) {
    try {
      const pid = Number(readFileSync(join(p.dir, `${node}.pid`), 'utf8'));
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // not started, or already gone
    }
  }
  spawnSync('ip', ['netns', 'del', p.ns.m]);
  spawnSync('ip', ['netns', 'del', p.ns.r]); // the veth pair goes with its namespaces
  rmSync(p.dir, { recursive: true, force: true });
}

afterAll(() => {
  for (const p of pairs) tearDown(p);
});

interface Outcome {
  /** ms from the cut until the replica's link went down / the master dropped the replica. */
  replicaDownMs: number;
  masterDropMs: number;
  masterTimedOut: boolean;
  partialBytes: number;
  syncs: { full: number; ok: number; err: number };
}

/** The real pair: cut `from -> to` at the receiver's input for CUT_MS, heal, wait for the partial resync. */
async function real(tag: string, subnet: number, from: 'm' | 'r', to: 'm' | 'r'): Promise<Outcome> {
  const p = await setUp(tag, subnet);
  await delay(1500);
  const ns = p.ns[to];
  await inNs(ns, 'nft', 'add', 'table', 'inet', 'rsim');
  await inNs(ns, 'nft', 'add', 'chain', 'inet', 'rsim', 'in', '{ type filter hook input priority 0; }');
  await inNs(ns, 'nft', 'add', 'rule', 'inet', 'rsim', 'in', 'ip', 'saddr', p.ip[from], 'drop');
  const cutAt = Date.now();
  let replicaDownMs = -1;
  let masterDropMs = -1;
  while (Date.now() < cutAt + CUT_MS) {
    const [m, r] = await Promise.all([info(p, 'm'), info(p, 'r')]);
    const t = Date.now() - cutAt;
    if (replicaDownMs < 0 && r.master_link_status === 'down') replicaDownMs = t;
    if (masterDropMs < 0 && m.connected_slaves === '0') masterDropMs = t;
    await delay(100);
  }
  await inNs(ns, 'nft', 'delete', 'table', 'inet', 'rsim');
  for (let i = 0; i < 100 && (await info(p, 'r')).master_link_status !== 'up'; i++) await delay(100);
  const m = await info(p, 'm');
  const log = readFileSync(join(p.dir, 'm.log'), 'utf8');
  const sent = /Partial resynchronization request from .* accepted\. Sending (\d+) bytes of backlog/.exec(log);
  return {
    replicaDownMs,
    masterDropMs,
    masterTimedOut: log.includes('Disconnecting timedout replica (streaming sync)'),
    partialBytes: sent ? Number(sent[1]) : -1,
    syncs: { full: Number(m.sync_full), ok: Number(m.sync_partial_ok), err: Number(m.sync_partial_err) },
  };
}

/** The same scenario in the simulator. */
function simulated(from: 'm' | 'r', to: 'm' | 'r'): Outcome {
  const sink = new MemorySink();
  const res = simulate({
    name: `netns-${from}-${to}`,
    config: CONFIG,
    nodes: { m: {}, r: { replicaof: 'm' } },
    steps: [{ op: 'wait-sync' }, { op: 'sleep', ms: 1500 }, { op: 'partition-oneway', from, to }, { op: 'sleep', ms: CUT_MS }, { op: 'heal' }, { op: 'sleep', ms: 3000 }],
  } as never, { seed: 1, sink });
  const events = sink.lines.map((l) => JSON.parse(l) as TraceEvent);
  const cutAt = events.find((e) => e.type === 'net.partition')!.t;
  const ms = (e: TraceEvent | undefined) => (e ? Math.round((e.t - cutAt) / 1000) : -1);
  const drop = events.find((e) => e.type === 'redis.replica-drop');
  const psync = events.find((e) => e.type === 'redis.psync' && e.t > cutAt) as Extract<TraceEvent, { type: 'redis.psync' }> | undefined;
  const n = res.nodes.m!;
  return {
    replicaDownMs: ms(events.find((e) => e.type === 'redis.link' && e.node === 'r' && e.status === 'down')),
    masterDropMs: ms(drop),
    masterTimedOut: drop !== undefined && drop.type === 'redis.replica-drop' && drop.reason === 'timeout',
    partialBytes: psync && psync.result === 'continue' ? psync.master_repl_offset - psync.requested_offset + 1 : -1,
    syncs: { full: Number(n.sync_full), ok: Number(n.sync_partial_ok), err: Number(n.sync_partial_err) },
  };
}

function expectSameShape(realRun: Outcome, sim: Outcome, first: 'replica' | 'master', missedPings: [number, number]): void {
  console.log(`one-way cut, ${first} first: real ${JSON.stringify(realRun)}, simulated ${JSON.stringify(sim)}`);
  for (const o of [realRun, sim]) {
    // each side by its own repl-timeout: more than 5 whole seconds since the second of the last
    // byte it received, checked by a once-a-second cron; the last byte can be up to ~1 s after the
    // cut (the one message that crosses), so 4-8.5 s after it (4.76-8.18 s measured)
    for (const t of [o.replicaDownMs, o.masterDropMs]) {
      expect(t).toBeGreaterThan(4000);
      expect(t).toBeLessThan(8500);
    }
    // the side that stops receiving first times out first (in every real run so far, by 0.27-3.1 s;
    // the whole-second check can bring the two together, hence the margin)
    const [firstMs, otherMs] = first === 'replica' ? [o.replicaDownMs, o.masterDropMs] : [o.masterDropMs, o.replicaDownMs];
    expect(firstMs).toBeLessThan(otherMs + 500);
    expect(o.masterTimedOut).toBe(true);
    expect(o.syncs).toEqual({ full: 1, ok: 1, err: 0 });
    // what the master fed after the replica's last byte until it dropped it: PINGs only, 14 bytes
    // each, one per replicationCron until the drop (less the one that crossed a replica -> master
    // cut before the master's ACKs were missed): 98 (m -> r) and 70 (r -> m) bytes in most runs,
    // 112 when the cron's phase fits one more PING before the drop
    expect(o.partialBytes % 14).toBe(0);
    expect(o.partialBytes / 14).toBeGreaterThanOrEqual(missedPings[0]);
    expect(o.partialBytes / 14).toBeLessThanOrEqual(missedPings[1]);
  }
}

describe.skipIf(reason !== null)('one-way cut on real TCP (network namespaces) and in the simulator', () => {
  it('both directions at once: the same side times out first, both by repl-timeout, then a partial resync', async () => {
    const tag = String(process.pid % 100000);
    const [m2r, r2m] = await Promise.all([real(`${tag}a`, 57, 'm', 'r'), real(`${tag}b`, 58, 'r', 'm')]);
    expectSameShape(m2r, simulated('m', 'r'), 'replica', [4, 8]);
    expectSameShape(r2m, simulated('r', 'm'), 'master', [3, 7]);
  }, 60_000);
});
