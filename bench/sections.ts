// The parts of `npm run bench`, each selectable with --only: what each measures, in this process
// unless said otherwise, and the goal of issue 13 it is held against.

import { performance } from 'node:perf_hooks';
import { bareHeapHold, runKernelBench, best, type Measure } from './kernel.js';
import { runMemoryBench, runRssBench } from './memory.js';
import { costFigures, measureSeed } from './cost.js';
import { appendFigures } from './append.js';
import { traceFigures } from './trace.js';
import { ceilingFigures } from './ceiling.js';
import { simulate } from '../sim/harness/simulate.js';
import { SWARM_CORE_NAME, SWARM_NAME, swarmScenario } from '../sim/scenario/swarm.js';
import type { GeneratorName } from '../sim/harness/sources.js';
import { sweep } from '../sim/harness/sweep.js';
import { cpuMs, cpuMsWithChildren, type Figure, type Section } from './figures.js';
import { runStartupBench, STARTUP_GOAL } from './startup.js';

const M = (m: Measure) => `${(m.perSec / 1e6).toFixed(2)} M events/s (${m.events} events in ${m.ms.toFixed(0)} ms)`;

const kernel: Section = {
  name: 'kernel',
  about: 'scheduler and network events/s against a bare heap loop',
  run() {
    const k = runKernelBench();
    const mix = k.realistic_mix as Measure;
    const hold = k.scheduler_hold as Measure;
    const bare = k.bare_heap as Measure;
    return [
      { key: 'kernel.mix_over_bare', label: 'kernel realistic mix / bare heap loop', value: 100 * (k.mix_over_bare as number), unit: '%', better: 'higher', goal: null, met: null, detail: [`realistic mix: ${M(mix)}`, `bare heap loop: ${M(bare)}`] },
      { key: 'kernel.hold_over_bare', label: 'scheduler hold loop / bare heap loop', value: 100 * (k.hold_over_bare as number), unit: '%', better: 'higher', goal: null, met: null, detail: [`scheduler hold: ${M(hold)}`] },
    ];
  },
};

/** Whole swarm runs (seeds 1..20, best of 3 rounds, after a warm-up on 21..25) against the bare loop, in this process. */
const swarm: Section = {
  name: 'swarm',
  about: "a whole swarm run's events/s as a share of the bare loop's",
  run() {
    const bare = best(() => bareHeapHold(3_000_000), 3, 2);
    for (let seed = 21; seed <= 25; seed++) simulate(swarmScenario(seed), { seed });
    let events = 0;
    let simUs = 0;
    let ms = Infinity;
    const seeds = 20;
    for (let round = 0; round < 3; round++) {
      events = 0;
      simUs = 0;
      const t0 = cpuMs();
      for (let seed = 1; seed <= seeds; seed++) {
        const r = simulate(swarmScenario(seed), { seed });
        events += r.stats.events;
        simUs += r.stats.simulated_us;
      }
      ms = Math.min(ms, cpuMs() - t0);
    }
    const perSec = events / (ms / 1000);
    const pct = (100 * perSec) / bare.perSec;
    return [
      {
        key: 'swarm.over_bare',
        label: 'swarm run events/s / bare loop events/s',
        value: pct,
        unit: '%',
        better: 'higher',
        goal: '>= 15%',
        met: pct >= 15,
        detail: [`swarm seeds 1..${seeds}, best of 3 rounds: ${(ms / seeds).toFixed(1)} ms per seed, ${(perSec / 1e6).toFixed(2)} M events/s, ${(simUs / 1e6 / (ms / 1000)).toFixed(0)}x real time`, `bare loop: ${M(bare)}`],
      },
      { key: 'swarm.ms_per_seed', label: 'swarm ms per seed (seeds 1..20, one core)', value: ms / seeds, unit: 'ms', better: 'lower', goal: null, met: null, detail: [] },
    ];
  },
};

/**
 * `replsim sweep GENERATOR` as the library runs it: worker processes, start-up included. The issue's
 * goal was set on the swarm before Sentinels, clients and Redis as shipped were drawn: `swarm-core`
 * is that swarm, so both are reported.
 */
