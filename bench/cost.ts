// The cost distribution of swarm seeds: each seed run and timed alone in this process, then what
// the slowest tenth has in common (events, simulated time, status, topology, faults, big values).

import { simulate } from '../sim/harness/simulate.js';
import { swarmScenario } from '../sim/scenario/swarm.js';
import { cpuMs, type Figure } from './figures.js';

export interface SeedCost {
  seed: number;
  ms: number;
  events: number;
  traceEvents: number;
  simulatedS: number;
  status: string;
  nodes: number;
  sentinels: number;
  clients: number;
  phaseS: number;
  families: string[];
  valueSize: number;
  writesPerSec: number;
  limit: string | null;
}

export function measureSeed(seed: number): SeedCost {
  const sc = swarmScenario(seed);
  const t0 = cpuMs();
  const r = simulate(sc, { seed });
  const ms = cpuMs() - t0;
  const limit = r.failures.find((f) => 'limit' in f && f.limit)?.limit;
  return {
    seed,
    ms,
    events: r.stats.events,
    traceEvents: r.stats.trace_events,
    simulatedS: r.stats.simulated_us / 1e6,
    status: r.status,
    nodes: Object.keys(sc.nodes).length,
    sentinels: Object.keys(sc.sentinels ?? {}).length,
    clients: Object.keys(sc.clients ?? {}).length,
    phaseS: (sc.faults?.phaseMs ?? 0) / 1000,
    families: Object.keys(sc.faults?.families ?? {}),
    valueSize: sc.workload?.valueSize ?? 0,
    writesPerSec: sc.workload?.writesPerSec ?? 0,
    limit: typeof limit === 'string' ? limit : null,
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};
const share = (xs: SeedCost[], p: (c: SeedCost) => boolean) => (xs.length === 0 ? 0 : (100 * xs.filter(p).length) / xs.length);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** One line per trait: the slowest tenth against the other nine tenths. */
function traits(tail: SeedCost[], rest: SeedCost[]): string[] {
  const row = (name: string, f: (xs: SeedCost[]) => number, unit = '') => `${name.padEnd(34)} slowest 10%: ${f(tail).toFixed(1)}${unit}   rest: ${f(rest).toFixed(1)}${unit}`;
  return [
    row('median ms per seed', (xs) => median(xs.map((c) => c.ms))),
    row('median scheduler events', (xs) => median(xs.map((c) => c.events))),
    row('median trace events', (xs) => median(xs.map((c) => c.traceEvents))),
    row('median µs per event', (xs) => median(xs.map((c) => (1000 * c.ms) / Math.max(1, c.events)))),
    row('median simulated s', (xs) => median(xs.map((c) => c.simulatedS))),
    row('median fault phase s', (xs) => median(xs.map((c) => c.phaseS))),
    row('median writes/s', (xs) => median(xs.map((c) => c.writesPerSec))),
    row('values >= 20 kB', (xs) => share(xs, (c) => c.valueSize >= 20000), '%'),
    row('with Sentinels', (xs) => share(xs, (c) => c.sentinels > 0), '%'),
    row('with network clients', (xs) => share(xs, (c) => c.clients > 0), '%'),
    row('median nodes', (xs) => median(xs.map((c) => c.nodes))),
    row('status liveness', (xs) => share(xs, (c) => c.status === 'liveness'), '%'),
    row('status fail', (xs) => share(xs, (c) => c.status === 'fail'), '%'),
    row('stopped by a limit', (xs) => share(xs, (c) => c.limit !== null), '%'),
  ];
}

export function costFigures(costs: SeedCost[]): Figure[] {
  const byCost = [...costs].sort((a, b) => b.ms - a.ms || a.seed - b.seed);
  const k = Math.max(1, Math.round(costs.length / 10));
  const tail = byCost.slice(0, k);
  const rest = byCost.slice(k);
  const total = sum(costs.map((c) => c.ms));
  const tailShare = (100 * sum(tail.map((c) => c.ms))) / total;
  const top1 = byCost.slice(0, Math.max(1, Math.round(costs.length / 100)));
  const detail = [
    `${costs.length} seeds (${costs[0]?.seed}..${costs.at(-1)?.seed}) run one by one in this process: ${(total / 1000).toFixed(1)} s, ${(total / costs.length).toFixed(1)} ms per seed on average`,
    `slowest 1%: ${((100 * sum(top1.map((c) => c.ms))) / total).toFixed(1)}% of the time; slowest 10%: ${tailShare.toFixed(1)}%; slowest half: ${((100 * sum(byCost.slice(0, Math.ceil(costs.length / 2)).map((c) => c.ms))) / total).toFixed(1)}%`,
    ...traits(tail, rest),
    'the slowest seeds:',
    ...byCost.slice(0, 8).map((c) => `  seed ${c.seed}: ${c.ms.toFixed(0)} ms, ${c.events} events, ${c.simulatedS.toFixed(0)} s simulated, ${c.status}${c.limit ? ` (limit ${c.limit})` : ''}, ${c.nodes} nodes, ${c.sentinels} sentinels, ${c.clients} clients, values ${c.valueSize} B at ${c.writesPerSec}/s, faults ${c.families.join('+')}`),
  ];
  return [
    { key: 'cost.slowest10_share', label: 'share of sweep time in the slowest 10% of seeds', value: tailShare, unit: '%', better: 'lower', goal: 'report; cut where waste (issue 13 found 56%)', met: null, detail },
    { key: 'cost.ms_per_seed', label: 'mean ms per swarm seed, one core, in-process', value: total / costs.length, unit: 'ms', better: 'lower', goal: null, met: null, detail: [] },
  ];
}
