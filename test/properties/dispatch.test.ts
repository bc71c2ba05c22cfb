// PropertySet calls a property that lists its event types (`types`) for those types only, and the
// shared view and horizon for the types they read. A list that leaves out a type would change what
// the properties find: each scenario here runs once through the dispatch table and once with every
// event given to the view, the horizon and every property, and the two runs' property reports and
// failures must be equal (violations, notes and figures included, judged at the end against the
// run's own final master).
import { describe, expect, it } from 'vitest';
import { PropertySet } from '../../properties/index.js';
import { simulate } from '../../sim/harness/simulate.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';
import { loadBuiltin } from '../../sim/harness/sources.js';
import type { MutantName } from '../../sim/redis/mutants.js';
import type { TraceEvent } from '../../sim/trace-events.js';

/**
 * The run's property reports and failures (judged against the run's own final view), through the
 * dispatch table, and again with PropertySet calling the view, every property and the horizon for
 * every event, whatever the properties' `types` say.
 */
function both(scenario: unknown, seed: number, mutant: MutantName | null = null) {
  const judged = (r: ReturnType<typeof simulate>) => ({ properties: r.properties, failures: r.failures });
  const dispatched = judged(simulate(scenario, { seed, mutant }));
  const proto = PropertySet.prototype;
  const onEvent = proto.onEvent;
  proto.onEvent = function (this: PropertySet, e: TraceEvent) {
    this.view.onEvent(e);
    for (const p of this.all) p.onEvent(e);
    this.horizon.onEvent(e);
  };
  try {
    return { dispatched, every: judged(simulate(scenario, { seed, mutant })) };
  } finally {
    proto.onEvent = onEvent;
  }
}

describe('property dispatch by event type', () => {
  it('calls a property with types for those types only, one without for every event', () => {
    const set = new PropertySet();
    const seen = new Map<string, string[]>();
    for (const p of set.all) {
      const inner = p.onEvent.bind(p);
      p.onEvent = (e) => {
        seen.set(p.name, [...(seen.get(p.name) ?? []), e.type]);
        inner(e);
      };
    }
    const events = [
      { t: 1, type: 'x.custom' },
      { t: 2, type: 'redis.psync', node: 'p', replica: 'r', requested_replid: '?', requested_offset: -1, result: 'full', reason: 'x', master_replid: 'a'.repeat(40), master_replid2: '0'.repeat(40), second_repl_offset: -1, master_repl_offset: 0, repl_backlog_first_byte_offset: 0, repl_backlog_histlen: 0 },
    ];
    for (const e of events) set.onEvent(e as TraceEvent);
    expect(seen.get('partial-sync-when-ancestor')).toEqual(['redis.psync']);
    expect(seen.get('stale-reads')).toBeUndefined();
    expect(seen.get('acknowledged-writes')).toBeUndefined();
    expect(seen.get('split-brain')).toEqual(['x.custom', 'redis.psync']);
  });

  it('finds on swarm runs what every property seeing every event finds', () => {
    const checked = new Map<string, number>();
    for (let seed = 1; seed <= 12; seed++) {
      const r = both(swarmScenario(seed), seed);
      expect(r.dispatched, `swarm seed ${seed}`).toEqual(r.every);
      for (const [name, rep] of Object.entries(r.dispatched.properties)) checked.set(name, (checked.get(name) ?? 0) + rep.checked);
    }
    // the runs exercise every property that lists its types
    for (const p of new PropertySet().all) if (p.types) expect(checked.get(p.name), p.name).toBeGreaterThan(0);
  }, 120_000);

  it('finds on runs with violations what every property seeing every event finds', () => {
    const cases: [string, MutantName][] = [
      ['sentinel-failover', 'sentinel-ignores-priority'], // failover-choice
      ['master-restart-aof', 'aof-always-fsyncs-late'], // acknowledged-writes
      ['jepsen-2013', 'promotion-keeps-replid'], // stream-prefix
    ];
    let violations = 0;
    for (const [name, mutant] of cases) {
      const r = both(loadBuiltin(name, 1), 1, mutant);
      expect(r.dispatched, `${name} with ${mutant}`).toEqual(r.every);
      violations += r.dispatched.failures.length;
    }
    expect(violations).toBeGreaterThan(0);
  }, 120_000);
});
