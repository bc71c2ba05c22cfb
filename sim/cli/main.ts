// The replsim command line: a thin face over simulate(). Exit codes: 0 all held, 1 an expectation
// or property failed, 2 bad input, 3 liveness failure, 4 internal error.

import { Command, CommanderError, Option } from 'commander';
import chalk from 'chalk';
import { existsSync, statSync } from 'node:fs';
import { simulate, TOOL_VERSION, type RunResult } from '../harness/simulate.js';
import { UserError, WorkerDied } from '../errors.js';
import { MUTANT_NAMES, type MutantName } from '../redis/mutants.js';
import { builtinNames, builtinDescription, resolveScenario, scenarioFor, seedFor } from '../harness/sources.js';
import { parseSeed, parseSeeds, parseSeedBudget, shardOf } from '../harness/seeds.js';
import { renderRun, renderSweep, statusWord } from './render.js';
import { mutantProgress, PROGRESS_EVERY, sweepBar } from './progress.js';
import { JsonlFileSink } from './trace-file.js';
import { limitOptions, type RunLimits } from '../harness/task.js';
import { parseFlagDurationUs } from '../units.js';
import { DEFAULT_MAX_EVENTS, DEFAULT_MAX_SIM_TIME_US } from '../harness/simulate.js';
import { sweep, defaultWorkers, BATCH, type SweepSummary } from '../harness/sweep.js';
import type { QueueSweepSummary } from '../harness/queue.js';
import { makeShrunkArtifact, readArtifact, reproduceCommand, shrunkPath, writeJsonAtomic } from '../harness/artifacts.js';
import { shrink, failureSignature } from '../harness/shrink.js';
import { runMutants } from '../harness/mutants.js';
import { ReportBuilder } from '../report/model.js';
import { reportHtml } from '../report/html.js';
import { checkOutPath, forEachTraceLine, writeTextAtomic } from '../report/io.js';
import { ShortLog, SHORT_LOG_HEADER } from '../report/short-log.js';
import type { TraceListener } from '../kernel/trace.js';
import { explore, exploreCsv, metricOf, METRICS, parseVary, zeroFrom, type MetricName, type Vary } from '../harness/explore.js';
import { exploreHtml, exploreOption, exploreSvg, valuesByPoint } from '../report/explore-html.js';
import { registerDiff } from './diff.js';
import { boundHeapGrowth } from './heap.js';
import { registerMerge } from './merge.js';
import { checkQueueFlags, registerWorker, sweepOnQueue } from './queue.js';
import { registerFuzz } from './fuzz.js';
import { scenarioDigest, seedsText, summaryFile, writeSummaryFile } from '../harness/merge.js';
import { mkdirSync } from 'node:fs';
import { runRealCommand } from './run-real.js';
import { join } from 'node:path';

export const EXIT = { ok: 0, failed: 1, usage: 2, liveness: 3, internal: 4, interrupted: 130 } as const;

function exitFor(status: RunResult['status']): number {
  return status === 'pass' ? EXIT.ok : status === 'fail' ? EXIT.failed : EXIT.liveness;
}

function mutantOption(v: string | undefined): MutantName | null {
  if (v === undefined) return null;
  if (!(MUTANT_NAMES as string[]).includes(v)) throw new UserError(`--mutant: unknown mutant "${v}"; mutants: ${MUTANT_NAMES.join(', ')}`);
  return v as MutantName;
}

function positiveInt(flag: string) {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UserError(`${flag}: expected a whole number of at least 1, got "${v}"`);
    return Number(v);
  };
}

/** --max-events, --max-sim-time and --timeout, for run and sweep. */
function limitFlags(cmd: Command, each = ''): Command {
  return cmd
    .option('--max-events <n>', `stop ${each}after n events, as a liveness failure (default ${DEFAULT_MAX_EVENTS})`, positiveInt('--max-events'))
    .option('--max-sim-time <duration>', `stop ${each}when simulated time would pass this, like 10min, 600s or 2h, as a liveness failure (default ${DEFAULT_MAX_SIM_TIME_US / 3_600_000_000}h)`, (v: string) => parseFlagDurationUs(v, '--max-sim-time'))
    .option('--timeout <duration>', `stop ${each}after this much wall-clock time, like 30s or 10min, as a liveness failure (default: none)`, (v: string) => Math.max(1, Math.round(parseFlagDurationUs(v, '--timeout') / 1000)));
}

