// A host's disk: named files that survive crashes and restarts. Writers that take time write a
// temporary file and rename it at the end; rename is atomic, so a crash never leaves a half file
// under the final name. Append-only files (the AOF) also have a page cache: what was appended but
// not yet fsynced (or written back by the kernel) is lost when the host crashes.

export interface DiskFile<T = unknown> {
  readonly data: T;
  readonly sizeBytes: number;
}

/** One record appended to an append-only file: its bytes and when write(2) put it in the page cache. */
export interface AppendRecord<T> {
  readonly item: T;
  readonly bytes: number;
  readonly writtenUs: number;
}

/** The data of an append-only file: its records, of which the first `durable` are on the platter. */
export interface AppendLog<T> {
  readonly records: AppendRecord<T>[];
  durable: number;
  durableBytes: number;
}

export class Disk {
  private readonly files = new Map<string, DiskFile>();
  private readonly logs = new Set<string>();

  write<T>(name: string, data: T, sizeBytes: number): void {
    this.files.set(name, { data, sizeBytes });
    this.logs.delete(name);
  }

  /** Create an empty append-only file (or truncate one), durable at once (created and fsynced). */
  createLog(name: string): void {
    this.files.set(name, { data: { records: [], durable: 0, durableBytes: 0 } satisfies AppendLog<unknown>, sizeBytes: 0 });
    this.logs.add(name);
  }

  /** write(2) to an append-only file: in the page cache until fsync or writeback. */
  append<T>(name: string, item: T, bytes: number, writtenUs: number): void {
    const f = this.files.get(name);
    if (!f || !this.logs.has(name)) throw new Error(`append to ${name}: not an append-only file`);
    (f.data as AppendLog<T>).records.push({ item, bytes, writtenUs });
    this.files.set(name, { data: f.data, sizeBytes: f.sizeBytes + bytes });
  }

  /** fsync: every record of the file written so far (or written at or before `writtenBeforeUs`) is durable. */
  fsync(name: string, writtenBeforeUs = Number.POSITIVE_INFINITY): void {
    const f = this.files.get(name);
    if (!f || !this.logs.has(name)) return;
    const log = f.data as AppendLog<unknown>;
    while (log.durable < log.records.length && log.records[log.durable]!.writtenUs <= writtenBeforeUs) log.durableBytes += log.records[log.durable++]!.bytes;
  }

  /** The host crashed: append-only files lose what was not durable (the page cache is gone). */
  loseUnsynced(): void {
    for (const name of [...this.logs].sort()) {
      const f = this.files.get(name)!;
      const log = f.data as AppendLog<unknown>;
      log.records.length = log.durable;
      this.files.set(name, { data: log, sizeBytes: log.durableBytes });
    }
  }

  read<T>(name: string): DiskFile<T> | undefined {
    return this.files.get(name) as DiskFile<T> | undefined;
  }

  has(name: string): boolean {
    return this.files.has(name);
  }

  /** Atomically replace `to` with `from`. Returns false if `from` does not exist. */
  rename(from: string, to: string): boolean {
    const f = this.files.get(from);
    if (!f) return false;
    this.files.delete(from);
    this.files.set(to, f);
    if (this.logs.delete(from)) this.logs.add(to);
    else this.logs.delete(to);
    return true;
  }

  delete(name: string): boolean {
    this.logs.delete(name);
    return this.files.delete(name);
  }

  /** File names, sorted. */
  list(): string[] {
    return [...this.files.keys()].sort();
  }

  wipe(): void {
    this.files.clear();
    this.logs.clear();
  }
}
