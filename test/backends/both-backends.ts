// The both-backends check of the built-in scenarios: each one the real backend can run goes through the
// simulator and, twice at once, through real redis-server processes. The two real runs must agree with
// each other (else the scenario is timing-sensitive on real processes: mark it with "realBackend":
// {"differs": "..."}), and with the simulator: final fields (ids and digests as labels), sync decisions, snapshot steps
// and what acknowledged-writes counts (present, overwritten, lost and allowed).
import { beforeAll, expect, it } from 'vitest';
import { builtinNames, resolveScenario, scenarioFor } from '../../sim/harness/sources.js';
import { loadScenario } from '../../sim/scenario/load.js';
import { simulate } from '../../sim/harness/simulate.js';
import { prepareReal, runReal } from '../../sim/backends/real/run.js';
import { unsupportedOps } from '../../sim/backends/real/steps.js';
import type { FaultPlan } from '../../sim/backends/real/fault-plan.js';
import { netnsUnavailable } from '../../sim/backends/real/fabric.js';
import { comparableEvents, firstDifference, formatComparable, type EventLike } from '../../sim/backends/real/comparable.js';
import { fieldDifferences, finalView, snapshotDifference } from '../../sim/harness/backend-diff.js';
import type { ResolvedScenario } from '../../sim/scenario/resolve.js';
import type { Scenario } from '../../sim/scenario/types.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import { describeReal } from '../real/clusters.js';

const NEEDS_NETNS = new Set(['partition', 'partition-oneway', 'isolate', 'network']);

export interface Builtin {
  name: string;
  /** What both backends run: the file, or with a fault phase, its plan as steps (fault-plan.ts). */
  document: Scenario;
  resolved: ResolvedScenario;
  plan?: FaultPlan;
}

/** The built-ins the real backend runs (the others are refused by unsupportedOps, which its own tests cover). */
export function realBuiltins(): Builtin[] {
  const out: Builtin[] = [];
  for (const name of builtinNames()) {
    const { source } = resolveScenario(name);
    if (!('document' in source)) continue;
    const written = scenarioFor(source, 1);
    if (unsupportedOps(loadScenario(written, name).resolved).length > 0) continue;
    const { scenario: document, resolved, plan } = prepareReal(written, name, 1);
    out.push({ name, document, resolved, ...(plan ? { plan } : {}) });
  }
  return out;
}

/** A step or network setting only the netns fabric can make (loopback refuses them). */
function needsNetns(sc: ResolvedScenario): boolean {
  return sc.network.loss > 0 || sc.steps.some((s) => NEEDS_NETNS.has(s.op));
}

const COMPARED = new Set(['redis.start', 'redis.psync', 'redis.role', 'redis.replid']);
const describeEvents = (d: ReturnType<typeof firstDifference>) => (d === null ? null : `${d.stream} #${d.index}: ${d.a ? formatComparable(d.a) : '(none)'} | ${d.b ? formatComparable(d.b) : '(none)'}`);

/**
 * One test per built-in of `part` (0 or 1 of two halves). The simulator runs first, all of them, in
 * beforeAll: a simulation holds the event loop, which would delay the real runs' steps. The real
 * runs then go concurrently (each deployment has its own namespaces; they mostly wait).
 */
export function bothBackends(part: 0 | 1): void {
  const all = realBuiltins();
  const mine = all.filter((_, i) => i % 2 === part);
  describeReal(`built-in scenarios on both backends (part ${part + 1} of 2)`, () => {
    const noNetns = netnsUnavailable();
    const sims = new Map<string, { s: ReturnType<typeof simulate>; events: EventLike[] }>();
    beforeAll(() => {
      for (const b of mine) {
        const events: EventLike[] = [];
        const s = simulate(b.document, { seed: 1, source: b.name, observers: [(e: TraceEvent) => void (COMPARED.has(e.type) && events.push(e))] });
        sims.set(b.name, { s, events });
      }
    }, 60_000);
    it('the real backend runs at least ten built-ins', () => {
      expect(all.length).toBeGreaterThanOrEqual(10);
    });
    for (const b of mine) {
      const skip = noNetns !== null && needsNetns(b.resolved) ? `needs netns (${noNetns})` : null;
      it.skipIf(skip !== null).concurrent(`${b.name}${b.resolved.realDiffers ? ' (marked: it differs on real processes)' : ''}`, async ({ expect }) => {
        const { s, events: simEvents } = sims.get(b.name)!;
        expect(s.status, `the simulator itself: ${s.failures.map((f) => f.message).join('; ')}`).toBe('pass');
        if (b.resolved.realDiffers !== null) {
          // known to differ, and why: it must still run to its end on real processes
          const r = await runReal(b.resolved, { seed: 1, ...(b.plan ? { plan: b.plan } : {}) });
          expect(Object.keys(r.nodes).sort()).toEqual(Object.keys(s.nodes).sort());
          expect(r.parameters.warnings.join('\n')).toContain(b.resolved.realDiffers);
          return;
        }
        const run = () => runReal(b.resolved, { seed: 1, ...(b.plan ? { plan: b.plan } : {}) });
        const [r1, r2] = await Promise.all([run(), run()]);
        const [v1, v2] = [finalView(r1.nodes), finalView(r2.nodes)];
        const [e1, e2] = [comparableEvents(r1.events), comparableEvents(r2.events)];
        // twice on real processes: a difference here is a race in the scenario, to be marked, not tolerated
        expect({ fields: fieldDifferences(v1, v2), events: describeEvents(firstDifference(e1, e2)), snapshot: snapshotDifference(r1.snapshots ?? [], r2.snapshots ?? []) }, 'two real runs disagree: the scenario is timing-sensitive on real processes').toEqual({ fields: [], events: null, snapshot: null });
        expect(r1.failures.map((f) => f.message), 'the real run\'s own expectations').toEqual([]);
        const simView = finalView(s.nodes as unknown as Record<string, Record<string, unknown>>);
        expect({ fields: fieldDifferences(simView, v1), events: describeEvents(firstDifference(comparableEvents(simEvents), e1)), snapshot: snapshotDifference(s.snapshots ?? [], r1.snapshots ?? []) }, 'the simulator against real redis-server').toEqual({ fields: [], events: null, snapshot: null });
        // the same writes, the same data, the same events: acknowledged-writes judges them alike
        expect(r1.properties['acknowledged-writes']?.stats, 'acknowledged-writes on both backends').toEqual(s.properties['acknowledged-writes']?.stats);
      }, 120_000);
    }
  });
}