function limitsOf(o: { maxEvents?: number; maxSimTime?: number; timeout?: number }): RunLimits {
  return { ...(o.maxEvents !== undefined ? { maxEvents: o.maxEvents } : {}), ...(o.maxSimTime !== undefined ? { maxSimTimeUs: o.maxSimTime } : {}), ...(o.timeout !== undefined ? { timeoutMs: o.timeout } : {}) };
}

let exitCode: number = EXIT.ok;

const program = new Command();
program
  .name('replsim')
  .description('Deterministic simulator of Redis 7.0 replication: seeded scenarios, faults, property checks.')
  .version(TOOL_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText('after', `
Exit codes: 0 everything held, 1 an expectation or property failed (safety outranks liveness),
2 bad input (one message, nothing written), 3 liveness failure only (did not converge or sync in
time, or a --max-events / --max-sim-time / --timeout limit was hit), 4 internal error (or replay
did not reproduce), 130 interrupted (Ctrl-C). Each command's --help lists its own.`)
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program
  .command('list')
  .description('list the built-in scenarios')
  .option('--json', 'print them as JSON')
  .action((o: { json?: boolean }) => {
    const rows = builtinNames().map((n) => ({ name: n, description: builtinDescription(n) }));
    if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else {
      const w = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) process.stdout.write(`${chalk.bold(r.name.padEnd(w))}  ${r.description}\n`);
    }
  });

limitFlags(program
  .command('run'))
  .description('run one scenario (a built-in name or a .json file) with one seed')
  .argument('<scenario>', 'built-in scenario name (see "replsim list") or path to a scenario .json file')
  .option('--seed <seed>', 'the seed (a whole number or any text); default: the scenario\'s "seed", else 1', parseSeed)
  .addHelpText('after', `
Exit codes: 0 pass, 1 an expectation or property failed (even if liveness failed too), 3 liveness
failure only (including a limit hit), 2 bad input, 4 internal error; killed by Ctrl-C (SIGINT) or
SIGTERM, it leaves no partial trace file.`)
  .option('--json', 'print the result as one JSON object')
  .option('--trace <file>', 'write the trace as JSON Lines to this file (replaced whole at the end), a FIFO or device (written through), or - for stdout (the report then goes to stderr)')
  .option('--quiet', 'print only the status line and failures')
  .option('--report <file>', 'write an HTML report of the run (timeline, offsets and backlog windows, id tree, events) to this file, self-contained')
  .addOption(new Option('--log <mode>', 'print a line per state change per node as the run goes (time, node, role, id label, offset, link, event)').choices(['short']))
  .addOption(new Option('--mutant <name>', 'switch on one named protocol bug (self-test)').hideHelp())
  .addOption(new Option('--backend <backend>', 'sim: the deterministic simulator; real: real redis-server processes in real time (see "Real backend" in the README)').choices(['sim', 'real']).default('sim'))
  .option('--redis-server <path>', 'with --backend real: the redis-server binary (default: the one on the PATH)')
  .addOption(new Option('--network <mode>', 'with --backend real: netns (a network namespace per node, real partitions; needs root, ip, nft), loopback (127.0.0.1 ports, no network faults) or auto').choices(['auto', 'netns', 'loopback']))
  .option('--keep <dir>', 'with --backend real: copy every node\'s redis.conf, redis.log and data files into this new folder')
  .action((ref: string, o: { seed?: number | string; json?: boolean; trace?: string; quiet?: boolean; report?: string; log?: string; mutant?: string; maxEvents?: number; maxSimTime?: number; timeout?: number; backend: 'sim' | 'real'; redisServer?: string; network?: 'auto' | 'netns' | 'loopback'; keep?: string }) => {
    if (o.backend === 'real') return runOnReal(ref, o);
    boundHeapGrowth();
    const realOnly = (['redisServer', 'network', 'keep'] as const).find((k) => o[k] !== undefined);
    if (realOnly) throw new UserError(`${flagName(realOnly)} is for --backend real; add --backend real or drop it`);
    const resolved = resolveScenario(ref);
    const { source, artifact: art } = resolved;
    // an artifact (sweep --out, shrink) brings its own seed and mutant; --seed and --mutant override them
    const mutant = o.mutant !== undefined || !art ? mutantOption(o.mutant) : mutantOption(art.mutant ?? undefined);
    const seed = seedFor(resolved, o.seed);
    const scenario = scenarioFor(source, seed);
    if (o.trace === '-' && o.json) throw new UserError('--trace -: the trace takes stdout, so --json cannot print there too; write the trace to a file (--trace run.jsonl) or drop --json');
    if (o.log && (o.json || o.trace === '-')) throw new UserError(`--log short: the log takes stdout, so ${o.json ? '--json' : '--trace -'} cannot print there too; drop one of them`);
    if (o.report) checkOutPath(o.report, '--report');
    const observers: TraceListener[] = [];
    const report = o.report ? new ReportBuilder({ parameters: scenario, reproduce: reproduceCommand(ref, seed, mutant) }) : null;
    if (report) {
      report.add({ type: 'trace.header', tool_version: TOOL_VERSION, scenario: scenario.name, seed, mutant, source: ref });
      observers.push((e) => report.add(e));
    }
    const log = o.log ? new ShortLog() : null;
    if (log) {
      process.stdout.write(SHORT_LOG_HEADER + '\n');
      observers.push((e) => {
        const line = log.onEvent(e);
        if (line !== null) process.stdout.write(line + '\n');
      });
    }
    const sink = o.trace ? JsonlFileSink.open(o.trace) : undefined;
    const t0 = performance.now();
    let r: RunResult;
    try {
      r = simulate(scenario, { seed, mutant, source: ref, ...limitOptions(limitsOf(o)), ...(sink ? { sink } : {}), ...(observers.length ? { observers } : {}) });
    } catch (e) {
      sink?.abort();
      throw e;
    }
    sink?.close();
    const wallMs = Math.round(performance.now() - t0);
    if (log) process.stdout.write(['ids:', ...log.legend(), ''].join('\n') + '\n');
    if (report && o.report) {
      for (const f of r.failures) report.add({ type: 'trace.failure', ...f });
      for (const [property, p] of Object.entries(r.properties)) report.add({ type: 'trace.verdict', property, held: p.violations === 0, ...p });
      report.add({ type: 'trace.footer', status: r.status, failures: r.failures.length, trace_hash: r.trace_hash, trace_events: r.stats.trace_events });
      writeTextAtomic(o.report, reportHtml(report.finish()));
    }
    if (o.json) process.stdout.write(JSON.stringify({ ...r, stats: { ...r.stats, wall_ms: wallMs }, reproduce: reproduceCommand(ref, r.seed, mutant) }, null, 2) + '\n');
    else (sink?.toStdout ? process.stderr : process.stdout).write(renderRun(r, ref, wallMs, !!o.quiet) + '\n');
    exitCode = exitFor(r.status);
  });

