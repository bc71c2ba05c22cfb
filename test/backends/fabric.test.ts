// The real backend's network (sim/backends/real/fabric.ts): the cut table and its nft rules (pure),
// the loopback fallback, and, where root, ip and nft work, three real redis-servers in namespaces:
// reachability, partitions, one-way cuts, heal, loss, close(), and cleanup after SIGTERM and SIGKILL.
// Skipped with the reason printed when netns is unavailable, unless REPLSIM_REAL_REDIS=1 (CI): then it fails.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../sim/errors.js';
import { CutTable, nftInputScript } from '../../sim/backends/real/cuts.js';
import { createFabric, netnsUnavailable } from '../../sim/backends/real/fabric.js';
import type { NetnsFabric } from '../../sim/backends/real/netns.js';
import { STATE_DIR } from '../../sim/backends/real/reaper.js';
import { RespClient } from '../../sim/backends/real/resp.js';
import { procStart } from '../../sim/backends/real/watchdog.mjs';
import { realRedisVersion } from '../real/clusters.js';

const ROOT = join(import.meta.dirname, '..', '..');
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function unavailable(): string | null {
  const v = realRedisVersion();
  if (v === null) return 'no redis-server on the PATH';
  return netnsUnavailable();
}
const reason = unavailable();
const mustRun = process.env.REPLSIM_REAL_REDIS === '1';
if (reason !== null) console.warn(`test/backends/fabric: netns tests ${mustRun ? 'FAIL' : 'skipped'}: ${reason}`);

describe('cut table and nft rules', () => {
  const t = () => new CutTable(['a', 'b', 'c', 'd']);
  const cut = (c: CutTable) => ['a', 'b', 'c', 'd'].flatMap((to) => c.inputRules(to).filter((r) => r.p === 1).map((r) => `${r.from}>${to}`)).sort();

  it('a partition cuts both ways between groups; a node no group names keeps its links; partitions add up until heal', () => {
    const c = t();
    c.partition([['a'], ['b', 'c']]);
    expect(cut(c)).toEqual(['a>b', 'a>c', 'b>a', 'c>a']);
    c.partition([['b'], ['c']]);
    expect(cut(c)).toEqual(['a>b', 'a>c', 'b>a', 'b>c', 'c>a', 'c>b']);
    c.heal();
    expect(cut(c)).toEqual([]);
  });

  it('isolate cuts one node from all the others; a one-way cut is one direction', () => {
    const c = t();
    c.isolate('b');
    expect(cut(c)).toEqual(['a>b', 'b>a', 'b>c', 'b>d', 'c>b', 'd>b']);
    c.heal();
    c.cutOneWay('c', 'd');
    expect(cut(c)).toEqual(['c>d']);
  });

  it('loss is both ways, everywhere or between two; a cut outranks it; heal keeps it; clear and loss 0 remove it', () => {
    const c = t();
    c.loss(0.25, ['a', 'b']);
    expect(c.inputRules('a')).toEqual([{ from: 'b', p: 0.25 }]);
    expect(c.inputRules('b')).toEqual([{ from: 'a', p: 0.25 }]);
    expect(c.inputRules('c')).toEqual([]);
    c.cutOneWay('a', 'b');
    expect(c.inputRules('b')).toEqual([{ from: 'a', p: 1 }]);
    c.heal();
    expect(c.inputRules('b')).toEqual([{ from: 'a', p: 0.25 }]);
    c.loss(0, ['b', 'a']);
    expect(c.inputRules('a')).toEqual([]);
    c.loss(0.5);
    expect(c.inputRules('d').map((r) => r.from)).toEqual(['a', 'b', 'c']);
    c.clear();
    expect(['a', 'b', 'c', 'd'].flatMap((n) => c.inputRules(n))).toEqual([]);
  });

  it('names the mistake: unknown node, a node in two groups, a probability outside 0..1', () => {
    const c = t();
    expect(() => c.partition([['a'], ['zz']])).toThrow(/partition: unknown node "zz" \(nodes: a, b, c, d\)/);
    expect(() => c.partition([['a', 'b'], ['b']])).toThrow(/node "b" is in two groups/);
    expect(() => c.loss(1.5)).toThrow(UserError);
    expect(() => c.loss(Number.NaN)).toThrow(/from 0 to 1/);
    expect(() => c.cutOneWay('a', 'a')).toThrow(UserError);
    expect(cut(c)).toEqual([]); // nothing half-applied
  });

  it('nft script: one transaction that flushes the chain, a plain drop for a cut, numgen for loss', () => {
    const addr = (n: string) => ({ a: '10.9.9.2', b: '10.9.9.3' })[n]!;
    const lines = nftInputScript([{ from: 'a', p: 1 }, { from: 'b', p: 0.25 }], addr).trim().split('\n');
    expect(lines[0]).toBe('flush chain inet replsim input');
    expect(lines[1]).toBe('add rule inet replsim input ip saddr 10.9.9.2 counter drop');
    expect(lines[2]).toBe('add rule inet replsim input ip saddr 10.9.9.3 numgen random mod 1000000 < 250000 counter drop');
    expect(nftInputScript([], addr)).toBe('flush chain inet replsim input\n');
  });
});

