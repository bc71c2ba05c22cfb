// The fault phase planned for the real backend (sim/backends/real/fault-plan.ts): the simulator's
// seeded run of the phase, as explicit steps at the same times, ending in the real backend's settle.
import { describe, expect, it } from 'vitest';
import { planFaultPhase } from '../../sim/backends/real/fault-plan.js';
import { prepareReal } from '../../sim/backends/real/run.js';
import { simulate } from '../../sim/harness/simulate.js';
import { UserError } from '../../sim/errors.js';
import type { Scenario } from '../../sim/scenario/types.js';
import { FAULTY } from './faulty.js';
import { unsupportedOps } from '../../sim/backends/real/steps.js';
import { loadScenario } from '../../sim/scenario/load.js';
import type { TraceEvent } from '../../sim/trace-events.js';

describe('planning a fault phase for the real backend', () => {
  it('replaces the faults step by the phase as steps, at the simulated times, ending in a settle', () => {
    const events: TraceEvent[] = [];
    simulate(FAULTY, { seed: 3, observers: [(e) => void ((e.type === 'x.fault' || e.type === 'x.write' || e.type.startsWith('x.fault.phase')) && events.push(e))] });
    const plan = planFaultPhase(FAULTY, 3);
    const steps = plan.scenario.steps!;
    expect(plan.scenario.faults).toBeUndefined();
    expect(plan.scenario.workload).toBeUndefined();
    expect(plan.first).toBe(1);
    expect(steps[0]).toEqual({ op: 'wait-sync' });
    expect(steps[plan.last]!.op).toBe('settle');
    // what came after the faults step follows the settle
    expect(steps.slice(plan.last + 1)).toEqual(FAULTY.steps!.slice(2));
    const phase = steps.slice(plan.first, plan.last + 1);
    expect(plan.faults).toBe(events.filter((e) => e.type === 'x.fault').length);
    expect(plan.faults).toBeGreaterThan(3);
    expect(plan.writes).toBe(events.filter((e) => e.type === 'x.write').length);
    // the sleeps add up to the simulated phase (each rounded to a microsecond)
    const sleptMs = phase.reduce((a, s) => a + (s.op === 'sleep' ? s.ms : 0), 0);
    expect(Math.abs(sleptMs - 6000)).toBeLessThan(phase.length * 0.001 + 1);
    expect(phase.some((s) => s.op === 'crash')).toBe(true);
    expect(phase.filter((s) => s.op === 'command' && s.args[0] !== 'MULTI' && s.args[0] !== 'EXEC' && s.args[0] !== 'SHUTDOWN').length).toBe(plan.writes);
  });

  it('the same seed gives the same plan; another seed another one', () => {
    expect(planFaultPhase(FAULTY, 3).scenario).toEqual(planFaultPhase(FAULTY, 3).scenario);
    expect(planFaultPhase(FAULTY, 4).scenario).not.toEqual(planFaultPhase(FAULTY, 3).scenario);
  });

  it('a scenario without a fault phase is run as written', () => {
    const plain: Scenario = { name: 'plain', nodes: { p: {}, r: { replicaof: 'p' } }, steps: [{ op: 'wait-sync' }] };
    const p = prepareReal(plain, 'plain', 1);
    expect(p.plan).toBeUndefined();
    expect(p.scenario).toBe(plain);
  });

  it('a run that ends before its fault phase cannot be planned, and says why', () => {
    const stuck: Scenario = { ...FAULTY, name: 'stuck', steps: [{ op: 'partition', groups: [['p'], ['r1', 'r2']] }, { op: 'wait-sync', timeoutMs: 200 }, { op: 'faults' }] };
    expect(() => planFaultPhase(stuck, 1)).toThrow(UserError);
    expect(() => planFaultPhase(stuck, 1)).toThrow(/ended before it \(wait-sync: not in sync after 200 ms/);
  });

  it('a monitor is allowed with a fault phase (its decisions are in the plan) only when no other step gives it work', () => {
    const refusals = (sc: Scenario) => unsupportedOps(loadScenario(sc, sc.name!).resolved);
    const monitored: Scenario = { ...FAULTY, name: 'monitored', monitor: { 'down-after-ms': 1000 } };
    expect(refusals(monitored)).toEqual([]);
    expect(refusals({ ...monitored, steps: [{ op: 'crash', node: 'p' }, { op: 'faults' }] }).join()).toContain('"monitor"');
    const { faults: _f, ...noPhase } = monitored;
    expect(refusals({ ...noPhase, steps: [{ op: 'wait-sync' }] }).join()).toContain('"monitor"');
    const plan = planFaultPhase(monitored, 3);
    expect(plan.scenario.monitor).toBeUndefined();
    expect(plan.scenario.steps!.some((s) => s.op === 'replicaof')).toBe(true);
  });
});
