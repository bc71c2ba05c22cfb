// A JSON Lines trace written as the run goes (buffered), to a temporary name renamed at the end, so
// a trace file is never left half-written under the name the user asked for.

import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { TraceSink } from '../kernel/trace.js';
import { TRACE_VERSION } from '../kernel/trace.js';

const FLUSH_BYTES = 1 << 16;

export class JsonlFileSink implements TraceSink {
  private readonly fd: number;
  private readonly tmp: string;
  private buf: string[] = [];
  private size = 0;

  constructor(readonly path: string, header: Record<string, unknown>) {
    this.tmp = `${path}.partial`;
    this.fd = openSync(this.tmp, 'w');
    this.write(JSON.stringify({ trace_version: TRACE_VERSION, ...header }));
  }

  write(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  /** Finish the file under its real name. */
  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  /** Drop the partial file (the run failed with an internal error). */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmp, { force: true });
  }
}
