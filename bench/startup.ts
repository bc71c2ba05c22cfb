// Start-up benchmark: wall time of `replsim run failover-clean` as a process, from the prebuilt CLI and
// from the TypeScript sources through tsx, next to `node -e 0`, each the median of repeated runs taken
// in turn (so a busy machine slows them alike), and the build's own time.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from '../scripts/build.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The issue's goal: the command within this many times `node -e 0`'s wall time. */
export const STARTUP_GOAL = 2;

interface Command {
  label: string;
  args: string[];
  runs: number;
}

const RUN = ['run', 'failover-clean'];
const COMMANDS: Command[] = [
  { label: 'node -e 0', args: ['-e', '0'], runs: 10 },
  { label: 'replsim (bin/replsim.js: dist/cli.cjs, code cache)', args: ['bin/replsim.js', ...RUN], runs: 10 },
  { label: 'the bundle alone (node dist/cli.cjs, no cache)', args: ['dist/cli.cjs', ...RUN], runs: 10 },
  { label: 'the sources through tsx (the old bin)', args: ['--import', 'tsx', 'sim/cli/main.ts', ...RUN], runs: 3 },
];

function wallMs(args: string[]): number {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The report's lines and the command's ratio to node -e 0. Builds dist/ first (timed), so what is measured is the build of these sources. */
export async function runStartupBench(): Promise<{ lines: string[]; ratio: number }> {
  const built = await build();
  const times = COMMANDS.map(() => [] as number[]);
  wallMs(COMMANDS[1]!.args); // one run first: files in the page cache, as for any command run twice
  const rounds = Math.max(...COMMANDS.map((c) => c.runs));
  for (let i = 0; i < rounds; i++) COMMANDS.forEach((c, k) => i < c.runs && times[k]!.push(wallMs(c.args)));
  const base = median(times[0]!);
  const lines = [`start-up, ${RUN.join(' ')} as a process, median wall time of runs taken in turn (goal: within ${STARTUP_GOAL}x node -e 0):`];
  COMMANDS.forEach((c, k) => {
    const m = median(times[k]!);
    const goal = k === 1 ? `  ${m / base <= STARTUP_GOAL ? 'meets' : 'misses'} the goal (${STARTUP_GOAL}x)` : '';
    lines.push(`  ${c.label.padEnd(52)} ${m.toFixed(0).padStart(6)} ms  ${(m / base).toFixed(2)}x node -e 0  (median of ${c.runs})${goal}`);
  });
  lines.push(`  build (npm run build): ${built.buildMs.toFixed(0)} ms to bundle and write dist/, ${(built.ms - built.buildMs).toFixed(0)} ms more for the run that warms the code cache`);
  return { lines, ratio: median(times[1]!) / base };
}