function sweepSection(name: string, generator: GeneratorName, what: string, keyPrefix: string): Section {
  return {
    name,
    about: `seeds/hour of a ${generator} sweep on worker processes (default seeds 1..2000, 2 workers)${what}`,
    async run(o) {
      const t0 = performance.now();
      const c0 = cpuMsWithChildren();
      const s = await sweep({ ref: generator, source: { generator }, seeds: o.sweepSeeds, workers: o.workers, mutant: null });
      const ms = performance.now() - t0;
      const c1 = cpuMsWithChildren();
      const cpu = c0 === null || c1 === null ? null : c1 - c0;
      const perHour = (s.seeds / (ms / 1000)) * 3600;
      const figures: Figure[] = [
        {
          key: `${keyPrefix}.seeds_per_hour`,
          label: `${generator} sweep seeds/hour (${s.workers} workers)`,
          value: perHour,
          unit: 'seeds/h',
          better: 'higher',
          goal: '>= 500,000 on 2 cores',
          met: perHour >= 500_000,
          detail: [`seeds ${o.sweepSeeds[0]}..${o.sweepSeeds.at(-1)} in ${(ms / 1000).toFixed(1)} s wall, ${cpu === null ? 'CPU not measured (no /proc to read the workers\' CPU time from)' : `${(cpu / 1000).toFixed(1)} s CPU`} (${s.passed} pass, ${s.failed} fail, ${s.liveness} liveness); wall time depends on what else the machine runs`],
        },
      ];
      if (cpu === null) return figures;
      // what the same CPU time would give on `workers` cores of its own (start-up and idle included)
      const perHourCpu = (s.seeds / (cpu / 1000)) * 3600 * s.workers;
      figures.push({
        key: `${keyPrefix}.seeds_per_hour_cpu`,
        label: `${generator} sweep seeds/hour from CPU time (${s.workers} cores of its own)`,
        value: perHourCpu,
        unit: 'seeds/h',
        better: 'higher',
        goal: '>= 500,000 on 2 cores',
        met: perHourCpu >= 500_000,
        detail: [`seeds / CPU seconds of the sweep (main process and worker processes) x ${s.workers}`],
      });
      return figures;
    },
  };
}

const cost: Section = {
  name: 'cost',
  about: 'the share of sweep time taken by the slowest 10% of seeds, and what those seeds are',
  run(o) {
    for (let seed = 0; seed > -3; seed--) measureSeed(1000 + seed); // warm-up, outside the range reported
    return costFigures(o.costSeeds.map(measureSeed));
  },
};

const memory: Section = {
  name: 'memory',
  about: 'live heap and peak RSS of a run 10x longer (3-node soak, faults; with and without a trace)',
  run() {
    const m = runMemoryBench();
    if (!m) return [];
    const rss = runRssBench();
    return [
      { key: 'memory.ratio_10x', label: 'live heap, 10x longer run / run', value: m.ratio, unit: 'x', better: 'lower', goal: '<= 1.2', met: m.ratio <= 1.2, detail: m.lines },
      { key: 'memory.rss_ratio_10x_trace', label: 'peak RSS with a trace, 10x longer run / run', value: rss.withTrace, unit: 'x', better: 'lower', goal: '<= 1.2', met: rss.withTrace <= 1.2, detail: rss.lines },
      { key: 'memory.rss_ratio_10x', label: 'peak RSS without a trace, 10x longer run / run', value: rss.without, unit: 'x', better: 'lower', goal: '<= 1.2', met: rss.without <= 1.2, detail: [] },
    ];
  },
};

/** Start-up: `replsim run failover-clean` as a process against `node -e 0` (startup.ts), wall time. */
const startup: Section = {
  name: 'startup',
  about: 'replsim run failover-clean wall time against node -e 0 (processes, median of 10)',
  async run() {
    const s = await runStartupBench();
    return [{ key: 'startup.over_node', label: 'replsim run failover-clean / node -e 0, wall time', value: s.ratio, unit: 'x', better: 'lower', goal: `<= ${STARTUP_GOAL}x`, met: s.ratio <= STARTUP_GOAL, detail: s.lines.slice(1) }];
  },
};

const trace: Section = { name: 'trace', about: 'the trace pipeline alone: hashing a recorded swarm event stream', run: () => traceFigures() };
const ceiling: Section = { name: 'ceiling', about: 'the swarm without the trace hash and the properties: the seeds/hour the model alone allows', run: () => ceilingFigures() };
const append: Section = { name: 'append', about: 'APPEND / RPUSH runs: time per doubling of run length', run: () => appendFigures() };

export const SECTIONS: Section[] = [
  sweepSection('sweep', SWARM_NAME, '', 'sweep'),
  sweepSection('sweep-core', SWARM_CORE_NAME, ": the swarm as the goal was set, without Sentinels, clients or Redis as shipped", 'sweep_core'),
  swarm, ceiling, startup, memory, append, cost, trace, kernel];
