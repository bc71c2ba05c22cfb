// One seed of a sweep, as run in a worker thread (or in-process with --workers 1).

import { simulate, type SimulateOptions } from './simulate.js';
import { wallClockTimeout } from './wall-clock.js';
import type { Scenario } from '../scenario/types.js';
import type { Failure } from '../scenario/runner.js';
import type { MutantName } from '../redis/mutants.js';
import { scenarioFor, type ScenarioSource } from './sources.js';
import type { TraceEvent } from '../trace-events.js';

// In a worker process (pool.ts), a Ctrl-C at the terminal reaches every process of the group: the
// parent decides what stops (it destroys the pool), so a worker does not die under its batch.
if ((process as { __tinypool_state__?: { isChildProcess?: boolean } }).__tinypool_state__?.isChildProcess) process.on('SIGINT', () => {});

export interface SweepTask {
  source: ScenarioSource;
  seed: number;
  mutant: MutantName | null;
  limits?: RunLimits;
  /** Also measure the run (replsim explore): its outcome then carries `metrics`. */
  measure?: boolean;
}

/** The limits of one run as the CLI takes them (--max-events, --max-sim-time, --timeout); unset means the default. */
export interface RunLimits {
  maxEvents?: number;
  maxSimTimeUs?: number;
  /** Wall-clock time one run may take. */
  timeoutMs?: number;
}

/**
 * simulate() options for the limits. The wall-clock timeout (wall-clock.ts) is a hook the
 * scheduler calls every few thousand events: only the fact of stopping depends on real time,
 * never what the run did before.
 */
export function limitOptions(l: RunLimits | undefined): Pick<SimulateOptions, 'maxEvents' | 'maxSimTimeUs' | 'budgetHook'> {
  if (!l) return {};
  const out: Pick<SimulateOptions, 'maxEvents' | 'maxSimTimeUs' | 'budgetHook'> = {};
  if (l.maxEvents !== undefined) out.maxEvents = l.maxEvents;
  if (l.maxSimTimeUs !== undefined) out.maxSimTimeUs = l.maxSimTimeUs;
  if (l.timeoutMs !== undefined) out.budgetHook = wallClockTimeout(l.timeoutMs);
  return out;
}

export interface SweepOutcome {
  seed: number;
  status: 'pass' | 'fail' | 'liveness';
  trace_hash: string;
  failures: Failure[];
  events: number;
  metrics?: RunMetrics;
}

/** What replsim explore can plot, per run. */
export interface RunMetrics {
  /** PSYNCs that asked to continue (not "PSYNC ? -1") and got +CONTINUE, and those refused with FULLRESYNC. */
  partial_syncs: number;
  full_resyncs: number;
  /** Acknowledged writes lost, from the acknowledged-writes property. */
  lost_writes: number;
  /** Simulated ms from the end of the fault phase until the run converged (null: no settle, or it never did). */
  converge_ms: number | null;
}

/** Counts PSYNC answers and the settle time from the trace, as the run goes. */
function meter(): { observe: (e: TraceEvent) => void; metrics: RunMetrics } {
  const metrics: RunMetrics = { partial_syncs: 0, full_resyncs: 0, lost_writes: 0, converge_ms: null };
  const observe = (e: TraceEvent) => {
    if (e.type === 'redis.psync' && e.requested_replid !== '?') {
      if (e.result === 'continue') metrics.partial_syncs++;
      else metrics.full_resyncs++;
    } else if (e.type === 'x.fault.settled') metrics.converge_ms = (e.after_us as number) / 1000;
  };
  return { observe, metrics };
}

export function scenarioOf(t: SweepTask): Scenario {
  return scenarioFor(t.source, t.seed);
}

export function runTask(t: SweepTask): SweepOutcome {
  const m = t.measure ? meter() : null;
  const r = simulate(scenarioOf(t), { seed: t.seed, mutant: t.mutant, ...limitOptions(t.limits), ...(m ? { observers: [m.observe] } : {}) });
  const out: SweepOutcome = { seed: t.seed, status: r.status, trace_hash: r.trace_hash, failures: r.failures, events: r.stats.events };
  if (m) out.metrics = { ...m.metrics, lost_writes: r.properties['acknowledged-writes']?.stats.lost ?? 0 };
  return out;
}

/** Runs several seeds per message to keep the per-message cost of the pool small. */
export default function runBatch(batch: SweepTask[]): SweepOutcome[] {
  return batch.map(runTask);
}