/** The flag commander reads into option key `k`: maxSimTime is --max-sim-time. */
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;

/** `run --backend real`: the flags that only mean something in the simulator are refused, not ignored. */
async function runOnReal(ref: string, o: { seed?: number | string; json?: boolean; trace?: string; quiet?: boolean; report?: string; log?: string; mutant?: string; maxEvents?: number; maxSimTime?: number; timeout?: number; redisServer?: string; network?: 'auto' | 'netns' | 'loopback'; keep?: string }): Promise<void> {
  const simOnly = (['trace', 'report', 'log', 'mutant', 'maxEvents', 'maxSimTime'] as const).find((k) => o[k] !== undefined);
  if (simOnly) throw new UserError(`${flagName(simOnly)} is for the simulator; drop it with --backend real (a real run has no trace of simulated events)`);
  const resolved = resolveScenario(ref);
  const seed = seedFor(resolved, o.seed);
  exitCode = await runRealCommand(scenarioFor(resolved.source, seed), ref, seed, o, exitFor);
}

limitFlags(program
  .command('sweep'), 'each seed ')
  .description('run one scenario over many seeds, in worker threads; write failing seeds as artifacts')
  .argument('<scenario>', 'built-in scenario name or path to a scenario .json file')
  .requiredOption('--seeds <range>', 'seeds to run: 7, 1..10000, or 1,5,9', parseSeeds)
  .option('--workers <n>', `worker threads (default: ${defaultWorkers()}, the machine's parallelism; more than that, or than the batches of ${BATCH} seeds, is capped)`, positiveInt('--workers'))
  .option('--shard <i/n>', 'run only the i-th of n interleaved parts of the seeds (for spreading a sweep over machines)')
  .option('--out <dir>', 'write an artifact for every failing seed into this folder, as soon as it is found, and the sweep\'s summary (sweep-summary.json, or sweep-summary-shard-i-of-n.json) at the end, for "replsim merge"')
  .option('--fail-fast', 'stop at the first failing seed (the same as --max-failures 1)')
  .option('--max-failures <n>', 'stop handing out seeds once n seeds have failed; report the seeds up to the n-th failing one in seed order', positiveInt('--max-failures'))
  .option('--json', 'print one JSON object with the totals, the failure groups and every seed\'s result')
  .option('--queue <url>', 'put the seeds on a BullMQ queue in this Redis (redis://HOST:PORT/N) as chunks, for "replsim worker" processes on any machines; print progress and the merged summary')
  .option('--chunk <k>', 'with --queue: seeds per chunk (default 100)', positiveInt('--chunk'))
  .addOption(new Option('--mutant <name>', 'switch on one named protocol bug (self-test)').hideHelp())
  .addHelpText('after', `
Failing seeds are grouped by what failed (the property or check, and the message with numbers, ids
and node names left out): one entry per group with its count, lowest seed and reproduce command.
Ctrl-C stops the workers, prints the summary so far and exits ${EXIT.interrupted}; artifacts already
written are complete (each is written under a temporary name, then renamed).
Exit codes: 0 all passed, 1 an expectation or property failed, 3 only liveness failures,
${EXIT.interrupted} interrupted, 2 bad input, 4 internal error.`)
  .action(async (ref: string, o: { seeds: number[]; workers?: number; shard?: string; out?: string; json?: boolean; mutant?: string; failFast?: boolean; maxFailures?: number; maxEvents?: number; maxSimTime?: number; timeout?: number; queue?: string; chunk?: number }) => {
    checkQueueFlags(o);
    const { source } = resolveScenario(ref);
    const mutant = mutantOption(o.mutant);
    const seeds = shardOf(o.seeds, o.shard);
    if (o.failFast && o.maxFailures !== undefined && o.maxFailures !== 1) throw new UserError(`--fail-fast means --max-failures 1; give either --fail-fast or --max-failures ${o.maxFailures}`);
    const maxFailures = o.failFast ? 1 : o.maxFailures;
    // checked before the sweep, not after it has run every seed
    if (o.out && existsSync(o.out) && !statSync(o.out).isDirectory()) throw new UserError(`--out: "${o.out}" is a file; give a folder for the artifacts (it is created if missing)`);
    const t0 = performance.now();
    // Ctrl-C: stop the workers and report what was found; a second Ctrl-C exits at once
    const interrupt = new AbortController();
    const onSigint = () => (interrupt.signal.aborted ? process.exit(EXIT.interrupted) : interrupt.abort());
    process.on('SIGINT', onSigint);
    const bar = !o.json && process.stderr.isTTY === true ? sweepBar(seeds.length) : null;
    let s: SweepSummary | QueueSweepSummary;
    try {
      s = o.queue
        ? await sweepOnQueue({ ref, source, seeds, mutant, limits: limitsOf(o), queue: o.queue, ...(o.chunk ? { chunk: o.chunk } : {}), ...(o.out ? { outDir: o.out } : {}), ...(bar ? { onProgress: bar.onProgress } : {}), signal: interrupt.signal })
        : await sweep({ ref, source, seeds, workers: o.workers ?? defaultWorkers(), ...(o.out ? { outDir: o.out } : {}), ...(maxFailures !== undefined ? { maxFailures } : {}), mutant, limits: limitsOf(o), ...(bar ? { onProgress: bar.onProgress } : {}), signal: interrupt.signal });
    } finally {
      bar?.stop();
      process.off('SIGINT', onSigint);
    }
    const wallMs = Math.round(performance.now() - t0);
    // the folder a shard leaves for "replsim merge": its summary beside its artifacts
    if (o.out) writeSummaryFile(o.out, summaryFile(s, { scenario_ref: ref, scenario_digest: scenarioDigest(source), mutant, seeds_spec: seedsText(o.seeds), shard: o.shard ?? null, limits: limitsOf(o) }));
    if (o.json) {
      process.stdout.write(JSON.stringify({ ...s, results: s.results.map(({ seed, status, trace_hash }) => ({ seed, status, trace_hash })), wall_ms: wallMs }, null, 2) + '\n');
    } else {
      process.stdout.write(renderSweep(s, { wallMs, ...(o.out ? { outDir: o.out } : {}), ...(maxFailures !== undefined ? { maxFailures } : {}), statusWord, bold: chalk.bold }));
      const q = (s as Partial<QueueSweepSummary>).queue;
      if (q) process.stdout.write(`queue: ${q.chunks} chunks of up to ${q.chunk_size} seeds on ${q.url}, ${q.chunks_retried} run again after a worker was lost\n`);
    }
    exitCode = s.stopped === 'interrupted' ? EXIT.interrupted : s.failed > 0 ? EXIT.failed : s.liveness > 0 ? EXIT.liveness : EXIT.ok;
  });

