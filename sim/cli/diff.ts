// `replsim diff`: the command and how a trace diff reads on a terminal (sim/harness/trace-diff.ts
// compares). Two traces give their first divergence; one scenario is run on both backends (diff-backends.ts).

import chalk from 'chalk';
import { Option, type Command } from 'commander';
import { diffBackendsCommand, type BackendDiffFlags } from './diff-backends.js';
import { UserError } from '../errors.js';
import { parseSeed } from '../harness/seeds.js';
import { checkIgnoredField, diffTraceFiles, type LabelledEvent, type SharedEvent, type SideEvent, type TraceDiff, type TraceMeta } from '../harness/trace-diff.js';

const DEFAULT_CONTEXT = 5;

function ms(us: number): string {
  return `${(us / 1000).toFixed(3)} ms`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[\w.:#@/+-]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? 'undefined';
}

/** An event on one line: its type, then every other field but `t` as key=value (ids as their labels). */
export function formatEvent(e: LabelledEvent): string {
  const rest = Object.entries(e).filter(([k]) => k !== 't' && k !== 'type').map(([k, v]) => `${k}=${value(v)}`);
  return [String(e.type ?? '?'), ...rest].join(' ');
}

function row(mark: string, index: number, time: string, text: string): string {
  return `${mark.padEnd(2)}${String(index).padStart(8)}  ${time.padStart(14)}  ${text}`;
}

const sideRow = (mark: string) => (s: SideEvent) => row(mark, s.index, ms(s.t), formatEvent(s.event));

function sharedRow(s: SharedEvent): string {
  return row('', s.index, s.t.a === s.t.b ? ms(s.t.a) : `${ms(s.t.a)} / ${ms(s.t.b)}`, formatEvent(s.event));
}

function describe(m: TraceMeta): string {
  const run = m.scenario === null ? 'no header' : `${m.scenario} seed ${m.seed}${m.mutant ? ` mutant ${m.mutant}` : ''}`;
  const end = m.complete ? `${m.status ?? '?'}, trace hash ${m.trace_hash ?? '?'}` : m.complete === false ? 'no footer: the run did not finish' : 'its footer was not read (a stream, read up to the divergence)';
  return `${m.name}: ${run}, ${end}`;
}

/** The human form of a trace diff: both runs, the verdict, the shared context, each side's event, the id legend. */
export function renderTraceDiff(d: TraceDiff): string {
  const out = [`a  ${describe(d.a)}`, `b  ${describe(d.b)}`];
  const ignored = d.ignored.length ? `; ignoring ${d.ignored.join(', ')}` : '';
  if (d.same) {
    const hashes = d.a.trace_hash !== null && d.a.trace_hash === d.b.trace_hash ? 'the same trace hash' : `ids compared as labels, ${d.a.ids} on each side`;
    out.push(`${chalk.green('SAME')}: all ${d.equal_events} events are equal (${hashes}${ignored})`);
    return out.join('\n') + '\n';
  }
  const v = d.divergence!;
  if (v.kind === 'differ') {
    const a = v.a!;
    const b = v.b!;
    const where = a.line === b.line ? `line ${a.line} of both` : `line ${a.line} of a, line ${b.line} of b`;
    const time = a.t === b.t ? `t ${ms(a.t)}` : `t ${ms(a.t)} on a, ${ms(b.t)} on b`;
    out.push(`${chalk.red('DIFFERENT')} at event ${v.index} (${where}), ${time}${ignored}`);
    if (a.event.type !== b.event.type) out.push(`different events: a ${chalk.yellow(String(a.event.type))}, b ${chalk.yellow(String(b.event.type))}`);
    else {
      out.push(`fields that differ: ${v.fields.map((f) => chalk.yellow(f.field)).join(', ')}`);
      for (const f of v.fields) out.push(`  ${f.field}: a ${'a' in f ? value(f.a) : '(none)'}, b ${'b' in f ? value(f.b) : '(none)'}`);
    }
  } else {
    const [short, long] = v.kind === 'a-ended' ? ['a', 'b'] : ['b', 'a'];
    out.push(`${chalk.red('DIFFERENT')}: ${short} is a prefix of ${long}: ${short} ends at event ${v.index} (its ${v.index} events equal ${long}'s first ${v.index}), ${long} goes on${ignored}`);
  }
  if (d.context.length) {
    out.push(`the ${d.context.length === 1 ? 'event' : `${d.context.length} events`} before, the same on both sides:`);
    for (const s of d.context) out.push(sharedRow(s));
  }
  if (v.a) out.push(sideRow('a')(v.a));
  if (v.b) out.push(sideRow('b')(v.b));
  for (const [mark, next] of [['a', v.a_next], ['b', v.b_next]] as const) {
    if (!next.length) continue;
    out.push(`then on ${mark}:`);
    for (const s of next) out.push(sideRow(mark)(s));
  }
  if (d.ids.length) {
    out.push('ids (labelled in order of first appearance on each side):');
    const w = Math.max(...d.ids.map((i) => i.label.length));
    for (const i of d.ids) out.push(`  ${i.label.padEnd(w)}  a ${i.a ?? '(not seen)'}  b ${i.b ?? '(not seen)'}`);
  }
  return out.join('\n') + '\n';
}

export interface DiffFlags extends BackendDiffFlags {
  seed?: number | string;
  ignore?: string[];
  context?: number;
  json?: boolean;
}

/** Runs `replsim diff` and returns its exit code: 0 same, 1 different (bad input throws a UserError). */
export async function diffCommand(args: string[], o: DiffFlags): Promise<number> {
  if (args.length === 1 && !args[0]!.endsWith('.jsonl')) return diffBackendsCommand(args[0]!, o);
  if (args.length !== 2) throw new UserError(`replsim diff: give one scenario (replsim diff SCENARIO --seed N: simulator against real redis-server) or exactly two trace files (replsim diff a.jsonl b.jsonl); got ${args.length} arguments`);
  if (o.seed !== undefined) throw new UserError('--seed: two traces are compared as they are; drop --seed (it is for one scenario run on both backends)');
  const realOnly = (['redisServer', 'network', 'keep'] as const).find((k) => o[k] !== undefined);
  if (realOnly) throw new UserError(`--${realOnly === 'redisServer' ? 'redis-server' : realOnly} is for one scenario run on both backends; drop it when comparing two traces`);
  const d = await diffTraceFiles(args[0]!, args[1]!, { ignore: o.ignore ?? [], context: o.context ?? DEFAULT_CONTEXT });
  process.stdout.write(o.json ? JSON.stringify(d, null, 2) + '\n' : renderTraceDiff(d));
  return d.same ? 0 : 1;
}

function fieldList(v: string, prev: string[] = []): string[] {
  const fields = v.split(',').map((f) => f.trim());
  fields.forEach(checkIgnoredField);
  return [...prev, ...fields];
}

function contextCount(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 1000) throw new UserError(`--context: expected a whole number from 0 to 1000, got "${v}"`);
  return Number(v);
}

