// `replsim run --backend real` and `replsim diff SCENARIO` from the command line: a run on real
// redis-server processes in the simulator's JSON shape, refusals before anything starts (exit 2),
// and a diff that finds a real difference (the simulator's crash loses the page cache; kill -9 does not).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cli, cliWithEnv, expectUserError, json, tempDir } from '../cli/cli.js';
import { describeReal } from '../real/clusters.js';
import { netnsUnavailable } from '../../sim/backends/real/fabric.js';

const netns = netnsUnavailable() === null;
/** A process's working folder ('' once it is gone): redis-server changes into its `dir`, and its children keep it. */
const cwdOf = (pid: number) => {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
};

describeReal('replsim run --backend real and replsim diff SCENARIO', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('runs failover-clean on real processes: the promoted r1 serves both by partial sync, as in the simulator', () => {
    const r = cli('run', 'failover-clean', '--backend', 'real', '--network', 'loopback', '--json', '--keep', join(tmp.dir, 'kept'));
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ backend: string; status: string; nodes: Record<string, Record<string, unknown>>; events: { type: string; node: string; result?: string }[]; properties: Record<string, { violations: number; checked: number }>; parameters: { network: string } }>(r);
    expect(out.backend).toBe('real');
    expect(out.parameters.network).toBe('loopback');
    expect(out.nodes.r1).toMatchObject({ running: true, role: 'master', connected_slaves: 2, sync_partial_ok: 2, sync_full: 0, dbsize: 20 });
    for (const n of ['p', 'r2']) expect(out.nodes[n]).toMatchObject({ role: 'slave', master_host: 'r1', master_link_status: 'up', master_repl_offset: out.nodes.r1!.master_repl_offset });
    expect(out.events.filter((e) => e.type === 'redis.psync' && e.node === 'r1').map((e) => e.result)).toEqual(['continue', 'continue']);
    expect(out.properties['equal-id-offset-equal-data']!.violations).toBe(0);
    expect(out.properties['equal-id-offset-equal-data']!.checked).toBeGreaterThan(0);
    // --keep: every node's folder, with its config and log
    for (const n of ['p', 'r1', 'r2']) expect(readdirSync(join(tmp.dir, 'kept', n)).sort()).toEqual(expect.arrayContaining(['redis.conf', 'redis.log']));
  }, 60_000);

  it('a crash (SIGKILL, which the process cannot log) is in the events, between the node\'s two starts', () => {
    const file = join(tmp.dir, 'crash.json');
    writeFileSync(file, JSON.stringify({ name: 'crash', config: { save: '' }, nodes: { m: {}, r: { replicaof: 'm' } }, steps: [{ op: 'wait-sync' }, { op: 'crash', node: 'm' }, { op: 'restart', node: 'm' }, { op: 'wait-sync' }] }));
    const r = cli('run', file, '--backend', 'real', '--network', 'loopback', '--json');
    expect(r.code, r.stderr).toBe(0);
    const events = json<{ events: { type: string; node: string; how?: string }[] }>(r).events.filter((e) => e.node === 'm' && (e.type === 'redis.start' || e.type === 'redis.stop'));
    expect(events.map((e) => e.how ?? e.type)).toEqual(['redis.start', 'crash', 'redis.start']);
  }, 60_000);

  it('the end of a run takes a BGSAVE child along (each server leads its own process group)', () => {
    // this run's children only (other test files run real deployments at the same time): the ones
    // working in its private TMPDIR, where its servers' folders are
    const own = join(tmp.dir, 'bgsave-run-tmp');
    mkdirSync(own);
    const bgsaves = () => (spawnSync('pgrep', ['-f', '^redis-rdb-bgsave'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l !== '' && cwdOf(Number(l)).startsWith(own + '/'));
    const file = join(tmp.dir, 'bgsave.json');
    // 20 keys at 1 s each: the child is still saving when the run ends
    writeFileSync(file, JSON.stringify({ name: 'bgsave', config: { save: '', 'rdb-key-save-delay': 1_000_000 }, nodes: { m: {} }, steps: [{ op: 'write', node: 'm', count: 20 }, { op: 'command', node: 'm', args: ['BGSAVE'] }, { op: 'run-until', node: 'm', rdb_bgsave_in_progress: 1, timeoutMs: 5000 }] }));
    const r = cliWithEnv({ TMPDIR: own }, 'run', file, '--backend', 'real', '--network', 'loopback', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ nodes: { m: { rdb_bgsave_in_progress: number } } }>(r).nodes.m.rdb_bgsave_in_progress).toBe(1);
    expect(bgsaves()).toEqual([]);
  }, 60_000);

  it('refuses, before starting anything, what the real backend cannot run, and flags meant for the other backend', () => {
    // the runs' private TMPDIR: a run that started would leave its scratch folder and watchdog state there
    const own = join(tmp.dir, 'refused-runs-tmp');
    mkdirSync(own);
    const cli = (...args: string[]) => cliWithEnv({ TMPDIR: own }, ...args);
    expectUserError(cli('run', 'jepsen-2013', '--backend', 'real'), '"clients": application clients are not on the real backend yet');
    expectUserError(cli('run', 'failover-clean', '--backend', 'real', '--trace', join(tmp.dir, 't.jsonl')), '--trace is for the simulator');
    expect(existsSync(join(tmp.dir, 't.jsonl'))).toBe(false);
    expectUserError(cli('run', 'failover-clean', '--network', 'netns'), '--network is for --backend real');
    expectUserError(cli('run', 'failover-clean', '--backend', 'real', '--redis-server', '/nonexistent/redis-server'), '/nonexistent/redis-server does not run');
    writeFileSync(join(tmp.dir, 'kept2'), 'x');
    expectUserError(cli('run', 'failover-clean', '--backend', 'real', '--keep', join(tmp.dir, 'kept2')), 'already exists');
    const lat = join(tmp.dir, 'lat.json');
    writeFileSync(lat, JSON.stringify({ name: 'lat', nodes: { m: {} }, steps: [{ op: 'network', latency: '5ms' }] }));
    expectUserError(cli('run', lat, '--backend', 'real'), 'cannot be emulated on this kernel');
    // nothing was started: no scratch folder, no watchdog state
    expect(readdirSync(own)).toEqual([]);
  }, 60_000);

  it.skipIf(!netns)('replsim killed with SIGKILL mid-run leaves no redis-server, namespace or folder behind', async () => {
    // other test files run real deployments at the same time: this run's own are told apart by its
    // private TMPDIR (its scratch folders, its watchdog's state) and by its servers' working folders
    // (redis-server changes into its `dir`, under that TMPDIR)
    const own = join(tmp.dir, 'killed-run-tmp');
    mkdirSync(own);
    const sh = (cmd: string, ...args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' }).stdout;
    const namespaces = () => sh('ip', 'netns', 'list').split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith('replsim-'));
    const pidsIn = (ns: string) => sh('ip', 'netns', 'pids', ns).split('\n').filter((l) => l !== '').map(Number);
    const leftFiles = () => readdirSync(own, { recursive: true, withFileTypes: true }).filter((f) => !f.isDirectory()).map((f) => join(f.parentPath, f.name));
    const leftDirs = () => readdirSync(own).filter((f) => f.startsWith('replsim-real-'));
    const alive = (pid: number) => spawnSync('kill', ['-0', String(pid)]).status === 0;
    const tool = spawn(process.execPath, ['bin/replsim.js', 'run', 'backlog-ttl-demote', '--backend', 'real'], { cwd: join(import.meta.dirname, '..', '..'), stdio: 'ignore', env: { ...process.env, TMPDIR: own } });
    // the run's namespaces and the redis-server in each (a redis-server renames itself: found by namespace and folder, not command line)
    let mine: string[] = [];
    let pids: number[] = [];
    for (let i = 0; i < 200 && pids.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      mine = namespaces().filter((n) => pidsIn(n).some((p) => cwdOf(p).startsWith(own + '/')));
      pids = mine.flatMap(pidsIn);
    }
    expect(pids.length, 'the run started its two servers').toBe(2);
    expect(leftDirs().length, 'its scratch folder is in its TMPDIR').toBe(1);
    tool.kill('SIGKILL');
    const left = () => ({ servers: pids.filter(alive), netns: namespaces().filter((n) => mine.includes(n)), dirs: leftDirs(), files: leftFiles() });
    const none = { servers: [], netns: [], dirs: [], files: [] };
    for (let i = 0; i < 100 && JSON.stringify(left()) !== JSON.stringify(none); i++) await new Promise((r) => setTimeout(r, 100));
    expect(left()).toEqual(none);
  }, 60_000);

  it.skipIf(!netns)('diff: master-restart-aof differs (kill -9 keeps the page cache the simulated crash loses), failover-clean does not', () => {
    const d = cli('diff', 'master-restart-aof', '--json');
    expect(d.code, d.stderr).toBe(1);
    const out = JSON.parse(d.stdout) as { same: boolean; fields: { node: string; field: string; sim: unknown; real: unknown }[] };
    expect(out.same).toBe(false);
    const m = out.fields.find((f) => f.node === 'm' && f.field === 'dbsize')!;
    expect(m.real as number).toBeGreaterThan(m.sim as number);
    const kept = join(tmp.dir, 'diff-kept');
    const same = cli('diff', 'failover-clean', '--keep', kept);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toMatch(/^SAME: failover-clean seed 1/);
    // --keep: the real side's node dirs, each with its log, for reading what the diff summarised
    expect(readdirSync(kept).sort()).toEqual(['p', 'r1', 'r2']);
    expect(existsSync(join(kept, 'r1', 'redis.log'))).toBe(true);
    expectUserError(cli('diff', 'failover-clean', '--keep', kept), `--keep: "${kept}" already exists`);
  }, 120_000);
});
