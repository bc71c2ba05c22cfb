// npm run bench [-- --only a,b] [--json FILE] [--compare BASE.json [--against NEW.json]] [--seeds A..B] [--cost-seeds A..B]
// [--workers N] [--ab REV [--rounds N]]: each figure of issue 13 beside its goal; --json saves them,
// --compare prints new/old (against this run, or against a second saved result with --against
// NEW.json, running nothing); --ab runs the sections on REV and on this tree in turns (ab.ts).

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AbInputError, AbInterrupted, runAb } from './ab.js';
import { parseArgs } from 'node:util';
import { SECTIONS } from './sections.js';
import { compareLines, printFigures, RESULT_FORMAT, type BenchResult, type Figure } from './figures.js';

const USAGE = `usage: npm run bench -- [--only ${SECTIONS.map((s) => s.name).join(',')}] [--json FILE] [--compare BASE.json [--against NEW.json]] [--seeds A..B] [--cost-seeds A..B] [--workers N] [--ab REV [--rounds N]]`;

function bad(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

function range(flag: string, text: string): number[] {
  const m = /^(\d+)\.\.(\d+)$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < Number(m[1]) || Number(m[2]) - Number(m[1]) > 1_000_000) bad(`${flag} "${text}": expected a range of seeds like 1..2000 (first >= 1, last >= first)`);
  const [a, b] = [Number(m[1]), Number(m[2])];
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

function readBase(path: string, flag = '--compare'): BenchResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    bad(`${flag} "${path}": cannot read it; give a file written by npm run bench -- --json FILE`);
  }
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    bad(`${flag} "${path}": not JSON; give a file written by npm run bench -- --json FILE`);
  }
  const o = r as Partial<BenchResult> | null;
  if (!o || o.format !== RESULT_FORMAT || !Array.isArray(o.figures)) bad(`${flag} "${path}": not a bench result of format ${RESULT_FORMAT}`);
  return o as BenchResult;
}

let args;
try {
  args = parseArgs({
    options: { only: { type: 'string' }, json: { type: 'string' }, compare: { type: 'string' }, against: { type: 'string' }, seeds: { type: 'string' }, 'cost-seeds': { type: 'string' }, workers: { type: 'string' }, ab: { type: 'string' }, rounds: { type: 'string' }, help: { type: 'boolean' } },
    allowPositionals: false,
  }).values;
} catch (e) {
  bad(`${(e as Error).message.split('\n')[0]!}; valid: --only, --json, --compare, --against, --seeds, --cost-seeds, --workers, --ab, --rounds, --help`);
}
if (args.help) {
  console.log(USAGE);
  for (const s of SECTIONS) console.log(`  ${s.name.padEnd(8)} ${s.about}`);
  process.exit(0);
}
const names = args.only ? args.only.split(',').map((s) => s.trim()) : SECTIONS.map((s) => s.name);
for (const n of names) if (!SECTIONS.some((s) => s.name === n)) bad(`--only: unknown section "${n}"; valid: ${SECTIONS.map((s) => s.name).join(', ')}`);
const workers = args.workers === undefined ? 2 : Number(args.workers);
if (!Number.isInteger(workers) || workers < 1 || workers > 64) bad(`--workers "${args.workers}": expected a whole number from 1 to 64`);
if (args.ab !== undefined && (args.compare !== undefined || args.against !== undefined || args.json !== undefined)) bad('--ab runs both sides itself: it does not take --compare, --against or --json');
const base = args.compare === undefined ? null : readBase(args.compare);
if (args.against !== undefined) {
  if (!base) bad('--against needs --compare BASE.json: it compares two saved results');
  for (const l of compareLines(base, readBase(args.against, '--against'))) console.log(l);
  process.exit(0);
}
const opts = { sweepSeeds: range('--seeds', args.seeds ?? '1..2000'), costSeeds: range('--cost-seeds', args['cost-seeds'] ?? '1..400'), workers };
if (args.rounds !== undefined && args.ab === undefined) bad('--rounds goes with --ab REV: the number of rounds of both sides');
if (args.ab !== undefined) {
  const rounds = args.rounds === undefined ? 3 : Number(args.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) bad(`--rounds "${args.rounds}": expected a whole number from 1 to 50`);
  const pass = ['--workers', String(workers)];
  if (args.seeds !== undefined) pass.push('--seeds', args.seeds);
  if (args['cost-seeds'] !== undefined) pass.push('--cost-seeds', args['cost-seeds']);
  try {
    const lines = runAb({ root: fileURLToPath(new URL('..', import.meta.url)), rev: args.ab, rounds, sections: names, benchArgs: pass, log: (l) => console.log(l) });
    for (const l of lines) console.log(l);
  } catch (e) {
    if (e instanceof AbInputError) bad(e.message);
    if (e instanceof AbInterrupted) {
      console.error(`bench: ${e.message}; the worktree is removed`);
      process.exit(130);
    }
    throw e;
  }
  process.exit(0);
}

const figures: Figure[] = [];
for (const s of SECTIONS.filter((x) => names.includes(x.name))) {
  console.log(`${s.name}: ${s.about}`);
  const figs = await s.run(opts);
  printFigures(figs, (l) => console.log(l));
  figures.push(...figs);
}
const result: BenchResult = { format: RESULT_FORMAT, measured_at: new Date().toISOString(), node: process.version, sections: names, figures };
if (args.json) {
  writeFileSync(args.json, JSON.stringify(result, null, 1) + '\n');
  console.log(`saved: ${args.json}`);
}
if (base) for (const l of compareLines(base, result)) console.log(l);