describe('loopback fallback', () => {
  it('gives each node its own 127.0.0.1 port, runs commands as they are, and refuses to cut traffic', async () => {
    const f = await createFabric(['a', 'b', 'c'], { kind: 'loopback' });
    try {
      const eps = f.nodes.map((n) => f.endpoint(n));
      expect(eps.every((e) => e.host === '127.0.0.1')).toBe(true);
      expect(new Set(eps.map((e) => e.port)).size).toBe(3);
      expect(f.controlEndpoint('b')).toEqual(f.endpoint('b'));
      expect(f.nameOf('127.0.0.1', eps[2]!.port)).toBe('c');
      expect(f.nameOf('10.0.0.1', eps[2]!.port)).toBeNull();
      expect(f.wrap('a', ['redis-cli', 'PING'])).toEqual(['redis-cli', 'PING']);
      expect(f.bindAddresses('a')).toEqual(['127.0.0.1']);
      for (const attempt of [() => f.partition([['a'], ['b']]), () => f.cutOneWay('a', 'b'), () => f.isolate('a'), () => f.loss(0.3)]) {
        const err = await attempt().then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(UserError);
        expect((err as Error).message).toMatch(/loopback fallback.*cannot cut.*root with ip and nft/);
      }
      await f.loss(0);
      await f.heal();
      expect(() => f.endpoint('zz')).toThrow(/unknown node "zz"/);
    } finally {
      await f.close();
    }
  });

  it('close() kills an adopted process and removes the state file', async () => {
    const f = await createFabric(['a'], { kind: 'loopback' });
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    f.adopt(sleeper.pid!);
    const inv = f.inventory();
    expect(inv.pids).toEqual([sleeper.pid]);
    expect(existsSync(inv.stateFile)).toBe(true);
    const exited = new Promise<NodeJS.Signals | null>((r) => sleeper.on('exit', (_c, s) => r(s)));
    await f.close();
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(inv.stateFile)).toBe(false);
    await f.close(); // idempotent
  });

  it('refuses duplicate node names', async () => {
    await expect(createFabric(['a', 'a'], { kind: 'loopback' })).rejects.toThrow(/node "a" is named twice/);
  });
});

/** What is left of a fabric's namespaces, links, processes, files and watchdog. */
function leftovers(inv: { netns: string[]; links: string[]; pids: number[]; stateFile: string; watchdogPid: number | null; files?: string[] }): string[] {
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  return [
    ...inv.netns.filter((n) => netns.split('\n').some((l) => l.split(' ')[0] === n)).map((n) => `netns ${n}`),
    ...inv.links.filter((l) => links.includes(` ${l}:`) || links.includes(` ${l}@`)).map((l) => `link ${l}`),
    ...[...inv.pids, ...(inv.watchdogPid === null ? [] : [inv.watchdogPid])].filter((p) => procStart(p) !== null).map((p) => `pid ${p}`),
    ...[inv.stateFile, ...(inv.files ?? [])].filter((f) => existsSync(f)).map((f) => `file ${f}`),
  ];
}

async function waitNothingLeft(inv: Parameters<typeof leftovers>[0], ms: number): Promise<string[]> {
  const until = Date.now() + ms;
  let left = leftovers(inv);
  while (left.length > 0 && Date.now() < until) {
    await delay(50);
    left = leftovers(inv);
  }
  return left;
}

