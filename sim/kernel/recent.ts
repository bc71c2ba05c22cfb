// A pure function's results for the last few long strings it was given. A workload's value (up to
// 100 kB) is measured, hashed and keyed again by the master, every replica, the trace and each
// property that sees it: a small ring of the latest inputs turns those repeats into one pass. Being
// a cache of pure functions, it is shared between runs without changing any result.

export class Recent<V> {
  /** undefined: a slot not used yet (no string equals it). */
  private readonly keys: (string | undefined)[];
  private readonly values: V[];
  private next = 0;

  constructor(readonly size: number) {
    this.keys = new Array<string | undefined>(size).fill(undefined);
    this.values = new Array<V>(size);
  }

  /** The value kept for `key` (and accepted by `match`, when given), or undefined. */
  find(key: string, match?: (v: V) => boolean): V | undefined {
    for (let i = 0; i < this.size; i++) {
      if (this.keys[i] === key && (match === undefined || match(this.values[i]!))) return this.values[i];
    }
    return undefined;
  }

  /** Keep `value` for `key`, in place of the oldest. */
  add(key: string, value: V): V {
    this.keys[this.next] = key;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.size;
    return value;
  }
}
