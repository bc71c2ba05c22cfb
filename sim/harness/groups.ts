// Grouping a sweep's failing seeds by what failed: the property or check, and the shape of the
// message with numbers, hex ids and node names replaced, so 200 seeds that break one rule are one line.

import type { Failure } from '../scenario/runner.js';
import type { RunStatus } from './simulate.js';

/** The failure a seed is known by: a property violation first, then any safety failure, then liveness. */
export function primaryFailure(failures: readonly Failure[]): Failure | undefined {
  return failures.find((f) => f.kind === 'property') ?? failures.find((f) => f.kind !== 'liveness') ?? failures[0];
}

/** What failed, without the details that differ from seed to seed. */
export function failureLabel(f: Failure): string {
  if (f.kind === 'property' || f.property) return `property ${f.property}`;
  if (f.kind === 'expectation') return `expectation ${f.op ?? '?'}${f.field ? ` ${f.field}` : ''}`;
  return f.kind;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The message with node names, hex ids (replids, digests) and numbers replaced by placeholders. */
export function messageShape(message: string, nodeNames: readonly string[]): string {
  let s = message;
  const names = [...new Set(nodeNames)].filter((n) => n.length > 0).sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  if (names.length) s = s.replace(new RegExp(`(?<![\\w-])(?:${names.map(escape).join('|')})(?![\\w-])`, 'g'), '<node>');
  s = s.replace(/(?<![\w-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{4,}(?![\w-])/g, '<hex>');
  return s.replace(/-?\d+(?:\.\d+)?/g, 'N');
}

/** Two failing seeds belong to one group when their primary failures have equal keys. */
export function failureGroupKey(f: Failure, nodeNames: readonly string[]): string {
  return `${failureLabel(f)}: ${messageShape(f.message, [...nodeNames, ...(f.node ?? [])])}`;
}

export interface FailureGroup {
  key: string;
  label: string;
  status: RunStatus;
  count: number;
  /** The failing seeds of the group, in seed order; the first is the lowest. */
  seeds: number[];
  lowest_seed: number;
  /** The primary failure's message at the lowest seed. */
  message: string;
  reproduce: string;
  /** The artifact of the lowest seed, when artifacts were written. */
  artifact: string | null;
}

export interface GroupInput {
  seed: number;
  status: RunStatus;
  failures: readonly Failure[];
  nodeNames: readonly string[];
  artifact: string | null;
}

/** Groups in the order their first seed was met; `rows` are in seed order (the order of --seeds). */
export function groupFailures(rows: readonly GroupInput[], reproduce: (seed: number) => string): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const r of rows) {
    if (r.status === 'pass') continue;
    const f = primaryFailure(r.failures);
    const key = f ? failureGroupKey(f, r.nodeNames) : r.status;
    const g = groups.get(key);
    if (g) {
      g.count++;
      g.seeds.push(r.seed);
      // --seeds 10,3 runs 10 first; the group still shows seed 3
      if (r.seed < g.lowest_seed) Object.assign(g, { status: r.status, lowest_seed: r.seed, message: f?.message ?? '', reproduce: reproduce(r.seed), artifact: r.artifact });
      continue;
    }
    groups.set(key, { key, label: f ? failureLabel(f) : r.status, status: r.status, count: 1, seeds: [r.seed], lowest_seed: r.seed, message: f?.message ?? '', reproduce: reproduce(r.seed), artifact: r.artifact });
  }
  return [...groups.values()];
}