program
  .command('report')
  .description('write a self-contained HTML report (timeline, offsets and backlog windows, id tree, events) from a trace file')
  .argument('<trace>', 'a trace written by "replsim run ... --trace run.jsonl"')
  .option('--out <file>', 'where to write the page (default: the trace\'s name with .jsonl replaced by .html)')
  .addHelpText('after', `
Exit codes: 0 the page was written, 2 bad input (not a trace, unreadable, bad --out); nothing is
written on an error (the page is written under a temporary name, then renamed).`)
  .action(async (path: string, o: { out?: string }) => {
    const out = o.out ?? (path.endsWith('.jsonl') ? `${path.slice(0, -'.jsonl'.length)}.html` : `${path}.html`);
    checkOutPath(out, '--out');
    const builder = new ReportBuilder();
    await forEachTraceLine(path, (l) => builder.add(l));
    const data = builder.finish();
    writeTextAtomic(out, reportHtml(data));
    process.stdout.write(`wrote ${out} (${data.meta.trace_events} events, ${data.psyncs.length} PSYNCs, ${data.failures.length} failures${data.meta.complete ? '' : '; the trace has no footer: the run did not finish'})\n`);
    exitCode = EXIT.ok;
  });

program
  .command('explore')
  .description('what-if grid: run a scenario for every combination of --vary values over the seeds, measure each run, and plot a metric')
  .argument('<scenario>', 'built-in scenario name or path to a scenario .json file (not the swarm generator)')
  .requiredOption('--vary <key=values>', 'a knob and its values, repeatable: a config key (repl-backlog-size=16kb,1mb), network.<latency|jitter|loss|bandwidth>, workload.<writesPerSec|valueSize|keys|dbs>, faults.phaseMs, or a declared parameter ($outage=1000..5000:1000)', (v: string, prev: Vary[] = []) => [...prev, parseVary(v)])
  .requiredOption('--seeds <range>', 'seeds per point: 7, 1..50, or 1,5,9', parseSeeds)
  .addOption(new Option('--metric <name>', 'what to plot').choices(Object.keys(METRICS)).default('full-sync-rate'))
  .requiredOption('--out <dir>', 'folder for explore.csv (every run), explore.json, explore.html and explore.svg (created if missing)')
  .option('--workers <n>', `worker threads (default: ${defaultWorkers()})`, positiveInt('--workers'))
  .option('--json', 'print the summary as one JSON object')
  .addHelpText('after', `
Metrics: ${Object.entries(METRICS).map(([k, v]) => `${k}: ${v}`).join('; ')}.
The first --vary is the plot's x axis; each combination of the others is one line. Files are
written whole or not at all. Exit codes: 0 written, 2 bad input (nothing run or written).`)
  .action(async (ref: string, o: { vary: Vary[]; seeds: number[]; metric: MetricName; out: string; workers?: number; json?: boolean }) => {
    if (existsSync(o.out) && !statSync(o.out).isDirectory()) throw new UserError(`--out: "${o.out}" is a file; give a folder (it is created if missing)`);
    const points = o.vary.reduce((n, v) => n * v.values.length, 1);
    if (points * o.seeds.length > 100_000) throw new UserError(`--vary and --seeds make ${points} points x ${o.seeds.length} seeds = ${points * o.seeds.length} runs; at most 100000`);
    const bar = !o.json && process.stderr.isTTY === true ? sweepBar(points * o.seeds.length) : null;
    const t0 = performance.now();
    let r;
    try {
      r = await explore({ ref, varies: o.vary, seeds: o.seeds, metric: o.metric, workers: o.workers ?? defaultWorkers(), ...(bar ? { onProgress: bar.onProgress } : {}) });
    } finally {
      bar?.stop();
    }
    const wallMs = Math.round(performance.now() - t0);
    const command = ['replsim explore', ref, ...o.vary.map((v) => `--vary '${v.key}=${v.values.join(',')}'`), `--seeds ${o.seeds.length > 1 && o.seeds.every((s, i) => i === 0 || s === o.seeds[i - 1]! + 1) ? `${o.seeds[0]}..${o.seeds.at(-1)}` : o.seeds.join(',')}`, `--metric ${o.metric}`, `--out ${o.out}`].join(' ');
    const option = exploreOption(r, valuesByPoint(r, (run) => metricOf({ seed: run.seed, status: run.status as 'pass', trace_hash: '', failures: [], events: 0, metrics: run.metrics }, o.metric)));
    mkdirSync(o.out, { recursive: true });
    writeTextAtomic(join(o.out, 'explore.csv'), exploreCsv(r));
    writeTextAtomic(join(o.out, 'explore.json'), JSON.stringify({ ...r, zero_from: zeroFrom(r), command }, null, 2) + '\n');
    writeTextAtomic(join(o.out, 'explore.svg'), exploreSvg(option));
    writeTextAtomic(join(o.out, 'explore.html'), exploreHtml(r, option, command));
    if (o.json) process.stdout.write(JSON.stringify({ scenario: r.scenario, metric: r.metric, points: r.points, out: o.out, wall_ms: wallMs }, null, 2) + '\n');
    else {
      const keys = r.varies.map((v) => v.key);
      const rows = [[...keys, 'runs', 'mean', 'min', 'max', 'not passed'], ...r.points.map((p) => [...keys.map((k) => String(p.point[k])), `${p.n}/${p.runs}`, String(p.mean ?? '-'), String(p.min ?? '-'), String(p.max ?? '-'), String(p.failed)])];
      const w = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
      process.stdout.write(`${chalk.bold(`explore ${r.scenario}`)}: ${o.metric} over ${points} points x ${o.seeds.length} seeds (${wallMs} ms wall)\n`);
      for (const row of rows) process.stdout.write(row.map((c, i) => c.padStart(w[i]!)).join('  ') + '\n');
      for (const z of zeroFrom(r)) {
        const line = Object.entries(z.line).map(([k, v]) => `${k}=${v}`).join(' ');
        process.stdout.write(`${o.metric} is 0 ${z.from === null ? `at no ${r.varies[0]!.key} tried` : `from ${r.varies[0]!.key}=${z.from} on`}${line ? ` for ${line}` : ''}\n`);
      }
      process.stdout.write(`wrote ${join(o.out, 'explore.html')}, explore.svg, explore.csv, explore.json\n`);
    }
    exitCode = EXIT.ok;
  });

