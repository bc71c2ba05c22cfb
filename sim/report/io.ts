// Reading a trace file for `replsim report`, and writing a page whole or not at all. Every problem
// with the user's paths or files is a UserError naming the file, what is wrong and what would do.

import { createReadStream, existsSync, lstatSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import type { TraceLine } from './state.js';

/**
 * Each line of a JSONL trace written by `replsim run --trace`, parsed, read as a stream (a trace
 * can be far larger than the page made from it).
 */
export async function forEachTraceLine(path: string, fn: (line: TraceLine) => void): Promise<void> {
  if (!existsSync(path)) throw new UserError(`${path}: no such file; give a trace written by "replsim run ... --trace run.jsonl"`);
  if (statSync(path).isDirectory()) throw new UserError(`${path}: is a folder; give a trace file written by "replsim run ... --trace run.jsonl"`);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let first = true;
  try {
    for await (const raw of lines) {
      n++;
      if (raw.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        throw new UserError(`${path}: line ${n} is not JSON; a trace has one JSON object per line, as "replsim run --trace" writes it`);
      }
      if (v === null || typeof v !== 'object' || typeof (v as TraceLine).type !== 'string') throw new UserError(`${path}: line ${n} is not a trace event (a JSON object with a "type")`);
      if (first && (v as TraceLine).type !== 'trace.header') throw notATrace(path);
      first = false;
      fn(v as TraceLine);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    lines.close();
  }
  if (first) throw notATrace(path);
}

function notATrace(path: string): UserError {
  return new UserError(`${path}: not a replsim trace (its first line is not a "trace.header"); give a file written by "replsim run ... --trace run.jsonl"`);
}

/** The parsed lines of a whole trace file (tests, small traces). */
export async function readTrace(path: string): Promise<TraceLine[]> {
  const out: TraceLine[] = [];
  await forEachTraceLine(path, (l) => out.push(l));
  return out;
}

/** Refuse an output path before any work is done: a folder, a missing folder, a symbolic link. */
export function checkOutPath(path: string, flag: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    st = null;
  }
  if (st?.isDirectory()) throw new UserError(`${flag}: "${path}" is a folder; give a file name like run.html`);
  if (st?.isSymbolicLink()) throw new UserError(`${flag}: "${path}" is a symbolic link (replsim neither follows nor replaces one); give a regular file`);
  if (st && !st.isFile()) throw new UserError(`${flag}: "${path}" is not a regular file; give a file name like run.html`);
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${flag}: cannot create "${path}" (its folder does not exist); give a file in an existing folder`);
}

/** Write via PATH.partial and a rename: the name never holds half a page. */
export function writeTextAtomic(path: string, text: string): void {
  const tmp = `${path}.partial`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
