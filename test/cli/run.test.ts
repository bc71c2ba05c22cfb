// replsim run: the --json result, exit codes for pass / expectation failure / liveness failure,
// repeatable trace hashes, and --trace files written whole or not at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, expectUserError, FIX, json, tempDir } from './cli.js';

type NodeOut = { running: boolean; digest: string | null; dbsize: number | null } & Record<string, string | number | boolean | null>;
interface RunOut {
  scenario: string;
  seed: number | string;
  status: string;
  failures: { kind: string; step?: number; op?: string; node?: string[]; time_us: number; field?: string; expected?: unknown; actual?: unknown; message: string }[];
  nodes: Record<string, NodeOut>;
  stats: { events: number; trace_events: number; simulated_us: number; wall_ms: number };
  trace_hash: string;
  reproduce: string;
}

describe('replsim run', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);
  let first: RunOut;

  it('--json on a passing scenario: one JSON object with status, nodes in Redis terms, stats, trace hash; exit 0', () => {
    const r = cli('run', `${FIX}/pass.json`, '--seed', '7', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    first = json<RunOut>(r);
    expect(first).toMatchObject({ scenario: 'cli-pass', seed: 7, status: 'pass', failures: [], reproduce: `replsim run ${FIX}/pass.json --seed 7` });
    expect(Object.keys(first.nodes)).toEqual(['p', 'r1', 'r2']);
    const { p, r1, r2 } = first.nodes as Record<'p' | 'r1' | 'r2', NodeOut>;
    expect(p).toMatchObject({ running: true, role: 'master', connected_slaves: 2, master_repl_offset: expect.any(Number) });
    for (const rep of [r1, r2]) {
      expect(rep.running).toBe(true);
      expect(rep).toMatchObject({ role: 'slave', master_host: 'p', master_link_status: 'up', master_repl_offset: p.master_repl_offset, sync_full: 0 });
      expect(rep.digest).toBe(p.digest);
      expect(rep.dbsize).toBe(10);
    }
    expect(p.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(p.master_repl_offset).toBeGreaterThan(0);
    expect(first.stats.events).toBeGreaterThan(0);
    expect(first.stats.trace_events).toBeGreaterThan(0);
    expect(first.stats.simulated_us).toBeGreaterThan(0);
    expect(first.stats.wall_ms).toBeGreaterThanOrEqual(0);
    expect(first.trace_hash).toMatch(/^\S{8,}$/);
  });

  it('the same scenario and seed again, with --trace: the same trace hash, and a whole JSON Lines file', () => {
    const path = join(tmp.dir, 'pass.jsonl');
    const again = json<RunOut>(cli('run', `${FIX}/pass.json`, '--seed', '7', '--json', '--trace', path));
    expect(again.trace_hash).toBe(first.trace_hash);
    expect(again.stats.events).toBe(first.stats.events);
    expect(again.nodes).toEqual(first.nodes);
    expect(readdirSync(tmp.dir)).toEqual(['pass.jsonl']); // no pass.jsonl.partial left behind
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ trace_version: expect.anything(), scenario: 'cli-pass', seed: 7 });
    // between the header and the unhashed tail (verdicts, footer; see trace-file.test.ts): the events
    const evs = parsed.slice(1, 1 + again.stats.trace_events);
    for (const e of evs) {
      expect(typeof e.t).toBe('number');
      expect(typeof e.type).toBe('string');
    }
    expect(parsed.slice(1 + again.stats.trace_events).every((e) => e.t === undefined)).toBe(true);
    expect(parsed.at(-1)).toMatchObject({ type: 'trace.footer', trace_hash: again.trace_hash });
    const times = evs.map((e) => e.t as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('the human output of a passing run ends with the command that reproduces it', () => {
    const r = cli('run', `${FIX}/pass.json`, '--seed', '7');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`reproduce: replsim run ${FIX}/pass.json --seed 7`);
  });

  it('the human output shows what the properties noted: writes lost to a failover, missed partial syncs', () => {
    const lost = cli('run', 'failover-diverged', '--seed', '1');
    expect(lost.code, lost.stderr).toBe(0);
    expect(lost.stdout).toMatch(/\nnotes\n {2}! acknowledged-writes: \d+ acknowledged write\(s\) lost across the failover of \w+ at [\d.]+ ms \(acknowledged by \w+; allowed: asynchronous replication\)/);
    const missed = cli('run', 'two-failovers', '--seed', '1');
    expect(missed.stdout).toContain('! partial-sync-when-ancestor: ');
    expect(missed.stdout).toContain('a common ancestor existed and the backlog held the bytes, but replid2 remembers one step only');
  });

  it('a failing expect: exit 1, and the failure names the step, node, field, expected and actual', () => {
    const r = cli('run', `${FIX}/fail-expect.json`, '--json');
    expect(r.code, r.stderr).toBe(1);
    const out = json<RunOut>(r);
    expect(out.status).toBe('fail');
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]).toMatchObject({ kind: 'expectation', step: 3, op: 'expect', node: ['r'], field: 'dbsize', expected: 11, actual: 10 });
    expect(out.failures[0]!.message).toBe('step 3 (expect): r.dbsize expected 11, actual 10');
    expect(out.reproduce).toBe(`replsim run ${FIX}/fail-expect.json --seed 1`);
  });

  it('safety outranks liveness: a run with property violations and a liveness failure is FAIL, exit 1, failures in time order', () => {
    const r = cli('run', 'swarm', '--seed', '66', '--mutant', 'promotion-keeps-replid', '--json');
    expect(r.code, r.stderr).toBe(1);
    const out = json<RunOut>(r);
    expect(out.status).toBe('fail');
    const kinds = new Set(out.failures.map((f) => f.kind));
    expect(kinds.has('liveness') && kinds.has('property')).toBe(true);
    const times = out.failures.map((f) => f.time_us);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const f of out.failures.filter((x) => x.kind === 'property')) expect(Array.isArray(f.node) && f.node.length > 0).toBe(true);
  });

  it('a wait-sync that can never complete (the master is down): exit 3, liveness failure', () => {
    const r = cli('run', `${FIX}/liveness.json`, '--seed', '5', '--quiet');
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^replsim run cli-liveness {2}seed 5 {2}LIVENESS FAILURE /);
    expect(r.stdout).toContain('liveness: wait-sync: not in sync after 200 ms: p is down');
    expect(r.stdout).toContain(`reproduce: replsim run ${FIX}/liveness.json --seed 5`);
  });

  it('a bad scenario with --trace: exit 2 and no trace file (nor a .partial one)', () => {
    const path = join(tmp.dir, 'bad.jsonl');
    expectUserError(cli('run', `${FIX}/bad/count-ten.json`, '--trace', path), 'steps[2].count');
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.partial`)).toBe(false);
  });

  it('--trace naming a folder: a user error, and no .partial file beside it', () => {
    const r = cli('run', `${FIX}/pass.json`, '--trace', tmp.dir);
    expectUserError(r, `--trace: "${tmp.dir}" is a folder`);
    expect(existsSync(`${tmp.dir}.partial`)).toBe(false);
  });
});