registerDiff(program, (code) => {
  exitCode = code;
});
registerMerge(program, (code) => {
  exitCode = code;
});
registerWorker(program, (code) => {
  exitCode = code;
});
registerFuzz(program, (code) => {
  exitCode = code;
});

program
  .command('replay')
  .description('re-run a failure artifact and confirm the same trace hash and failures')
  .argument('<artifact>', 'an artifact JSON file written by "replsim sweep --out"')
  .option('--json', 'print the result as one JSON object')
  .addHelpText('after', `
Exit codes: when the artifact reproduced (same trace hash, same failures), the run's own code
(0 pass, 1 fail, 3 liveness); 4 when it did not reproduce; 2 for a file that is not an artifact.`)
  .action((path: string, o: { json?: boolean }) => {
    const a = readArtifact(path);
    const mutant = a.mutant === null ? null : mutantOption(a.mutant);
    const t0 = performance.now();
    const r = simulate(a.scenario, { seed: a.seed, mutant, source: path });
    const wallMs = Math.round(performance.now() - t0);
    const sameHash = r.trace_hash === a.trace_hash;
    const sameFailures = JSON.stringify(r.failures) === JSON.stringify(a.failures);
    if (o.json) process.stdout.write(JSON.stringify({ artifact: path, reproduced: sameHash && sameFailures, same_trace_hash: sameHash, same_failures: sameFailures, result: r }, null, 2) + '\n');
    else {
      process.stdout.write(renderRun(r, a.scenario_ref, wallMs, true) + '\n');
      const version = (h: string) => /^v(\d+)-/.exec(h)?.[1] ?? '?';
      const why =
        version(a.trace_hash) !== version(r.trace_hash)
          ? `the artifact's trace hash is version ${version(a.trace_hash)}, this replsim's is version ${version(r.trace_hash)} (README, "Determinism and the trace"): run the seed again for a current artifact`
          : `was the artifact made by another replsim version (${a.tool_version})?`;
      process.stdout.write(sameHash && sameFailures ? chalk.green(`reproduced: same trace hash ${r.trace_hash} and the same ${r.failures.length} failure(s)\n`) : chalk.red(`NOT reproduced: trace hash ${r.trace_hash} (artifact: ${a.trace_hash}), failures ${sameFailures ? 'equal' : 'differ'}; ${why}\n`));
    }
    exitCode = sameHash && sameFailures ? exitFor(r.status) : EXIT.internal;
  });

