// Pinned trace hashes (test/fixtures/trace-hashes.json): every built-in scenario at seeds 1-3 and the
// swarm at seeds 1..2000, recorded before a rearrangement that must not change behaviour. Used by
// pinned-hashes.test.ts (a slice) and by `npm run check-hashes` (all of it, or --update).
//   node --import tsx test/determinism/pinned-hashes.ts [--swarm N] [--update]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { simulate } from '../../sim/harness/simulate.js';
import { builtinNames, loadBuiltin } from '../../sim/harness/sources.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';

export const FIXTURE = fileURLToPath(new URL('../fixtures/trace-hashes.json', import.meta.url));

export interface Pinned {
  comment: string;
  builtins: Record<string, Record<string, string>>;
  swarm: Record<string, string>;
}

export const readPinned = (): Pinned => JSON.parse(readFileSync(FIXTURE, 'utf8')) as Pinned;

export const builtinHash = (name: string, seed: number): string => simulate(loadBuiltin(name, seed), { seed }).trace_hash;
export const swarmHash = (seed: number): string => simulate(swarmScenario(seed), { seed }).trace_hash;

/** Every difference from the pinned hashes, as "what: pinned -> now" lines. */
export function differences(p: Pinned, swarmSeeds: number[]): string[] {
  const out: string[] = [];
  for (const name of builtinNames()) {
    for (const seed of [1, 2, 3]) {
      const now = builtinHash(name, seed);
      const was = p.builtins[name]?.[seed];
      if (now !== was) out.push(`${name} seed ${seed}: ${was ?? '(not pinned)'} -> ${now}`);
    }
  }
  for (const seed of swarmSeeds) {
    const now = swarmHash(seed);
    if (now !== p.swarm[seed]) out.push(`swarm seed ${seed}: ${p.swarm[seed] ?? '(not pinned)'} -> ${now}`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const n = args.includes('--swarm') ? Number(args[args.indexOf('--swarm') + 1]) : 2000;
  const seeds = Array.from({ length: n }, (_, i) => i + 1);
  const p = readPinned();
  if (args.includes('--update')) {
    for (const name of builtinNames()) p.builtins[name] = Object.fromEntries([1, 2, 3].map((s) => [s, builtinHash(name, s)]));
    for (const s of seeds) p.swarm[s] = swarmHash(s);
    writeFileSync(FIXTURE, JSON.stringify(p, null, 1) + '\n');
    console.log(`pinned: ${builtinNames().length} built-ins x 3 seeds, swarm seeds 1..${n}`);
  } else {
    const diff = differences(p, seeds);
    for (const d of diff.slice(0, 50)) console.log(d);
    console.log(`trace hashes: ${diff.length === 0 ? 'all equal to the pinned ones' : `${diff.length} differ`} (built-ins x 3 seeds, swarm 1..${n})`);
    process.exitCode = diff.length === 0 ? 0 : 1;
  }
}