/** Start fabric-child.ts, wait for its "ready", return it with its inventory. */
async function startChild(kind: string): Promise<{ child: ChildProcess; inv: Parameters<typeof leftovers>[0] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/backends/fabric-child.ts'), kind], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\nready\n')) resolve();
    });
    child.on('exit', (code, sig) => reject(new Error(`fabric-child exited (${code ?? sig}) before ready: ${out}`)));
  });
  return { child, inv: JSON.parse(out.split('\n')[0]!) };
}

describe.skipIf(realRedisVersion() === null)('cleanup when the tool is killed (loopback)', () => {
  it('SIGKILL: the watchdog kills the adopted redis-server and removes the state file and scratch folder', async () => {
    const { child, inv } = await startChild('loopback');
    expect(leftovers(inv).length).toBeGreaterThan(2); // the server, the watchdog, the files
    child.kill('SIGKILL');
    expect(await waitNothingLeft(inv, 5000)).toEqual([]);
  }, 30_000);
});

describe.runIf(reason !== null && mustRun)('netns required (REPLSIM_REAL_REDIS=1)', () => {
  it('netns works on this machine', () => {
    expect(reason).toBeNull();
  });
});

describe.skipIf(reason !== null)('netns fabric: three real redis-servers', () => {
  let f: NetnsFabric;
  let dir: string;
  const clients = new Map<string, RespClient>();
  const servers: ChildProcess[] = [];
  const N = ['a', 'b', 'c'];

  const call = (n: string, ...args: (string | number)[]) => clients.get(n)!.call(args);
  /** redis-cli PING from inside `from`'s namespace to `to`'s endpoint: PONG, or 'timeout' when nothing came back in waitMs. */
  const ping = (from: string, to: string, waitMs: number) =>
    new Promise<string>((resolve) => {
      const [cmd, ...args] = f.wrap(from, ['redis-cli', '-h', f.endpoint(to).host, '-p', String(f.endpoint(to).port), 'PING']);
      execFile(cmd!, args, { timeout: waitMs }, (err, stdout) => resolve(err ? ((err as { killed?: boolean }).killed ? 'timeout' : `error ${err.message}`) : stdout.trim()));
    });
  /** ms until every node in `on` has key = value (or -1 after waitMs). */
  async function until(on: string[], key: string, value: string, waitMs: number): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < waitMs) {
      const got = await Promise.all(on.map((n) => call(n, 'GET', key)));
      if (got.every((v) => v === value)) return Date.now() - t0;
      await delay(20);
    }
    return -1;
  }
  /** The replication offset `master` has last heard from replica `name` (its REPLCONF ACKs). */
  async function ackedOffset(master: string, name: string): Promise<number> {
    const info = String(await call(master, 'INFO', 'replication'));
    for (const m of info.matchAll(/slave\d+:ip=([^,]+),port=(\d+),state=\w+,offset=(\d+)/g)) if (f.nameOf(m[1]!, Number(m[2])) === name) return Number(m[3]);
    return -1;
  }

  beforeAll(async () => {
    f = (await createFabric(N, { kind: 'netns' })) as NetnsFabric;
    dir = mkdtempSync(join(tmpdir(), 'replsim-fabric-test-'));
    for (const n of N) {
      const [cmd, ...args] = f.wrap(n, ['redis-server', '--bind', f.bindAddresses(n).join(' '), '--port', String(f.endpoint(n).port), '--protected-mode', 'no', '--save', '', '--appendonly', 'no',
        '--repl-diskless-sync-delay', '0', '--dir', dir, '--dbfilename', `${n}.rdb`, '--logfile', join(dir, `${n}.log`)]);
      const s = spawn(cmd!, args, { stdio: 'ignore' });
      f.adopt(s.pid!);
      servers.push(s);
    }
    for (const n of N) {
      for (let i = 0; !clients.has(n); i++) {
        try {
          clients.set(n, await RespClient.connect(f.controlEndpoint(n).port, f.controlEndpoint(n).host));
        } catch (e) {
          if (i > 200) throw e;
          await delay(25);
        }
      }
    }
  }, 30_000);

  afterAll(async () => {
    for (const c of clients.values()) c.close();
    await f?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('each node has its own address, binds it and 127.0.0.1 only, and reaches the others (REPLICAOF and a sync, redis-cli PING)', async () => {
    const eps = N.map((n) => f.endpoint(n));
    expect(new Set(eps.map((e) => e.host)).size).toBe(3);
    expect(eps.every((e) => e.port === 6379 && /^10\.\d+\.\d+\.\d+$/.test(e.host))).toBe(true);
    expect(N.map((n) => f.nameOf(f.endpoint(n).host, 6379))).toEqual(N);
    expect(f.nameOf(eps[0]!.host, 6380)).toBeNull();
    expect(f.nameOf('127.0.0.1', 6379)).toBeNull();
    for (const [i, n] of N.entries()) {
      const listening = spawnSync('ip', ['netns', 'exec', f.inventory().netns[i]!, 'ss', '-Hltn'], { encoding: 'utf8' }).stdout;
      expect(listening.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)[3]).sort()).toEqual([`${f.endpoint(n).host}:6379`, '127.0.0.1:6379'].sort());
    }
    const rootPids = spawnSync('ss', ['-Hltnp'], { encoding: 'utf8' }).stdout;
    for (const s of servers) expect(rootPids).not.toContain(`pid=${s.pid},`);
    for (const r of ['b', 'c']) expect(await call(r, 'REPLICAOF', f.endpoint('a').host, 6379)).toBe('OK');
    await call('a', 'SET', 'k0', 'v0');
    expect(await until(['b', 'c'], 'k0', 'v0', 10_000)).toBeGreaterThanOrEqual(0);
    const pings = await Promise.all([['a', 'b'], ['a', 'c'], ['b', 'c'], ['c', 'b'], ['b', 'a']].map(([x, y]) => ping(x!, y!, 10_000)));
    expect(pings).toEqual(['PONG', 'PONG', 'PONG', 'PONG', 'PONG']);
  });

  it('partition {a}{b,c} for 10 s: a and b cannot reach each other, b reaches c, the tool reaches all; traffic resumes within 1.5 s of the heal', async () => {
    await f.partition([['a'], ['b', 'c']]);
    const cutAt = Date.now();
    await call('a', 'SET', 'k1', 'v1');
    const [ab, ba, bc, cb] = await Promise.all([ping('a', 'b', 2000), ping('b', 'a', 2000), ping('b', 'c', 10_000), ping('c', 'b', 10_000)]);
    expect({ ab, ba, bc, cb }).toEqual({ ab: 'timeout', ba: 'timeout', bc: 'PONG', cb: 'PONG' });
    expect(await Promise.all(N.map((n) => call(n, 'PING')))).toEqual(['PONG', 'PONG', 'PONG']); // the tool's control traffic
    expect(await Promise.all(['b', 'c'].map((n) => call(n, 'GET', 'k1')))).toEqual([null, null]);
    const dropped = await f.dropped();
    expect(dropped.b!.a).toBeGreaterThan(0);
    expect(dropped.a!.b).toBeGreaterThan(0);
    expect(dropped.c!.b ?? 0).toBe(0);
    await delay(cutAt + 10_000 - Date.now());
    expect(await call('b', 'GET', 'k1')).toBeNull();
    await f.heal();
    // the replication link stalled for 10 s: without the namespaces' tcp_rto_max_ms the next
    // retransmission would come ~2.6 s after the heal (0.2+0.4+...+6.4 s after the write)
    const resumedMs = await until(['b', 'c'], 'k1', 'v1', 5000);
    console.log(`fabric: replication resumed ${resumedMs} ms after a 10 s partition healed`);
    expect(resumedMs).toBeGreaterThanOrEqual(0);
    expect(resumedMs).toBeLessThan(1500);
  }, 30_000);

  it('cutOneWay drops one direction: a -> b stops the stream to b; b -> a stops only b\'s acknowledgements', async () => {
    await f.cutOneWay('a', 'b');
    await call('a', 'SET', 'k2', 'v2');
    expect(await until(['c'], 'k2', 'v2', 5000)).toBeGreaterThanOrEqual(0);
    await delay(1000);
    expect(await call('b', 'GET', 'k2')).toBeNull();
    await f.heal();
    expect(await until(['b'], 'k2', 'v2', 3000)).toBeGreaterThanOrEqual(0);

    await delay(1100); // one REPLCONF ACK a second: let b's acknowledged offset catch up
    await f.cutOneWay('b', 'a');
    await call('a', 'SET', 'k3', 'v3');
    expect(await until(['b'], 'k3', 'v3', 3000)).toBeGreaterThanOrEqual(0); // the data still reaches b
    await delay(1500);
    const masterOffset = Number(/master_repl_offset:(\d+)/.exec(String(await call('a', 'INFO', 'replication')))![1]);
    expect(await ackedOffset('a', 'c')).toBe(masterOffset);
    expect(await ackedOffset('a', 'b')).toBeLessThan(masterOffset); // b's ACKs do not reach a
    await f.heal();
    await delay(1500);
    expect(await ackedOffset('a', 'b')).toBe(masterOffset);
  }, 30_000);

  it('loss 1.0 drops all traffic between nodes and none of the tool\'s; heal leaves loss in place, clear and loss 0 remove it', async () => {
    await f.loss(1);
    const [ab, bc, ca] = await Promise.all([ping('a', 'b', 2000), ping('b', 'c', 2000), ping('c', 'a', 2000)]);
    expect({ ab, bc, ca }).toEqual({ ab: 'timeout', bc: 'timeout', ca: 'timeout' });
    expect(await Promise.all(N.map((n) => call(n, 'PING')))).toEqual(['PONG', 'PONG', 'PONG']);
    await f.loss(0);
    expect(await ping('b', 'c', 10_000)).toBe('PONG');
    await f.loss(1, ['b', 'c']);
    await f.heal();
    const [bc2, ba] = await Promise.all([ping('b', 'c', 2000), ping('b', 'a', 10_000)]);
    expect({ bc2, ba }).toEqual({ bc2: 'timeout', ba: 'PONG' });
    await f.clear();
    expect(await ping('c', 'b', 10_000)).toBe('PONG');
  }, 30_000);

  it('close() leaves no namespace, link, process, state file or watchdog', async () => {
    const inv = f.inventory();
    expect(inv.netns).toHaveLength(3);
    expect(inv.links).toHaveLength(4); // the bridge and three veth pairs
    expect(leftovers(inv).length).toBe(3 + 4 + 3 + 1 + 1); // all there before
    for (const c of clients.values()) c.close();
    clients.clear();
    await f.close();
    expect(await waitNothingLeft(inv, 2000)).toEqual([]);
  });
});

