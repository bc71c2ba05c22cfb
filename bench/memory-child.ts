// One soak run of bench/memory.ts in a process of its own, for its peak RSS:
//   node --import tsx bench/memory-child.ts PHASE_MS trace|none   (prints {"maxRssKb": N})
import { simulate } from '../sim/harness/simulate.js';
import { longRun } from './memory.js';
import { boundHeapGrowth } from '../sim/cli/heap.js';

// what `replsim run` does before a run (sim/cli/heap.ts): the figure is the command's peak RSS
boundHeapGrowth();
const phaseMs = Number(process.argv[2]);
const trace = process.argv[3] === 'trace';
simulate(longRun(phaseMs), { seed: 1, maxSimTimeUs: phaseMs * 1000 + 600_000_000, ...(trace ? { sink: { write() {} } } : {}) });
process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }) + '\n');
