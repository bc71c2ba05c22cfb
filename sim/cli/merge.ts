// replsim merge: the summary files of a sweep's shards (sweep --shard i/n --out DIR) as one summary,
// grouped by failure signature; the rules for inputs that do not fit are in harness/merge.ts.

import chalk from 'chalk';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { mergeSummaries, summaryPaths, writeSummaryFile, type MergedSummary } from '../harness/merge.js';
import { statusWord } from './render.js';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function renderMerged(s: MergedSummary, inputs: number, outDir?: string): string {
  const lines: string[] = [];
  for (const g of s.groups) {
    lines.push(`${statusWord(g.status)} ${plural(g.count, 'seed')} (lowest ${g.lowest_seed}) ${g.label}: ${g.message}`);
    lines.push(`  reproduce: ${g.reproduce}`);
    if (g.count > 1) lines.push(`  seeds: ${g.seeds.slice(0, 10).join(', ')}${g.count > 10 ? ` and ${g.count - 10} more` : ''}`);
  }
  const groups = s.groups.length ? ` in ${plural(s.groups.length, 'group')}` : '';
  lines.push(`${chalk.bold(`merge ${s.scenario}`)}${s.mutant ? ` (mutant ${s.mutant})` : ''}: ${s.seeds} seeds from ${plural(inputs, 'summary', 'summaries')}, ${s.passed} passed, ${s.failed} failed, ${plural(s.liveness, 'liveness failure')}${groups}`);
  if (s.seeds_missing) lines.push(`missing: ${s.seeds_missing} of ${s.seeds_planned} planned seeds (${s.seeds_spec})`);
  if (s.stopped) lines.push(`stopped: an input sweep was stopped early (${s.stopped})`);
  if (s.past_limit.length) lines.push(`also failing, past a --max-failures limit: seeds ${s.past_limit.map((p) => p.seed).join(', ')}`);
  if (outDir) lines.push(`wrote ${outDir}/sweep-summary.json and ${plural(s.artifacts.length + s.past_limit.filter((p) => p.artifact).length, 'artifact')}`);
  return lines.join('\n') + '\n';
}

export function registerMerge(program: Command, setExit: (code: number) => void): void {
  program
    .command('merge')
    .description('merge the outputs of a sweep\'s shards (sweep --shard i/n --out DIR) into one summary, grouped by failure signature')
    .argument('<dir...>', 'folders written by "replsim sweep --out DIR" (or their sweep-summary*.json files)')
    .option('--out <dir>', 'write the merged sweep-summary.json here and copy the artifacts into it (a folder merge reads again)')
    .option('--json', 'print the merged summary as one JSON object: the same bytes however the seeds were split into shards')
    .addHelpText('after', `
Refused (exit 2): summaries of different sweeps (replsim version, scenario, mutant or run limits
differ), and a seed that two inputs report (overlapping shards, a folder given twice). Planned seeds
that no input reports (a shard missing or stopped early) are a warning on stderr; the summary then
covers the seeds present and says how many are missing (seeds_missing).
Exit codes: 0 all passed, 1 an expectation or property failed, 3 only liveness failures, 2 bad input.`)
    .action((dirs: string[], o: { out?: string; json?: boolean }) => {
      if (o.out && existsSync(o.out) && !statSync(o.out).isDirectory()) throw new UserError(`--out: "${o.out}" is a file; give a folder (it is created if missing)`);
      if (o.out && dirs.some((d) => resolve(d) === resolve(o.out!))) throw new UserError(`--out: "${o.out}" is also an input; write the merge to another folder`);
      const paths = dirs.flatMap(summaryPaths);
      const m = mergeSummaries(paths, o.out);
      if (o.out) writeSummaryFile(o.out, m.file);
      for (const w of m.warnings) process.stderr.write(w + '\n');
      const { summary: s } = m;
      if (o.json) process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      else process.stdout.write(renderMerged(s, m.inputs, o.out));
      setExit(s.failed > 0 ? 1 : s.liveness > 0 ? 3 : 0);
    });
}
