// replsim fuzz: random seeds, each printed so it replays; failures recorded by signature in a seed
// record that a second run adds to; Ctrl-C stops --forever cleanly; bad input is refused.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedRecord } from '../../sim/harness/fuzz.js';
import { cli, expectUserError, FIX, json, ROOT, tempDir, type CliResult } from './cli.js';

const TWO = `${FIX}/flaky-two.json`;

interface Line {
  seed: number;
  status: string;
  key: string | null;
}
const seedLines = (out: string): Line[] =>
  [...out.matchAll(/^seed (\d+) (pass|fail|liveness)(?: (.+))?$/gm)].map((m) => ({ seed: Number(m[1]), status: m[2]!, key: m[3] ?? null }));

describe('replsim fuzz', () => {
  const tmp = tempDir();
  const record = join(tmp.dir, 'record.json');
  let first: CliResult;
  let second: CliResult;
  let afterFirst: SeedRecord;

  beforeAll(() => {
    first = cli('fuzz', TWO, '--seeds-count', '12', '--record', record, '--workers', '1');
    afterFirst = JSON.parse(readFileSync(record, 'utf8')) as SeedRecord;
    second = cli('fuzz', TWO, '--seeds-count', '9', '--record', record, '--workers', '1');
  }, 180_000);
  afterAll(tmp.cleanup);

  it('runs exactly --seeds-count random seeds, printing each with its status', () => {
    const lines = seedLines(first.stdout);
    expect(lines).toHaveLength(12);
    expect(new Set(lines.map((l) => l.seed)).size, 'random seeds, not 1..12').toBe(12);
    expect(lines.some((l) => l.seed > 1000)).toBe(true);
    expect(first.code, first.stderr).toBe(lines.some((l) => l.status === 'fail') ? 1 : 0);
    expect(first.stdout).toMatch(new RegExp(`fuzz ${TWO}: 12 seeds, ${lines.filter((l) => l.status === 'fail').length} failed`));
  });

  it('the record has one entry per signature, with the smallest and first seed and the count', () => {
    const lines = seedLines(first.stdout).filter((l) => l.key !== null);
    expect(lines.length, 'the fixture fails for most seeds').toBeGreaterThan(0);
    expect(afterFirst.seeds_run).toEqual({ 'cli-flaky-two': 12 });
    const keys = [...new Set(lines.map((l) => l.key))].sort();
    expect(afterFirst.entries.map((e) => e.key)).toEqual(keys);
    for (const e of afterFirst.entries) {
      const mine = lines.filter((l) => l.key === e.key);
      expect(e.count).toBe(mine.length);
      expect(e.smallest_seed).toBe(Math.min(...mine.map((l) => l.seed)));
      expect(mine.map((l) => l.seed)).toContain(e.first_seed);
      expect(e.reproduce).toBe(`replsim run ${TWO} --seed ${e.smallest_seed}`);
    }
  });

  it('a printed seed replays: replsim run with it fails the same way', () => {
    const e = afterFirst.entries[0]!;
    const r = json<{ status: string; failures: { message: string }[] }>(cli('run', TWO, '--seed', String(e.smallest_seed), '--json'));
    expect(r.status).toBe(e.status);
    expect(r.failures[0]!.message).toBe(e.message);
  });

  it('a second run adds to the record: seeds and counts add up, the smallest seed wins, the first stays', () => {
    const rec = JSON.parse(readFileSync(record, 'utf8')) as SeedRecord;
    const lines = seedLines(second.stdout);
    expect(lines).toHaveLength(9);
    expect(rec.seeds_run).toEqual({ 'cli-flaky-two': 21 });
    const all = [...seedLines(first.stdout), ...lines].filter((l) => l.key !== null);
    for (const e of rec.entries) {
      const mine = all.filter((l) => l.key === e.key);
      expect(e.count).toBe(mine.length);
      expect(e.smallest_seed).toBe(Math.min(...mine.map((l) => l.seed)));
      const before = afterFirst.entries.find((x) => x.key === e.key);
      if (before) expect(e.first_seed).toBe(before.first_seed);
    }
  });

  it('--forever stops cleanly on Ctrl-C: totals printed, the record written', async () => {
    const rec = join(tmp.dir, 'forever.json');
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    const p = spawn(process.execPath, ['bin/replsim.js', 'fuzz', TWO, '--forever', '--record', rec, '--workers', '1'], { cwd: ROOT, env });
    let out = '';
    const three = new Promise<void>((resolve) =>
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (seedLines(out).length >= 3) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => p.once('exit', (c) => resolve(c)));
    await three;
    p.kill('SIGINT');
    const code = await exited;
    const lines = seedLines(out);
    expect(code === 0 || code === 1, out).toBe(true);
    expect(out).toMatch(new RegExp(`fuzz ${TWO}: ${lines.length} seeds, .*, stopped; record: `));
    const r = JSON.parse(readFileSync(rec, 'utf8')) as SeedRecord;
    expect(r.seeds_run['cli-flaky-two']).toBe(lines.length);
    expect(r.entries.reduce((n, e) => n + e.count, 0)).toBe(lines.filter((l) => l.key !== null).length);
  }, 120_000);

  it('bad input: neither or both of --forever and --seeds-count, a record that is not one: exit 2', () => {
    expectUserError(cli('fuzz', TWO), 'give --forever (until Ctrl-C) or --seeds-count N');
    expectUserError(cli('fuzz', TWO, '--forever', '--seeds-count', '3'), '--forever and --seeds-count exclude each other');
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, '{"entries": []}');
    expectUserError(cli('fuzz', TWO, '--seeds-count', '1', '--record', bad), `--record: ${bad} is not a seed record`);
  }, 120_000);
});