describe.skipIf(reason !== null)('netns cleanup when the tool is killed', () => {
  it('SIGKILL: within a few seconds the watchdog has removed the namespaces, links, redis-server and files', async () => {
    const { child, inv } = await startChild('netns');
    expect(inv.netns).toHaveLength(2);
    expect(leftovers(inv)).toHaveLength(2 + 3 + 2 + 2); // netns, links, server + watchdog, state file + folder
    child.kill('SIGKILL');
    expect(await waitNothingLeft(inv, 5000)).toEqual([]);
  }, 30_000);

  it('SIGTERM: the tool cleans up itself, then dies by the signal', async () => {
    const { child, inv } = await startChild('netns');
    const ended = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    child.kill('SIGTERM');
    expect(await ended).toBe('SIGTERM');
    expect(await waitNothingLeft(inv, 2000)).toEqual([]);
  }, 30_000);

  it('two fabrics at once get different names and subnets; a later fabric reaps what a dead run and its dead watchdog left', async () => {
    const [f1, f2] = await Promise.all([createFabric(['a', 'b'], { kind: 'netns' }), createFabric(['a', 'b'], { kind: 'netns' })]);
    try {
      const [i1, i2] = [f1.inventory(), f2.inventory()];
      expect(i1.netns.filter((n) => i2.netns.includes(n))).toEqual([]);
      expect(i1.links.filter((l) => i2.links.includes(l))).toEqual([]);
      expect(f1.endpoint('a').host.split('.').slice(0, 3)).not.toEqual(f2.endpoint('a').host.split('.').slice(0, 3));
      expect(i1.links.every((l) => l.length <= 15)).toBe(true);
    } finally {
      await Promise.all([f1.close(), f2.close()]);
    }
    // a run that died with its watchdog: its state file names a namespace; the owner's pid is ours
    // with another start time, as after a reuse
    const ns = `replsim-stale${process.pid}`;
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    const stateFile = join(STATE_DIR, `stale${process.pid}.json`);
    writeFileSync(stateFile, JSON.stringify({ version: 1, owner: { pid: process.pid, start: '1' }, watchdog: null, pids: [], netns: [ns], links: [], files: [] }));
    const f3 = await createFabric(['a'], { kind: 'loopback' });
    await f3.close();
    expect(leftovers({ netns: [ns], links: [], pids: [], stateFile, watchdogPid: null })).toEqual([]);
  }, 30_000);
});

