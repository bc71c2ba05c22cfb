// What the trace pipeline leaves: the swarm in this process with every trace event still built by
// the model but neither hashed nor given to a listener (no property, no summary), against the same
// seeds run normally, in alternating rounds. Its seeds/hour is a ceiling no cut to the trace hash or
// the properties can pass: the rest is the model itself. A measurement only (without events the
// properties see nothing, so such a run's status means nothing).

import { simulate } from '../sim/harness/simulate.js';
import { swarmScenario } from '../sim/scenario/swarm.js';
import { Trace } from '../sim/kernel/trace.js';
import type { Figure } from './figures.js';

const SEEDS = 400;
const ROUNDS = 2;
const GOAL = 500_000;

/** CPU ms per seed (user + system, all threads: GC and the compiler included) over seeds 1..SEEDS. */
function cpuPerSeed(): number {
  const c0 = process.cpuUsage();
  for (let seed = 1; seed <= SEEDS; seed++) simulate(swarmScenario(seed), { seed });
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / SEEDS;
}

/** f() with Trace.emit only counting events (no hash, no listener), then restored. */
function withoutTrace<T>(f: () => T): T {
  const emit = Trace.prototype.emit;
  Trace.prototype.emit = function (this: Trace) {
    this.count++;
  };
  try {
    return f();
  } finally {
    Trace.prototype.emit = emit;
  }
}

export function ceilingFigures(): Figure[] {
  for (let seed = SEEDS + 1; seed <= SEEDS + 10; seed++) simulate(swarmScenario(seed), { seed }); // warm-up
  let full = Infinity;
  let bare = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    full = Math.min(full, cpuPerSeed());
    bare = Math.min(bare, withoutTrace(cpuPerSeed));
  }
  // seeds/hour on 2 cores from CPU ms per seed (its own inverse: the ms per seed a rate needs)
  const perHour = (ms: number) => (2 * 3_600_000) / ms;
  const ceiling = perHour(bare);
  return [
    {
      key: 'ceiling.seeds_per_hour_without_trace',
      label: 'swarm seeds/hour on 2 cores with no trace hash and no property (the model alone)',
      value: ceiling,
      unit: 'seeds/h',
      better: 'higher',
      goal: `>= ${GOAL.toLocaleString('en-US')}, or the sweep goal cannot be met`,
      met: ceiling >= GOAL,
      detail: [
        `seeds 1..${SEEDS} in this process, best of ${ROUNDS} alternating rounds, CPU time of all threads: ${full.toFixed(1)} ms per seed as run (${Math.round(perHour(full))} seeds/h), ${bare.toFixed(1)} ms without the trace pipeline`,
        `the trace hash and the properties take ${((100 * (full - bare)) / full).toFixed(0)}% of a seed; the model's own ${bare.toFixed(1)} ms would have to fall to ${perHour(GOAL).toFixed(1)} ms for ${GOAL.toLocaleString('en-US')} seeds/h`,
      ],
    },
  ];
}
