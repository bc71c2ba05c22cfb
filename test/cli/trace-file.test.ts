// --trace: the file format (header, events, unhashed failure/verdict lines, footer), the end-of-run
// observation of every node, and the file rules: `-` is stdout, regular files are replaced whole,
// FIFOs are written through, symlinks are refused, and no .partial file survives Ctrl-C or a kill.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventHash } from '../../sim/kernel/event-hash.js';
import { TRACE_VERSION } from '../../sim/kernel/trace.js';
import { cli, expectUserError, FIX, json, ROOT, tempDir } from './cli.js';

type Line = Record<string, unknown>;
const parse = (text: string): Line[] => text.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
const events = (lines: Line[]) => lines.filter((l) => typeof l.t === 'number');

function cliAsync(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  const child = spawn(process.execPath, ['bin/replsim.js', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

describe('replsim run --trace: the file format', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('header (tool version, mutant, seed, scenario hash, source, the resolved scenario), events, failure and verdict lines, footer; only the events are hashed', () => {
    const path = join(tmp.dir, 'pass.jsonl');
    const out = json<{ trace_hash: string; stats: { trace_events: number }; properties: Record<string, unknown> }>(cli('run', `${FIX}/pass.json`, '--seed', '7', '--json', '--trace', path));
    const lines = parse(readFileSync(path, 'utf8'));
    expect(lines[0]).toEqual({ type: 'trace.header', trace_version: TRACE_VERSION, tool_version: expect.stringMatching(/^\d+\.\d+\.\d+/), scenario: 'cli-pass', scenario_hash: expect.stringMatching(/^[0-9a-f]{16}$/), seed: 7, mutant: null, source: `${FIX}/pass.json`, resolved: expect.objectContaining({ name: 'cli-pass' }) });
    expect(lines.at(-1)).toEqual({ type: 'trace.footer', status: 'pass', failures: 0, trace_hash: out.trace_hash, trace_events: out.stats.trace_events });
    const verdicts = lines.filter((l) => l.type === 'trace.verdict');
    expect(verdicts.map((v) => v.property)).toEqual(Object.keys(out.properties));
    for (const v of verdicts) expect(v).toMatchObject({ held: true, violations: 0, stats: expect.any(Object), notes: expect.any(Array) });
    // the events are exactly the hashed stream: rehashing them gives the run's trace hash
    const raw = readFileSync(path, 'utf8').trimEnd().split('\n');
    const ev = raw.filter((l) => l.startsWith('{"t":'));
    expect(ev.length).toBe(out.stats.trace_events);
    expect(raw.slice(1, 1 + ev.length)).toEqual(ev); // events come between the header and the tail
    const h = new EventHash();
    for (const l of ev) h.update(JSON.parse(l) as object);
    expect(`v${TRACE_VERSION}-${h.digest()}`).toBe(out.trace_hash);
    // the same scenario hashes the same, another scenario differently
    const again = join(tmp.dir, 'again.jsonl');
    cli('run', `${FIX}/pass.json`, '--seed', '8', '--quiet', '--trace', again);
    const other = join(tmp.dir, 'other.jsonl');
    cli('run', `${FIX}/fail-expect.json`, '--quiet', '--trace', other);
    expect(parse(readFileSync(again, 'utf8'))[0]!.scenario_hash).toBe(lines[0]!.scenario_hash);
    expect(parse(readFileSync(other, 'utf8'))[0]!.scenario_hash).not.toBe(lines[0]!.scenario_hash);
  });

  it('a failing run: the header names the mutant, the failures are lines of their own, the footer counts them', () => {
    const path = join(tmp.dir, 'mutant.jsonl');
    const r = cli('run', 'swarm', '--seed', '78', '--mutant', 'promotion-keeps-replid', '--json', '--trace', path);
    expect(r.code, r.stderr).toBe(1);
    const out = json<{ failures: unknown[] }>(r);
    const lines = parse(readFileSync(path, 'utf8'));
    expect(lines[0]).toMatchObject({ mutant: 'promotion-keeps-replid', seed: 78 });
    expect(lines.filter((l) => l.type === 'trace.failure').map(({ type: _t, ...f }) => f)).toEqual(out.failures);
    expect(lines.some((l) => l.type === 'trace.verdict' && l.held === false && (l.violations as number) > 0)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'trace.footer', status: 'fail', failures: out.failures.length });
  });

  it('two-failovers: the trace ends with an observation of every node, even of nodes unchanged since their last one', () => {
    const path = join(tmp.dir, 'tf.jsonl');
    expect(cli('run', 'two-failovers', '--quiet', '--trace', path).code).toBe(0);
    const ev = events(parse(readFileSync(path, 'utf8')));
    const end = ev.filter((e) => e.type === 'redis.obs' && e.why === 'end');
    expect(end.map((e) => e.node)).toEqual(['p', 'r1', 'r2']);
    expect(ev.slice(-3)).toEqual(end);
    expect(end.find((e) => e.node === 'r2')).toMatchObject({ role: 'master', sync_full: 1, sync_partial_ok: 1, sync_partial_err: 1 });
  });
});

describe('replsim run --trace: where the trace may go', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('- streams the trace to stdout and the report to stderr; with --json it is refused', () => {
    const r = cli('run', `${FIX}/pass.json`, '--seed', '7', '--trace', '-');
    expect(r.code, r.stderr).toBe(0);
    const lines = parse(r.stdout);
    expect(lines[0]!.type).toBe('trace.header');
    expect(lines.at(-1)!.type).toBe('trace.footer');
    expect(r.stderr).toContain('replsim run cli-pass');
    expect(r.stderr).toContain('PASS');
    expectUserError(cli('run', `${FIX}/pass.json`, '--trace', '-', '--json'), '--trace -', '--json');
  });

  it('an existing regular file is replaced whole, and no .partial is left', () => {
    const path = join(tmp.dir, 'old.jsonl');
    writeFileSync(path, 'old contents\n');
    expect(cli('run', `${FIX}/pass.json`, '--quiet', '--trace', path).code).toBe(0);
    expect(parse(readFileSync(path, 'utf8'))[0]!.type).toBe('trace.header');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('old'))).toEqual(['old.jsonl']);
  });

  it('a symlink is refused, naming the flag and what is valid; the link and its target are untouched', () => {
    const target = join(tmp.dir, 'precious.txt');
    const link = join(tmp.dir, 'link.jsonl');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, link);
    expectUserError(cli('run', `${FIX}/pass.json`, '--trace', link), `--trace: "${link}" is a symbolic link`, 'regular file', 'FIFO', '- for stdout');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(existsSync(`${link}.partial`)).toBe(false);
  });

  it('a stale .partial that is a symlink is not followed: its target is untouched', () => {
    const victim = join(tmp.dir, 'victim.txt');
    const path = join(tmp.dir, 'stale.jsonl');
    writeFileSync(victim, 'keep me too\n');
    symlinkSync(victim, `${path}.partial`);
    expect(cli('run', `${FIX}/pass.json`, '--quiet', '--trace', path).code).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('keep me too\n');
    expect(parse(readFileSync(path, 'utf8')).at(-1)!.type).toBe('trace.footer');
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('a FIFO is written through (no temporary file, no rename): it is still a FIFO and the reader got the whole trace', async () => {
    const fifo = join(tmp.dir, 'pipe.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let got = '';
    reader.stdout.on('data', (d) => (got += d));
    const read = new Promise((r) => reader.on('close', r));
    let run;
    try {
      run = await cliAsync(['run', `${FIX}/pass.json`, '--seed', '7', '--quiet', '--trace', fifo]).done;
      await read;
    } finally {
      reader.kill(); // a reader still blocked on the FIFO must not outlive the test
    }
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('PASS');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    const lines = parse(got);
    expect(lines[0]!.type).toBe('trace.header');
    expect(lines.at(-1)!.type).toBe('trace.footer');
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('pipe'))).toEqual(['pipe.jsonl']);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during a long run: the process ends by the signal and no .partial file is left`, async () => {
      const dir = join(tmp.dir, signal);
      spawnSync('mkdir', [dir]);
      const sc = join(dir, 'long.json');
      writeFileSync(sc, JSON.stringify({ name: 'cli-long', config: { save: '' }, nodes: { p: {}, r: { replicaof: 'p' } }, steps: [{ op: 'wait-sync' }, { op: 'write', node: 'p', count: 1_000_000, intervalMs: 1 }, { op: 'sleep', ms: 3_600_000 }] }));
      const path = join(dir, 'long.jsonl');
      const { child, done } = cliAsync(['run', sc, '--trace', path]);
      expect(await until(() => existsSync(`${path}.partial`), 30_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300)); // into the run
      child.kill(signal);
      const end = await done;
      // dying by the signal is what a shell reports as 130 / 143
      expect(end.signal === signal || end.code === (signal === 'SIGINT' ? 130 : 143), JSON.stringify(end)).toBe(true);
      expect(await until(() => readdirSync(dir).length === 1, 5_000), readdirSync(dir).join(' ')).toBe(true);
      expect(readdirSync(dir)).toEqual(['long.json']);
    }, 60_000);
  }
});
