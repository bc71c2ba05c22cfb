// The human-readable summary of a run: status line, one row per node, the sync and role events in
// order, failures, and the command that reproduces the run.

import chalk from 'chalk';
import type { RunResult, SummaryEvent } from '../harness/simulate.js';
import { reproduceCommand } from '../harness/artifacts.js';
import type { SweepSummary } from '../harness/sweep.js';
import type { SweepOutcome } from '../harness/task.js';

const MAX_EVENTS = 40;

function ms(us: number): string {
  return `${(us / 1000).toFixed(3)} ms`.padStart(14);
}

const MAX_NOTES = 20;

function short(id: unknown): string {
  return typeof id === 'string' ? id.slice(0, 8) : '-';
}

export function statusWord(status: RunResult['status']): string {
  return status === 'pass' ? chalk.green('PASS') : status === 'fail' ? chalk.red('FAIL') : chalk.yellow('LIVENESS FAILURE');
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
    return i === 0 ? chalk.bold(line) : line;
  }).join('\n');
}

/** Sentinel events whose log line names no instance (their format does not start with %@). */
const NO_INSTANCE = new Set(['+switch-master', '+new-epoch', '+vote-for-leader']);

export function describeEvent(e: SummaryEvent): string {
  const g = (k: string) => e[k] as string | number;
  switch (e.type) {
    case 'redis.psync':
      return `${g('node')} <- PSYNC ${short(g('requested_replid'))} ${g('requested_offset')} from ${g('replica')}: ${e.result === 'continue' ? chalk.green('+CONTINUE') : chalk.yellow('FULLRESYNC')} (${g('reason')})`;
    case 'redis.role':
      return `${g('node')} is now ${e.role === 'master' ? chalk.bold('master') : `replica of ${g('master_host')}`}`;
    case 'redis.replid':
      return `${g('node')} replid ${short(g('replid'))} (${g('reason')}), replid2 ${short(g('replid2'))} up to ${g('second_repl_offset')}, offset ${g('master_repl_offset')}`;
    case 'redis.start':
      return `${g('node')} started as ${e.role === 'master' ? 'master' : `replica of ${g('master_host')}`}, replid ${short(g('replid'))}, offset ${g('master_repl_offset')}, ${g('keys')} keys`;
    case 'redis.stop':
      return chalk.magenta(`${g('node')} ${e.how === 'crash' ? 'crashed (kill -9)' : `shut down${e.saved ? ', RDB saved' : ''}`}`);
    case 'redis.failover':
      return `${g('node')} FAILOVER state ${g('state')}${e.target ? ` (target ${g('target')})` : ''}`;
    case 'redis.failover-abort':
      return `${g('node')} FAILOVER aborted: ${g('reason')}`;
    case 'redis.replica-drop':
      return `${g('node')} dropped replica ${g('replica')}: ${g('reason')}`;
    case 'redis.timeout':
      return chalk.yellow(`${g('node')} timeout: ${g('what')}`);
    case 'net.partition':
      return chalk.magenta(`partition: ${(e.blocked as [string, string][]).map(([a, b]) => `${a}->${b}`).join(' ')}`);
    case 'net.heal':
      return chalk.magenta('network healed');
    case 'host.crash':
      return chalk.magenta(`host ${g('host')} down`);
    case 'sentinel.event':
      // as redis-sentinel logs it: "+odown master mymaster p 6379 #quorum 2/2", "+switch-master mymaster p 6379 r1 6379"
      return chalk.cyan(`${g('sentinel')} ${[g('event'), NO_INSTANCE.has(g('event') as string) ? null : e.instance, e.detail].filter((x) => x !== null && x !== '').join(' ')}`);
    default: {
      const { t: _t, type, ...rest } = e;
      return `${type} ${JSON.stringify(rest)}`;
    }
  }
}


