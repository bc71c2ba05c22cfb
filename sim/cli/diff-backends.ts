// `replsim diff SCENARIO [--seed N]`: the scenario in the simulator and on real redis-server processes
// (sim/harness/backend-diff.ts), and how their first differences read on a terminal.
import chalk from 'chalk';
import { diffBackends, type BackendDiff } from '../harness/backend-diff.js';
import { resolveScenario, scenarioFor, seedFor } from '../harness/sources.js';
import { formatComparable, type Timed } from '../backends/real/comparable.js';
import type { FabricKind } from '../backends/real/fabric.js';
import type { Seed } from '../kernel/rng.js';
import { checkKeepDir } from './run-real.js';

export interface BackendDiffFlags {
  seed?: Seed;
  redisServer?: string;
  network?: FabricKind | 'auto';
  /** Copy the real run's node dirs (redis.conf, redis.log, data files) into this new folder. */
  keep?: string;
  json?: boolean;
}

function at(c: Timed | null): string {
  if (c === null) return '(nothing: its sequence ended)';
  return `${c.t !== undefined ? `${(c.t / 1000).toFixed(1).padStart(9)} ms  ` : ''}${formatComparable(c)}`;
}

export function renderBackendDiff(d: BackendDiff, ref: string, seed: Seed): string {
  const real = `real redis-server ${d.real.redis_server} (${d.real.network})`;
  const out: string[] = [];
  if (d.same) out.push(`${chalk.green('SAME')}: ${ref} seed ${seed}: the simulator and ${real} agree on every node's final fields, every sync decision, role and id change${d.snapshotsCompared > 0 ? ` and ${d.snapshotsCompared} snapshot(s)` : ''}`);
  else out.push(`${chalk.red('DIFFERENT')}: ${ref} seed ${seed}, the simulator against ${real}`);
  if (d.fields.length > 0) {
    out.push('final fields that differ (ids as A, B, ... and digests as d1, d2, ... on each side):');
    const w = Math.max(...d.fields.map((f) => `${f.node}.${f.field}`.length));
    for (const f of d.fields) {
      const pings = f.pings !== undefined ? `  (${Math.abs(f.pings)} PING${Math.abs(f.pings) === 1 ? '' : 's'} ${f.pings > 0 ? 'more' : 'fewer'} on real)` : '';
      out.push(`  ${`${f.node}.${f.field}`.padEnd(w)}  sim ${JSON.stringify(f.sim)}  real ${JSON.stringify(f.real)}${pings}`);
    }
  }
  if (d.event) {
    out.push(`first sync decision, role or id change that differs (${d.event.stream}, record ${d.event.index}):`);
    out.push(`  sim  ${at(d.event.a)}`, `  real ${at(d.event.b)}`);
  }
  if (d.snapshot) {
    const s = d.snapshot;
    out.push(`first snapshot that differs: steps[${s.step}]${s.label ? ` "${s.label}"` : ''} (snapshot ${s.index + 1}):`);
    for (const f of s.fields) out.push(`  ${`${f.node}.${f.field}`}  sim ${JSON.stringify(f.sim)}  real ${JSON.stringify(f.real)}`);
  }
  if (d.random.length > 0) {
    out.push(`random on real processes (a difference may come from this rather than from a bug; two real runs differ too):`);
    for (const r of d.random) out.push(chalk.yellow(`  - ${r}`));
  }
  out.push(`status: sim ${d.sim.status}, real ${d.real.status}`);
  for (const f of d.real.failures) out.push(chalk.yellow(`  real ${f.kind}: ${f.message}`));
  for (const w of d.real.warnings) out.push(chalk.yellow(`warning: ${w}`));
  return out.join('\n') + '\n';
}

/** Exit code: 0 same, 1 different. */
export async function diffBackendsCommand(ref: string, o: BackendDiffFlags): Promise<number> {
  const resolved = resolveScenario(ref);
  const seed = seedFor(resolved, o.seed);
  if (o.keep) checkKeepDir(o.keep);
  const d = await diffBackends(scenarioFor(resolved.source, seed), seed, ref, {
    ...(o.redisServer ? { redisServer: o.redisServer } : {}),
    ...(o.network ? { network: o.network } : {}),
    ...(o.keep ? { keepDir: o.keep } : {}),
  });
  process.stdout.write(o.json ? JSON.stringify(d, null, 2) + '\n' : renderBackendDiff(d, ref, seed));
  return d.same ? 0 : 1;
}