/** Adds `diff` to the program; `done` receives the exit code. */
export function registerDiff(program: Command, done: (code: number) => void): void {
  program
    .command('diff')
    .description('the first point where two traces diverge: event index, time, what each side did, the events before it')
    .argument('<files...>', 'two traces written by "replsim run ... --trace run.jsonl", or one scenario (a built-in name or a .json file) to run in the simulator and on real redis-server')
    .option('--seed <seed>', 'with a scenario: the seed (default: the scenario\'s "seed", else 1)', parseSeed)
    .option('--redis-server <path>', 'with a scenario: the redis-server binary (default: the one on the PATH)')
    .addOption(new Option('--network <mode>', 'with a scenario: netns, loopback or auto, as for run --backend real').choices(['auto', 'netns', 'loopback']))
    .option('--keep <dir>', 'with a scenario: copy the real run\'s redis.conf, redis.log and data files of every node into this new folder')
    .option('--ignore <fields>', 'top-level event fields to leave out of the comparison, comma-separated, like t (repeatable)', fieldList)
    .option('--context <n>', `how many equal events to show before the divergence, and events after it on each side (default ${DEFAULT_CONTEXT})`, contextCount)
    .option('--json', 'print the diff as one JSON object')
    .addHelpText('after', `
Events (the lines with a "t", every field, as the trace hash covers them) are compared in order;
ids of 40 hex digits (replication ids, Sentinel run ids) are compared as labels #A, #B, ... given in
order of first appearance on each side, so two runs that differ only in their random ids are the
same. Both files are read as streams; only the context is kept.
With one scenario: it runs in the simulator and on real redis-server processes (run --backend real)
and the first differences are printed: each node's final fields (ids and digests as labels on each
side) and the first PSYNC decision, role change or id change that differs.
Exit codes: 0 the same, 1 different (or one is a prefix of the other), 2 bad input (a missing file,
a line that is not JSON or not a trace event: the message names the file and line).`)
    .action(async (files: string[], o: DiffFlags) => done(await diffCommand(files, o)));
}