export function renderRun(r: RunResult, ref: string, wallMs: number, quiet: boolean): string {
  const out: string[] = [];
  out.push(`${chalk.bold(`replsim run ${r.scenario}`)}  seed ${r.seed}  ${statusWord(r.status)}  (${r.stats.events} events, ${(r.stats.simulated_us / 1000).toFixed(1)} ms simulated, ${wallMs} ms wall)`);
  if (!quiet) {
    out.push(`trace hash ${r.trace_hash}`, '');
    const rows = [['node', 'role', 'master', 'link', 'replid', 'offset', 'sync_full', 'partial_ok', 'partial_err', 'digest', 'keys']];
    for (const [name, n] of Object.entries(r.nodes)) {
      if (!n.running) {
        rows.push([name, 'down', '-', '-', '-', '-', '-', '-', '-', '-', '-']);
        continue;
      }
      rows.push([
        name,
        String(n.role),
        n.role === 'slave' ? String(n.master_host) : '-',
        n.role === 'slave' ? String(n.master_link_status) : '-',
        short(n.master_replid),
        String(n.master_repl_offset),
        String(n.sync_full),
        String(n.sync_partial_ok),
        String(n.sync_partial_err),
        short(n.digest),
        String(n.keys),
      ]);
    }
    out.push(table(rows), '');
    if (r.history) {
      const h = r.history;
      const crows = [['client', 'ok', 'fail', 'info']];
      for (const [c, n] of Object.entries(h.by_client)) crows.push([c, String(n.ok), String(n.fail), String(n.info)]);
      out.push(table(crows));
      const lost = r.properties['acknowledged-writes']?.stats.lost ?? 0;
      out.push(`${lost} acknowledged write(s) lost${lost > 0 ? ' (each with what discarded it: --json history.lost)' : ''}`, '');
    }
    const shown = r.events.filter((e) => e.type !== 'redis.start' || e.t > 0);
    out.push(chalk.bold('events'));
    for (const e of shown.slice(0, MAX_EVENTS)) out.push(`${chalk.dim(ms(e.t))}  ${describeEvent(e)}`);
    if (shown.length > MAX_EVENTS) out.push(chalk.dim(`   ... ${shown.length - MAX_EVENTS} more (see --json or --trace)`));
    const notes = Object.entries(r.properties).flatMap(([name, p]) => p.notes.map((n) => `${name}: ${n}`));
    if (notes.length > 0) {
      // allowed by Redis 7.0 but worth knowing: missed partial syncs, writes lost to asynchronous replication
      out.push('', chalk.bold('notes'));
      for (const n of notes.slice(0, MAX_NOTES)) out.push(`${chalk.yellow('  !')} ${n}`);
      if (notes.length > MAX_NOTES) out.push(chalk.dim(`   ... ${notes.length - MAX_NOTES} more (see --json)`));
    }
  }
  if (r.refused_writes) {
    // a write step does not fail on a refusal (it is a workload), but it is never silent about one
    out.push('', chalk.bold('refused writes'));
    for (const x of r.refused_writes) out.push(`${chalk.yellow('  !')} step ${x.step} (write) on ${x.node}: ${x.refused} of ${x.of} refused: ${x.error}`);
  }
  if (r.failures.length > 0) {
    out.push('', chalk.bold('failures'));
    for (const f of r.failures) out.push(`${chalk.red('  x')} ${chalk.dim(ms(f.time_us))}  ${f.kind}: ${f.message}`);
  }
  // on every run, passing or not: the line to paste into a bug report or a colleague's shell
  out.push('', `reproduce: ${reproduceCommand(ref, r.seed, r.parameters.mutant)}`);
  return out.join('\n');
}

const SHOW_SEEDS = 10;
const ordinal = (n: number) => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The human summary of a sweep: one entry per failure group (count, lowest seed and its message,
 * the command that reproduces it), then the totals, the worker cap and why the sweep stopped.
 */
export function renderSweep(s: SweepSummary, o: { wallMs: number; outDir?: string; maxFailures?: number; statusWord: (st: SweepOutcome['status']) => string; bold: (x: string) => string }): string {
  const lines: string[] = [];
  for (const g of s.groups) {
    lines.push(`${o.statusWord(g.status)} ${plural(g.count, 'seed')} (lowest ${g.lowest_seed}) ${g.label}: ${g.message}`);
    lines.push(`  reproduce: ${g.reproduce}`);
    if (g.count > 1) lines.push(`  seeds: ${g.seeds.slice(0, SHOW_SEEDS).join(', ')}${g.count > SHOW_SEEDS ? ` and ${g.count - SHOW_SEEDS} more` : ''}`);
  }
  const groups = s.groups.length ? ` in ${plural(s.groups.length, 'group')}` : '';
  lines.push(`${o.bold(`sweep ${s.scenario}`)}: ${s.seeds} seeds, ${s.passed} passed, ${s.failed} failed, ${plural(s.liveness, 'liveness failure')}${groups} (${o.wallMs} ms wall, ${plural(s.workers, 'worker')})`);
  if (s.workers_capped) lines.push(`workers: ${s.workers_capped}`);
  if (s.stopped === 'max-failures') {
    lines.push(`stopped at the ${ordinal(o.maxFailures ?? 1)} failing seed (${o.maxFailures === 1 ? '--fail-fast' : `--max-failures ${o.maxFailures}`}): ${s.seeds} of ${s.seeds_planned} seeds reported, the seeds up to it in seed order`);
    if (s.past_limit.length) lines.push(`also failing, found by batches already running past the limit: seeds ${s.past_limit.map((p) => p.seed).join(', ')}${o.outDir ? ' (their artifacts are kept)' : ''}`);
  }
  if (s.stopped === 'interrupted') lines.push(`interrupted: ${s.seeds} of ${s.seeds_planned} seeds ran, ${s.failed + s.liveness} failing`);
  if (o.outDir && (s.artifacts.length || s.stopped === 'interrupted')) lines.push(`artifacts: ${s.artifacts.length} written to ${o.outDir}`);
  return lines.join('\n') + '\n';
}
