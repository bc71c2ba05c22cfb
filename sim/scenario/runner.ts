// Runs a resolved scenario (resolve.ts) on a World: the steps in order, expectations, the fault phase
// with its settle phase, and the orchestrator; each step by its handler (sim/scenario/steps/). Collects
// failures; the result is assembled by sim/harness/simulate.ts.

import type { World } from '../cluster/world.js';
import { Orchestrator } from '../cluster/orchestrator.js';
import { runFaultPhase } from '../faults/phase.js';
import { makeWorkload, type BackgroundWorkload } from '../faults/workload.js';
import { settle } from '../faults/settle.js';
import type { Matcher } from './types.js';
import type { ResolvedScenario } from './resolve.js';
import { isError, replyText, type Reply } from '../redis/reply.js';
import { runStep } from './steps/index.js';
import { fieldValue } from './steps/fields.js';
import { replyVerdict } from './steps/verdicts.js';
import type { ReplyExpectation, StepContext } from './steps/context.js';
import { PENDING } from '../redis/dispatch.js';
import type { LimitName } from '../errors.js';

export type FailureKind = 'expectation' | 'liveness' | 'property';

/** What a `snapshot` step recorded: each node's fields (null when down or unknown). */
export interface Snapshot {
  step: number;
  label: string;
  time_us: number;
  nodes: Record<string, Record<string, string | number | null>>;
}

export interface Failure {
  kind: FailureKind;
  message: string;
  time_us: number;
  step?: number;
  op?: string;
  /** The nodes the failure is about (one for an expectation on a node; several for a property). */
  node?: string[];
  field?: string;
  expected?: unknown;
  actual?: unknown;
  property?: string;
  /** Set when a limit stopped the run (a liveness failure): the flag that raises it. */
  limit?: LimitName;
}

/** A `write` step whose node refused `refused` of its `of` writes; `error`: the first refusal. */
export interface RefusedWrites {
  step: number;
  node: string;
  refused: number;
  of: number;
  error: string;
}

/** Thrown to end a run early on a liveness failure. */
class Stop extends Error {}

const MONITOR_TICK_US = 100_000;

export class Runner implements StepContext {
  readonly orch: Orchestrator;
  readonly failures: Failure[] = [];
  /** Client writes so far, and how many were acknowledged (counts only: a long run must not keep every write). */
  writesTotal = 0;
  writesAcked = 0;
  /** `write` steps whose node refused some of their writes. */
  readonly refusedWrites: RefusedWrites[] = [];
  readonly snapshots: Snapshot[] = [];
  stepIndex = -1;
  /** For `changedSince` matchers: step index -> the (node, field) pairs to read right after it. */
  private readonly toRemember = new Map<number, [string, string][]>();
  /** "step\0node\0field" -> the value read then. */
  private readonly remembered = new Map<string, string | number | null>();
  private monitorUs: number | null;

  get monitored(): boolean {
    return this.monitorUs !== null;
  }

  constructor(
    readonly w: World,
    readonly sc: ResolvedScenario,
  ) {
    this.orch = new Orchestrator(w, sc.monitor?.near ?? null, w.sentinelNames.length > 0 ? () => w.sentinelsMaster() : null);
    w.masterHint = () => {
      this.orch.refresh();
      return this.orch.master;
    };
    for (const step of sc.steps) {
      if (step.op !== 'expect' && step.op !== 'run-until') continue;
      for (const [field, m] of step.checks) {
        if (typeof m === 'object' && m.changedSince !== undefined) {
          const list = this.toRemember.get(m.changedSince) ?? [];
          list.push([step.node, field]);
          this.toRemember.set(m.changedSince, list);
        }
      }
    }
    this.monitorUs = sc.monitor ? sc.monitor.downAfterUs : null;
    if (sc.monitor || sc.faults) this.scheduleMonitor();
  }

  private ticking = false;

  /** The orchestrator looks at the cluster every 100 ms (re-points returning nodes, monitors). */
  private scheduleMonitor(): void {
    if (this.ticking) return;
    this.ticking = true;
    this.tickLoop();
  }

  private tickLoop(): void {
    this.w.sched.after(MONITOR_TICK_US, () => {
      this.orch.tick(this.monitorUs);
      this.tickLoop();
    }, null);
  }

