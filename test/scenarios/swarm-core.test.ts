// `swarm-core` is the swarm's own draws for a seed without the layers drawn after them (Redis as
// shipped, network clients, Sentinels): the same topology, network, workload and faults, none of the
// layers. The pinned hashes (pinned-hashes.test.ts) hold its runs; this holds what it is made of.
import { describe, expect, it } from 'vitest';
import { swarmCoreScenario, swarmScenario } from '../../sim/scenario/swarm.js';
import { validateScenario } from '../../sim/scenario/load.js';
import { builtinNames, loadBuiltin } from '../../sim/harness/sources.js';

const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1);
const BASE_CONFIG = ['save', 'repl-backlog-size', 'repl-ping-replica-period', 'repl-timeout', 'repl-backlog-ttl'];

describe('swarm-core', () => {
  it('is a built-in, generated from the seed', () => {
    expect(builtinNames()).toContain('swarm-core');
    expect(loadBuiltin('swarm-core', 9)).toEqual(swarmCoreScenario(9));
    expect(swarmCoreScenario(9)).not.toEqual(swarmCoreScenario(10));
  });

  it("has the swarm's draws for the seed and none of its later layers", () => {
    const layered = { sentinels: 0, clients: 0, aof: 0 };
    for (const seed of SEEDS) {
      const core = swarmCoreScenario(seed);
      const full = swarmScenario(seed);
      expect(core.name).toBe('swarm-core');
      expect(core.sentinels, `seed ${seed}`).toBeUndefined();
      expect(core.clients, `seed ${seed}`).toBeUndefined();
      expect(Object.keys(core.config!).sort(), `seed ${seed}`).toEqual([...BASE_CONFIG].sort());
      for (const k of BASE_CONFIG) expect(core.config![k], `seed ${seed} ${k}`).toEqual(full.config![k]);
      expect(Object.keys(core.nodes)).toEqual(Object.keys(full.nodes));
      expect(core.network).toEqual(full.network);
      expect(core.faults!.phaseMs).toBe(full.faults!.phaseMs);
      expect(core.workload!.keys).toBe(full.workload!.keys);
      expect(core.workload!.commands).toEqual(full.workload!.commands);
      for (const n of Object.values(core.nodes)) expect(n.config?.appendonly, `seed ${seed}`).toBeUndefined();
      if (full.sentinels) layered.sentinels++;
      else expect(core.monitor).toEqual(full.monitor);
      if (full.clients) layered.clients++;
      if (Object.values(full.nodes).some((n) => n.config?.appendonly === 'yes')) layered.aof++;
    }
    // the seeds compared do include every layer the core leaves out
    expect(layered.sentinels).toBeGreaterThan(20);
    expect(layered.clients).toBeGreaterThan(20);
    expect(layered.aof).toBeGreaterThan(20);
  });

  it('passes the scenario schema and checks for every seed compared', () => {
    for (const seed of SEEDS) expect(validateScenario(swarmCoreScenario(seed), `swarm-core seed ${seed}`).name).toBe('swarm-core');
  });
});
