// Spawning the real replsim command for the CLI tests, and the checks every user error must pass:
// exit code 2, nothing on stdout, one message on stderr, no stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIX = 'test/cli/fixtures';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(...args: string[]): CliResult {
  return cliWithEnv({}, ...args);
}

/** cli() with more environment variables (TMPDIR: a run's scratch folders where a test can see them). */
export function cliWithEnv(more: NodeJS.ProcessEnv, ...args: string[]): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...more };
  delete env.FORCE_COLOR; // chalk honours FORCE_COLOR over a pipe; the tests read plain text
  const r = spawnSync(process.execPath, ['bin/replsim.js', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parse stdout as exactly one JSON value (fails the test if anything else was printed). */
export function json<T = Record<string, unknown>>(r: CliResult): T {
  expect(r.stdout.trim().startsWith('{'), `stdout is not a JSON object:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(true);
  return JSON.parse(r.stdout) as T;
}

/**
 * A user's mistake: exit 2, empty stdout, no stack trace, no colour codes, and one message that
 * contains every fragment. replsim's own messages are one line starting "replsim: "; commander's
 * usage errors are "error: ...", perhaps "(Did you mean ...?)", and the "(run with --help for usage)" hint.
 */
export function expectUserError(r: CliResult, ...fragments: string[]): string {
  const ctx = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  expect(r.code, ctx).toBe(2);
  expect(r.stdout, ctx).toBe('');
  expect(r.stderr, ctx).not.toContain('    at ');
  expect(r.stderr, ctx).not.toContain('internal error');
  expect(r.stderr, ctx).not.toContain('\x1b[');
  const lines = r.stderr.trimEnd().split('\n');
  if (lines[0]!.startsWith('error: ')) {
    expect(lines.at(-1), ctx).toBe('(run with --help for usage)');
    for (const l of lines.slice(1, -1)) expect(l, ctx).toMatch(/^\(Did you mean .+\?\)$/);
  } else {
    expect(lines, ctx).toHaveLength(1);
    expect(lines[0], ctx).toMatch(/^replsim: \S/);
  }
  for (const f of fragments) expect(lines[0], ctx).toContain(f);
  return lines[0]!;
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'replsim-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