  fail(f: Omit<Failure, 'time_us' | 'step' | 'op'>): void {
    const step = this.stepIndex >= 0 ? this.sc.steps[this.stepIndex] : undefined;
    this.failures.push({ time_us: this.w.sched.nowUs, ...(step ? { step: this.stepIndex, op: step.op } : {}), ...f });
  }

  /** Run every step, then (if the scenario has faults and no "faults" step) the fault phase. */
  run(): void {
    const steps = this.sc.steps;
    try {
      let faultsDone = false;
      for (let i = 0; i < steps.length; i++) {
        this.stepIndex = i;
        if (steps[i]!.op === 'faults') faultsDone = true;
        runStep(this, steps[i]!);
        for (const [n, f] of this.toRemember.get(i) ?? []) this.remembered.set(`${i}\u0000${n}\u0000${f}`, fieldValue(this.w, n, f));
      }
      this.stepIndex = -1;
      this.background?.stop();
      if (this.sc.faults && !faultsDone) this.faultPhase();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }

  liveness(message: string): never {
    this.fail({ kind: 'liveness', message });
    throw new Stop(message);
  }

  call(node: string, args: (string | number)[]): Reply | typeof PENDING | undefined {
    if (!this.w.isRunning(node)) return undefined;
    const r = this.w.call(node, args);
    this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.command', node, args: args.map(String), reply: r === PENDING ? '(blocked)' : replyText(r) });
    return r;
  }

  earlier(node: string, field: string, m: Matcher): string | number | null | undefined {
    return typeof m === 'object' && m.changedSince !== undefined ? this.remembered.get(`${m.changedSince}\u0000${node}\u0000${field}`) : undefined;
  }

  /**
   * A command step's reply: an error fails the run unless the step expects it ("expectError": the
   * start of the error text) or tolerates one ("mayFail"); a step that expects an error fails when
   * the command succeeds.
   */
  checkReply(step: ReplyExpectation, args: (string | number)[], r: Reply | typeof PENDING | undefined): void {
    if (r === PENDING) return;
    const got = r === undefined ? `node ${step.node} is not running` : isError(r) ? r.message : null;
    const f = replyVerdict(this.stepIndex, step, args, got, r === undefined ? '' : replyText(r));
    if (f) this.fail(f);
  }

  /**
   * Every client write goes into the trace as x.write (for the acknowledged-writes property).
   * `as` overrides the command name (a raw SET from a command step may carry options).
   */
  noteRefusedWrites(node: string, refused: number, of: number, error: string): void {
    this.refusedWrites.push({ step: this.stepIndex, node, refused, of, error });
  }

  snapshot(label: string, nodes: Snapshot['nodes']): void {
    this.snapshots.push({ step: this.stepIndex, label, time_us: this.w.sched.nowUs, nodes });
  }

  recordWrite(node: string, args: string[], acked: boolean, as?: string, inDb?: number): void {
    const n = this.w.nodeOrNull(node);
    const db = inDb ?? (n && this.w.isRunning(node) ? this.w.client(node).db : 0);
    const cmd = as ?? args[0]!.toUpperCase();
    this.writesTotal++;
    if (acked) this.writesAcked++;
    this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.write', node, db, cmd, key: args[1] ?? null, value: cmd === 'SET' ? args[2] : null, acked });
  }


  private background: BackgroundWorkload | null = null;

  /** A `workload` step: the scenario's workload runs in the background until stopped (or the steps end). */
  workload(action: 'start' | 'stop'): void {
    this.background?.stop();
    this.background = null;
    if (action === 'stop') return;
    this.background = makeWorkload(this.w, this.orch, this.sc.workload, (rec, acked) => this.recordWrite(rec.node, rec.args, acked));
    this.background.start(Number.POSITIVE_INFINITY);
  }

  /** The fault phase, then heal everything and give the run settleUs to converge. */
  faultPhase(): void {
    const spec = this.sc.faults!;
    runFaultPhase(this.w, this.orch, spec, this.sc.workload, (rec, acked) => this.recordWrite(rec.node, rec.args, acked));
    this.settle(spec.settleUs);
  }

  /** Settle (sim/faults/settle.ts); the run ends here when it does not converge in settleUs. */
  settle(settleUs: number): void {
    this.scheduleMonitor(); // nodes that come back later are re-pointed by the orchestrator's ticks
    const report = settle(this.w, this.orch, settleUs);
    if (report !== null) throw new Stop(report);
  }
}
