// Where `--trace` writes a run's JSON Lines trace, and the rules that keep a user's files safe: `-` is
// stdout; a new path or a regular file is written as PATH.partial and renamed over PATH at the end; a
// FIFO or character device is written through; anything else (symlink, socket, folder) is refused.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, lstatSync, openSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import type { TraceSink } from '../kernel/trace.js';
import { UserError } from '../errors.js';

const FLUSH_BYTES = 1 << 16;

const VALID = 'give a regular file (replaced whole when the run ends), a FIFO or character device (written through), or - for stdout';

/**
 * Runs beside replsim while a .partial file exists, in its own process group and deaf to signals:
 * when replsim's end of the pipe closes (it finished, or Ctrl-C, kill or a crash ended it), it
 * removes the temporary file if it is still the one replsim made (same device and inode). A signal
 * handler in replsim itself could not do this: a run is one synchronous loop, so a handler would only
 * run after the run had finished.
 */
const JANITOR = `
const fs = require('fs');
const [p, dev, ino] = process.argv.slice(1);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
const clean = () => {
  try {
    const st = fs.lstatSync(p, { bigint: true });
    if (String(st.dev) === dev && String(st.ino) === ino) fs.unlinkSync(p);
  } catch {}
  process.exit(0);
};
process.stdin.on('end', clean);
process.stdin.on('error', clean);
process.stdin.resume();
`;

type Mode = 'stdout' | 'stream' | 'file';

export class JsonlFileSink implements TraceSink {
  private buf: string[] = [];
  private size = 0;
  private janitor: ChildProcess | null = null;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly mode: Mode,
    private readonly fd: number,
    private readonly tmp: string | null,
  ) {
    if (tmp !== null) this.startJanitor(tmp);
  }

  /** The trace goes to stdout (`--trace -`): the run's own report must go elsewhere. */
  get toStdout(): boolean {
    return this.mode === 'stdout';
  }

  /** Open a `--trace` target, or throw a UserError naming the flag and what would be valid. */
  static open(path: string): JsonlFileSink {
    if (path === '-') return new JsonlFileSink(path, 'stdout', 1, null);
    let st: Stats | null = null;
    try {
      st = lstatSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotCreate(path, e);
    }
    if (st?.isDirectory()) throw new UserError(`--trace: "${path}" is a folder; give a file name like run.jsonl`);
    if (st && (st.isFIFO() || st.isCharacterDevice())) {
      // no O_CREAT: if the path was swapped for something else meanwhile, this fails instead of following it
      let fd: number;
      try {
        fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
      } catch (e) {
        throw cannotCreate(path, e);
      }
      return new JsonlFileSink(path, 'stream', fd, null);
    }
    if (st && !st.isFile()) {
      const what = st.isSymbolicLink() ? 'a symbolic link (replsim neither follows nor replaces one)' : st.isSocket() ? 'a socket' : st.isBlockDevice() ? 'a block device' : 'not a regular file';
      throw new UserError(`--trace: "${path}" is ${what}; ${VALID}`);
    }
    const tmp = `${path}.partial`;
    let fd: number;
    try {
      // a .partial left by a run killed with SIGKILL is ours to replace; O_EXCL never follows a link
      rmSync(tmp, { force: true });
      fd = openSync(tmp, 'wx');
    } catch (e) {
      throw cannotCreate(path, e);
    }
    return new JsonlFileSink(path, 'file', fd, tmp);
  }

  write(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    const text = this.buf.join('\n') + '\n';
    this.buf = [];
    this.size = 0;
    writeAll(this.fd, text, this.mode !== 'file');
  }

  /** The run is over: flush, and give a temporary file its real name. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    if (this.mode === 'stdout') return;
    closeSync(this.fd);
    if (this.tmp !== null) renameSync(this.tmp, this.path);
    this.stopJanitor();
  }

  /** The run failed (a user or internal error): drop a temporary file; a stream keeps what it got. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.mode === 'stdout') return;
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    if (this.tmp !== null) rmSync(this.tmp, { force: true });
    this.stopJanitor();
  }

  private startJanitor(tmp: string): void {
    const st = fstatSync(this.fd, { bigint: true });
    try {
      const child = spawn(process.execPath, ['-e', JANITOR, tmp, String(st.dev), String(st.ino)], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      child.on('error', () => {}); // could not start: the file is still removed on a normal error, just not after a kill
      child.stdin?.on('error', () => {});
      child.unref();
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      this.janitor = child;
    } catch {
      this.janitor = null;
    }
  }

  private stopJanitor(): void {
    this.janitor?.stdin?.end();
    this.janitor = null;
  }
}

function cannotCreate(path: string, e: unknown): UserError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'its folder does not exist' : code === 'ENOTDIR' ? 'a part of the path is not a folder' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (e as Error).message);
  return new UserError(`--trace: cannot create "${path}" (${why}); give a file in an existing folder, or - for stdout`);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Write all of `text`; on a stream whose reader went away (EPIPE: `| head`), end quietly as Unix tools do. */
function writeAll(fd: number, text: string, stream: boolean): void {
  const buf = Buffer.from(text);
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 5); // a non-blocking pipe that is full: wait for the reader
        continue;
      }
      if (stream && code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    }
  }
}
