// `replsim run SCENARIO --backend real`: the CLI face of sim/backends/real/run.ts (the scenario on real
// redis-server processes), rendered like a simulated run; --json prints the real result's shape.
import chalk from 'chalk';
import { runRealScenario, type RealRunResult } from '../backends/real/run.js';
import type { FabricKind } from '../backends/real/fabric.js';
import type { Scenario } from '../scenario/types.js';
import type { Seed } from '../kernel/rng.js';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
import { statusWord } from './render.js';
import { finalView } from '../harness/backend-diff.js';

/** At most this many property notes are printed (--json has them all). */
const MAX_NOTES = 20;

export interface RealFlags {
  redisServer?: string;
  network?: FabricKind | 'auto';
  keep?: string;
  json?: boolean;
  quiet?: boolean;
}

export function renderReal(r: RealRunResult, ref: string, quiet: boolean): string {
  const lines = [`${statusWord(r.status)} ${ref} on real redis-server ${r.parameters.redis_server} (${r.parameters.network}), ${(r.stats.elapsed_us / 1e6).toFixed(1)} s, ${r.stats.acked_writes}/${r.stats.writes} writes acknowledged`];
  for (const w of r.parameters.warnings) lines.push(chalk.yellow(`warning: ${w}`));
  for (const f of r.failures) lines.push(chalk.red(`  ${f.kind}: ${f.message}`));
  if (quiet) return lines.join('\n');
  const labelled = finalView(r.nodes); // ids as A, B, ... (real ids are random)
  for (const [name, n] of Object.entries(r.nodes)) {
    if (!n.running) {
      lines.push(`  ${name}: down`);
      continue;
    }
    const role = n.role === 'slave' ? `replica of ${n.master_host} (link ${n.master_link_status})` : 'master';
    lines.push(`  ${name}: ${role}, id ${labelled[name]!.master_replid} offset ${n.master_repl_offset}, sync full/ok/err ${n.sync_full}/${n.sync_partial_ok}/${n.sync_partial_err}, ${n.dbsize} keys`);
  }
  for (const [p, rep] of Object.entries(r.properties)) lines.push(`  property ${p}: ${rep.violations === 0 ? 'held' : `${rep.violations} violation(s)`} (${rep.checked} checked)`);
  // as a simulated run shows them: writes lost to asynchronous replication, readings not judged
  const notes = Object.entries(r.properties).flatMap(([name, p]) => p.notes.map((n) => `${name}: ${n}`));
  for (const n of notes.slice(0, MAX_NOTES)) lines.push(`${chalk.yellow('  !')} ${n}`);
  if (notes.length > MAX_NOTES) lines.push(chalk.dim(`   ... ${notes.length - MAX_NOTES} more (see --json)`));
  return lines.join('\n');
}

/** --keep DIR: a new folder in an existing one (nothing of an earlier run is overwritten). */
export function checkKeepDir(dir: string): void {
  if (existsSync(dir)) throw new UserError(`--keep: "${dir}" already exists; give a new folder name (the run copies every node's redis.conf, redis.log and data files into it)`);
  const parent = dirname(dir);
  if (!existsSync(parent) || !statSync(parent).isDirectory()) throw new UserError(`--keep: cannot create "${dir}" (its folder does not exist)`);
}

/** Run on the real backend and print; returns the exit code. */
export async function runRealCommand(scenario: Scenario, ref: string, seed: Seed, o: RealFlags, exitFor: (s: RealRunResult['status']) => number): Promise<number> {
  if (o.keep) checkKeepDir(o.keep);
  const progress = process.stderr.isTTY && !o.json ? (line: string) => process.stderr.write(`\r\x1b[K${ref}: ${line}`) : undefined;
  const r = await runRealScenario(scenario, ref, {
    seed,
    ...(o.redisServer ? { redisServer: o.redisServer } : {}),
    ...(o.network ? { network: o.network } : {}),
    ...(o.keep ? { keepDir: o.keep } : {}),
    ...(progress ? { onProgress: progress } : {}),
  });
  if (progress) process.stderr.write('\r\x1b[K');
  process.stdout.write((o.json ? JSON.stringify(r, null, 2) : renderReal(r, ref, !!o.quiet)) + '\n');
  return exitFor(r.status);
}