program
  .command('shrink')
  .description('shrink a failure artifact to the smallest scenario that still fails the same way with the same seed (and, for a mutant, still passes without it)')
  .argument('<artifact>', 'an artifact JSON file written by "replsim sweep --out" or "replsim shrink"')
  .option('--out <file>', 'where to write the shrunk artifact (default: the artifact\'s name with .json replaced by .shrunk.json)')
  .option('--budget <n>', 'the most simulations to try (default 400)', positiveInt('--budget'))
  .addHelpText('after', `
Exit codes: 0 a shrunk artifact was written (also when nothing could be removed: it says "not
shrunk"), 2 bad artifact, or the failure does not happen again with the artifact's seed.`)
  .action((path: string, o: { out?: string; budget?: number }) => {
    const a = readArtifact(path);
    const mutant = a.mutant === null ? null : mutantOption(a.mutant);
    const target = a.failures.find((f) => f.kind === 'property') ?? a.failures.find((f) => f.kind === 'expectation') ?? a.failures[0];
    if (!target) throw new UserError(`${path}: the artifact records no failure, so there is nothing to shrink`);
    const sig = failureSignature(target);
    const budget = o.budget ?? 400;
    let res;
    try {
      res = shrink(a.scenario, a.seed, mutant, sig, budget);
    } catch (e) {
      throw new UserError(`${path}: ${(e as Error).message} (failure "${sig}", seed ${a.seed}${mutant ? `, mutant ${mutant}` : ''})`);
    }
    const out = o.out ?? shrunkPath(path);
    const name = res.scenario.name.endsWith('-shrunk') ? res.scenario.name : `${res.scenario.name}-shrunk`;
    const scenario = { ...res.scenario, name, description: `Shrunk from ${path}: ${target.message}`.slice(0, 500) };
    const run = res.result ?? { status: a.status, failures: a.failures, trace_hash: a.trace_hash };
    const shrunk = makeShrunkArtifact(out, path, scenario, a.seed, mutant, run, { runs: res.runs, budget, exhausted: res.exhausted, before: { ...res.before }, after: { ...res.after } });
    writeJsonAtomic(out, shrunk);
    const { before: b, after: f } = res;
    const lines = [
      res.changed
        ? `shrunk ${sig} in ${res.runs} runs: ${b.steps} -> ${f.steps} steps, ${b.nodes} -> ${f.nodes} nodes, fault families ${b.families} -> ${f.families}${res.explicit ? ' (the fault phase is now explicit steps)' : ''}`
        : `not shrunk: ${res.exhausted ? 'the budget ran out before any change could be tried and kept' : 'no change kept the failure'} (${sig}, ${res.runs} run${res.runs === 1 ? '' : 's'})`,
    ];
    if (res.exhausted && res.changed) lines.push(`the budget of ${budget} run${budget === 1 ? '' : 's'} ran out: a larger --budget may shrink it further`);
    if (res.exhausted && !res.changed) lines.push(`the budget of ${budget} run${budget === 1 ? '' : 's'} ran out; the scenario is unchanged`);
    lines.push(`wrote ${out}`, `reproduce: ${shrunk.reproduce}`, `replay: ${shrunk.reproduce.replace(/^replsim run/, 'replsim replay')}`);
    process.stdout.write(lines.join('\n') + '\n');
    exitCode = EXIT.ok;
  });

