// npm run bench: kernel events per second (realistic mix and scheduler hold loop) against a bare
// binary-heap loop measured in the same process, whole-run throughput of the Redis model, memory in
// run length, and the command's start-up time against node's own.

import { runKernelBench, type Measure } from './kernel.js';
import { simulate } from '../sim/harness/simulate.js';
import { swarmScenario } from '../sim/scenario/swarm.js';
import { runMemoryBench } from './memory.js';
import { runStartupBench } from './startup.js';

const fmt = (m: Measure) => `${(m.perSec / 1e6).toFixed(2)} M events/s (${m.events} events in ${m.ms.toFixed(0)} ms)`;

const k = runKernelBench();
const mix = k.realistic_mix as Measure;
const bare = k.bare_heap as Measure;
const hold = k.scheduler_hold as Measure;
console.log('kernel, best of 5 after five warm-up runs, one core:');
console.log(`  realistic mix (timers, cancels, network deliveries): ${fmt(mix)}`);
console.log(`  scheduler hold loop (Scheduler.at/step, 10k pending): ${fmt(hold)}`);
console.log(`  bare struct-of-arrays heap loop (10k pending):       ${fmt(bare)}`);
console.log(`  ratio realistic mix / bare loop: ${((k.mix_over_bare as number) * 100).toFixed(0)}%`);
console.log(`  ratio scheduler hold / bare loop: ${((k.hold_over_bare as number) * 100).toFixed(0)}%`);

const t0 = performance.now();
let events = 0;
let simUs = 0;
const seeds = 20;
for (let seed = 1; seed <= seeds; seed++) {
  const r = simulate(swarmScenario(seed), { seed });
  events += r.stats.events;
  simUs += r.stats.simulated_us;
}
const ms = performance.now() - t0;
console.log(`swarm runs: ${seeds} seeds in ${ms.toFixed(0)} ms (${(ms / seeds).toFixed(1)} ms per seed), ${(events / (ms / 1000) / 1e6).toFixed(2)} M events/s, ${(simUs / 1e6 / (ms / 1000)).toFixed(0)}x real time`);

for (const line of runMemoryBench()) console.log(line);
for (const line of await runStartupBench()) console.log(line);
