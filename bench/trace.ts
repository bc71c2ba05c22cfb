// The trace pipeline alone: the events of a few swarm runs, recorded once, fed again into a Trace
// with no listener and no sink (what a sweep worker pays per event for the trace hash).

import { simulate } from '../sim/harness/simulate.js';
import { swarmScenario } from '../sim/scenario/swarm.js';
import { Trace } from '../sim/kernel/trace.js';
import type { TraceEvent } from '../sim/trace-events.js';
import { cpuMs, type Figure } from './figures.js';

export function traceFigures(): Figure[] {
  const events: TraceEvent[] = [];
  let runMs = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const t0 = cpuMs();
    simulate(swarmScenario(seed), { seed, observers: [(e) => events.push(e)] });
    runMs += cpuMs() - t0;
  }
  const once = (): number => {
    const t0 = cpuMs();
    const tr = new Trace();
    for (let i = 0; i < events.length; i++) tr.emit(events[i]!);
    if (tr.digest().length === 0) throw new Error('unreachable');
    return cpuMs() - t0;
  };
  for (let i = 0; i < 3; i++) once();
  let ms = Infinity;
  for (let i = 0; i < 5; i++) ms = Math.min(ms, once());
  const perSec = events.length / (ms / 1000);
  const types = new Map<string, number>();
  for (const e of events) types.set(e.type, (types.get(e.type) ?? 0) + 1);
  const top = [...types].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 4);
  return [
    {
      key: 'trace.events_per_sec',
      label: 'trace hash, events/s (recorded swarm events, no listener)',
      value: perSec,
      unit: 'events/s',
      better: 'higher',
      goal: null,
      met: null,
      detail: [
        `${events.length} events of swarm seeds 1..8 hashed in ${ms.toFixed(1)} ms (best of 5), against ${runMs.toFixed(0)} ms for the 8 runs themselves (first runs, cold)`,
        `most frequent: ${top.map(([t, n]) => `${t} ${((100 * n) / events.length).toFixed(0)}%`).join(', ')}`,
      ],
    },
  ];
}