program
  .command('mutants')
  .description('mutation self-test: sweep the swarm scenario against each named protocol bug; every one must be caught')
  .option('--seeds <n|range>', 'seed budget per mutant: a count (300 means 1..300, the default) or a range like 101..400', parseSeedBudget)
  .option('--workers <n>', `worker threads (default: ${defaultWorkers()})`, positiveInt('--workers'))
  .option('--mutant <name...>', 'only these mutants')
  .option('--out <dir>', 'where to write the shrunk scenario of each kill (default .replsim-out/mutants)')
  .option('--no-shrink', 'do not shrink the killing scenarios')
  .option('--json', 'print one JSON object')
  .addHelpText('after', `
Progress goes to stderr: a bar per stage on a terminal, otherwise a line such as
"mutants: promotion-keeps-replid 100/300 seeds" every ${PROGRESS_EVERY} seeds or 10 s, and one when each stage ends.
Exit codes: 0 the unmutated model is clean and every mutant is killed, 1 otherwise, 2 bad input.`)
  .action(async (o: { seeds?: number[]; workers?: number; mutant?: string[]; json?: boolean; out?: string; shrink: boolean }) => {
    const only = o.mutant?.map((m) => mutantOption(m)!);
    const seeds = o.seeds ?? parseSeeds('1..300');
    const t0 = performance.now();
    const outDir = o.shrink ? (o.out ?? '.replsim-out/mutants') : undefined;
    const progress = mutantProgress(process.stderr.isTTY === true);
    let results;
    try {
      results = await runMutants({ seeds, workers: o.workers ?? defaultWorkers(), ...(only ? { only } : {}), ...(outDir ? { outDir } : {}), onProgress: progress.onProgress });
    } finally {
      progress.stop();
    }
    const wallMs = Math.round(performance.now() - t0);
    const clean = results[0]!;
    const survivors = results.slice(1).filter((r) => !r.killed);
    if (o.json) process.stdout.write(JSON.stringify({ seeds: seeds.length, clean: !clean.killed, results, survivors: survivors.map((r) => r.mutant), wall_ms: wallMs }, null, 2) + '\n');
    else {
      process.stdout.write(`${chalk.bold('unmutated model')}: ${clean.killed ? chalk.red(`FAILED at seed ${clean.seed}: ${clean.message}`) : chalk.green(`clean over ${clean.seeds_run} seeds`)}\n`);
      for (const r of results.slice(1)) {
        const head = `${chalk.bold(r.mutant!)} (${r.description})`;
        if (r.killed) process.stdout.write(`${chalk.green('killed')}   ${head}\n         by ${r.property} in ${r.scenario} at seed ${r.seed}${r.scenario === 'swarm' ? ` (${r.seeds_run} seeds run)` : ` (the swarm sweep of ${r.seeds_run} seeds missed it)`}: ${r.message}\n         reproduce: ${reproduceCommand(r.scenario!, r.seed!, r.mutant)}\n${r.shrunk ? `         shrunk: ${reproduceCommand(r.shrunk, r.seed!, r.mutant)}\n` : ''}`);
        else process.stdout.write(`${chalk.red('SURVIVED')} ${head} over ${r.seeds_run} seeds\n`);
      }
      process.stdout.write(`${results.length - 1 - survivors.length} of ${results.length - 1} mutants killed (${wallMs} ms wall)\n`);
    }
    exitCode = clean.killed || survivors.length > 0 ? EXIT.failed : EXIT.ok;
  });

async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; every usage error was already printed by commander
      return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UserError) {
      process.stderr.write(`replsim: ${e.message}\n`);
      return EXIT.usage;
    }
    if (e instanceof WorkerDied) {
      process.stderr.write(`replsim: ${e.message}\n`);
      return EXIT.internal;
    }
    process.stderr.write(`replsim: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.internal;
  }
}

// output piped into a reader that stops early (replsim ... | head): stop quietly, as Unix tools do
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
// no top-level await: the build makes this a CommonJS script, whose compiled code V8 can cache (bin/replsim.js)
void main(process.argv).then((code) => {
  process.exitCode = code;
});
