// The command line of the report and the short log: `run --report`, `replsim report`, `run --log
// short`; bad input is one message, exit 2, and no file (not even a half-written one).
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, expectUserError, FIX, tempDir } from '../cli/cli.js';

/** The JSON data block of a report page. */
function dataOf(html: string): Record<string, unknown> {
  const m = /<script id="data" type="application\/json">(.*?)<\/script>/s.exec(html);
  expect(m, 'no data block').not.toBeNull();
  return JSON.parse(m![1]!) as Record<string, unknown>;
}

describe('replsim run --report and replsim report', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('run --report writes one self-contained page; report on the same run\'s trace draws the same things', () => {
    const html = join(tmp.dir, 'run.html');
    const jsonl = join(tmp.dir, 'run.jsonl');
    const r = cli('run', `${FIX}/pass.json`, '--seed', '7', '--report', html, '--trace', jsonl, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // nothing to fetch: scripts and styles are inline
    expect(page).toContain('echarts'); // the library is inlined
    const fromRun = dataOf(page);
    const r2 = cli('report', jsonl);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(/^wrote .*run\.html \(\d+ events, \d+ PSYNCs, 0 failures\)\n$/);
    const fromTrace = dataOf(readFileSync(join(tmp.dir, 'run.html'), 'utf8'));
    for (const k of ['nodes', 'roles', 'replids', 'links', 'rdb', 'psyncs', 'partitions', 'markers', 'offsets', 'backlog', 'lineage', 'events', 't_end', 'verdicts', 'failures']) expect(fromTrace[k], k).toEqual(fromRun[k]);
    expect((fromRun.verdicts as { held: boolean }[]).length).toBeGreaterThan(3);
    expect(fromTrace.meta).toMatchObject({ scenario: 'cli-pass', seed: 7, status: 'pass', reproduce: `replsim run ${FIX}/pass.json --seed 7`, complete: true });
    expect((fromTrace.parameters as { name: string }).name).toBe('cli-pass');
    expect((fromRun.psyncs as unknown[]).length).toBeGreaterThan(0);
  }, 120_000);

  it('report --out names the page; bad traces and paths are refused with exit 2 and nothing written', () => {
    const jsonl = join(tmp.dir, 'b.jsonl');
    expect(cli('run', `${FIX}/pass.json`, '--trace', jsonl, '--quiet').code).toBe(0);
    const out = join(tmp.dir, 'named.html');
    expect(cli('report', jsonl, '--out', out).code).toBe(0);
    expect(existsSync(out)).toBe(true);

    expectUserError(cli('report', join(tmp.dir, 'missing.jsonl')), 'missing.jsonl: no such file');
    const notJson = join(tmp.dir, 'bad.jsonl');
    writeFileSync(notJson, '{"type":"trace.header"}\n{oops\n');
    expectUserError(cli('report', notJson), 'bad.jsonl: line 2 is not JSON');
    const noHeader = join(tmp.dir, 'nohead.jsonl');
    writeFileSync(noHeader, '{"t":0,"type":"redis.start"}\n');
    expectUserError(cli('report', noHeader), 'not a replsim trace');
    expectUserError(cli('report', tmp.dir), 'is a folder');
    mkdirSync(join(tmp.dir, 'sub'));
    expectUserError(cli('report', jsonl, '--out', join(tmp.dir, 'sub')), '--out:', 'is a folder');
    expectUserError(cli('report', jsonl, '--out', join(tmp.dir, 'nope', 'x.html')), '--out:', 'folder does not exist');
    symlinkSync(out, join(tmp.dir, 'link.html'));
    expectUserError(cli('report', jsonl, '--out', join(tmp.dir, 'link.html')), 'symbolic link');
    expectUserError(cli('run', `${FIX}/pass.json`, '--report', join(tmp.dir, 'sub')), '--report:', 'is a folder');
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
  }, 240_000); // eleven processes: slow on a loaded machine
});

describe('replsim run --log short', () => {
  it('prints the header, one line per state change and the id legend before the usual report', () => {
    const r = cli('run', `${FIX}/pass.json`, '--seed', '7', '--log', 'short');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]!.split(/\s+/).filter(Boolean)).toEqual(['time_ms', 'node', 'role', 'id', 'offset', 'link', 'event']);
    const body = lines.slice(1, lines.indexOf('ids:'));
    expect(body.length).toBeGreaterThan(3);
    for (const l of body) expect(l).toMatch(/^ +\d+\.\d{3} {2}\S+ +(master|slave|down|-) +([A-Z]+|-) +(\d+|-) (up|down|-) +\S/);
    expect(body.some((l) => /PSYNC .* FULLRESYNC|\+CONTINUE/.test(l))).toBe(true);
    expect(r.stdout).toMatch(/ids:\n {2}A = [0-9a-f]{40}\n/);
    expect(r.stdout).toContain('replsim run cli-pass');
  });

  it('a mode other than short, or a second user of stdout, is refused', () => {
    expectUserError(cli('run', `${FIX}/pass.json`, '--log', 'long'), "argument 'long' is invalid");
    expectUserError(cli('run', `${FIX}/pass.json`, '--log', 'short', '--json'), '--log short', '--json');
    expectUserError(cli('run', `${FIX}/pass.json`, '--log', 'short', '--trace', '-'), '--log short', '--trace -');
  }, 120_000);
});
