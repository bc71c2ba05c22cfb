// Bad flags give exit 2 and one clear message; --help on every command lists its options; --version.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MUTANT_NAMES } from '../../sim/redis/mutants.js';
import { cli, expectUserError, FIX, ROOT, tempDir } from './cli.js';

const PASS = `${FIX}/pass.json`;

describe('bad flags', () => {
  const tmp = tempDir();
  afterAll(tmp.cleanup);

  it('an unknown flag', () => {
    expectUserError(cli('run', PASS, '--sede', '3'), "error: unknown option '--sede'");
  });

  it('--seeds 10..1 is an empty range', () => {
    expectUserError(cli('sweep', PASS, '--seeds', '10..1'), 'replsim: --seeds: range 10..1 is empty (the end is before the start)');
  });

  it('--seeds abc shows the accepted forms', () => {
    expectUserError(cli('sweep', PASS, '--seeds', 'abc'), 'replsim: --seeds: "abc" is not a seed or range; expected forms like 7, 1..100 or 1,5,9');
  });

  it('--shard 3/2', () => {
    expectUserError(cli('sweep', PASS, '--seeds', '1..4', '--shard', '3/2'), 'replsim: --shard: expected i/n with 1 <= i <= n, like 1/4, got "3/2"');
  });

  it('--workers 0', () => {
    expectUserError(cli('sweep', PASS, '--seeds', '1..4', '--workers', '0'), 'replsim: --workers: expected a whole number of at least 1, got "0"');
  });

  it('--mutant nonsense lists the mutants', () => {
    const msg = expectUserError(cli('run', PASS, '--mutant', 'nonsense'), 'replsim: --mutant: unknown mutant "nonsense"; mutants: ');
    expect(MUTANT_NAMES.length).toBeGreaterThan(0);
    for (const m of MUTANT_NAMES) expect(msg).toContain(m);
  });

  it('an empty --seed names the flag', () => {
    expectUserError(cli('run', PASS, '--seed', ''), 'replsim: --seed: expected a whole number or some text');
  });

  it('--trace into a folder that does not exist: a user error, and nothing written', () => {
    const path = join(tmp.dir, 'missing', 'run.jsonl');
    expectUserError(cli('run', PASS, '--trace', path), `replsim: --trace: cannot create "${path}" (its folder does not exist)`);
  });

  it('--out naming a file: refused before the sweep runs', () => {
    const file = join(tmp.dir, 'not-a-folder');
    writeFileSync(file, 'keep me\n');
    expectUserError(cli('sweep', `${FIX}/fail-expect.json`, '--seeds', '1..3', '--workers', '1', '--out', file), `replsim: --out: "${file}" is a file; give a folder`);
    expect(readFileSync(file, 'utf8')).toBe('keep me\n');
  });
});

describe('--help and --version', () => {
  const help: [string, string[]][] = [
    ['run', ['<scenario>', '--seed <seed>', '--json', '--trace <file>', '--quiet', '--report <file>', '--log <mode>', '--help']],
    ['report', ['<trace>', '--out <file>', '--help']],
    ['explore', ['<scenario>', '--vary <key=values>', '--seeds <range>', '--metric <name>', '--out <dir>', '--workers <n>', '--json', '--help']],
    ['sweep', ['<scenario>', '--seeds <range>', '--workers <n>', '--shard <i/n>', '--out <dir>', '--json', '--queue <url>', '--chunk <k>', '--help']],
    ['replay', ['<artifact>', '--json', '--help']],
    ['diff', ['<files...>', '--seed <seed>', '--ignore <fields>', '--context <n>', '--json', '--help']],
    ['list', ['--json', '--help']],
    ['shrink', ['<artifact>', '--out <file>', '--budget <n>', '--help']],
    ['mutants', ['--seeds <n|range>', '--workers <n>', '--mutant <name...>', '--out <dir>', '--no-shrink', '--json', '--help']],
    ['merge', ['<dir...>', '--out <dir>', '--json', '--help']],
    ['worker', ['--queue <url>', '--workers <n>', '--chunks-at-once <n>', '--lock-duration <duration>', '--stalled-interval <duration>', '--max-stalled <n>', '--help']],
    ['fuzz', ['[scenario]', '--forever', '--seeds-count <n>', '--record <file>', '--workers <n>', '--help']],
  ];
  for (const [cmd, options] of help) {
    it(`replsim ${cmd} --help lists its options and exits 0`, () => {
      const r = cli(cmd, '--help');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Usage: replsim ${cmd} [options]`);
      for (const o of options) expect(r.stdout).toContain(o);
      if (cmd !== 'mutants') expect(r.stdout, 'hidden self-test flag').not.toContain('--mutant');
      // every command that runs something says what its exit codes mean
      if (cmd !== 'list') expect(r.stdout).toMatch(/Exit codes: [\s\S]*\b0 /);
    });
  }

  it('replsim --help lists exactly the commands tested above (a new command needs its help test)', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--version');
    for (const code of ['0 everything held', '1 an expectation or property failed', '2 bad input', '3 liveness failure', '4 internal error', '130 interrupted']) expect(r.stdout).toContain(code);
    const commands = [...r.stdout.split('Commands:')[1]!.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!);
    expect(commands.sort()).toEqual([...help.map(([c]) => c), 'help'].sort());
  });

  it('replsim --version prints the package version', () => {
    const r = cli('--version');
    expect(r.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });
});
