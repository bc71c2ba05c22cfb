// A host's disk: named files that survive crashes and restarts. Writers that take time write a
// temporary file and rename it at the end; rename is atomic, so a crash never leaves a half file
// under the final name.

export interface DiskFile<T = unknown> {
  readonly data: T;
  readonly sizeBytes: number;
}

export class Disk {
  private readonly files = new Map<string, DiskFile>();

  write<T>(name: string, data: T, sizeBytes: number): void {
    this.files.set(name, { data, sizeBytes });
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
    return true;
  }

  delete(name: string): boolean {
    return this.files.delete(name);
  }

  /** File names, sorted. */
  list(): string[] {
    return [...this.files.keys()].sort();
  }

  wipe(): void {
    this.files.clear();
  }
}
