// Runs a validated scenario on a World: the steps in order, expectations, the fault phase with its
// settle phase, and the orchestrator. Collects failures; the result is assembled by sim/run.ts.

import type { World } from './world.js';
import { Orchestrator } from './orchestrator.js';
import { runFaultPhase } from '../faults/phase.js';
import { settle } from '../faults/settle.js';
import type { Matcher, Scenario, Step } from '../../scenarios/types.js';
import { parseDurationUs, parseRateBytesPerSec } from '../units.js';
import { isError, type Reply } from '../redis/reply.js';
import { infoFields } from '../redis/info.js';
import { isWriteCommand } from '../redis/commands.js';
import { PENDING } from '../redis/dispatch.js';
import type { LimitName } from '../errors.js';

export type FailureKind = 'expectation' | 'liveness' | 'property';

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

/** Thrown to end a run early on a liveness failure. */
class Stop extends Error {}

const DEFAULT_WAIT_US = 60_000_000;
const DEFAULT_SETTLE_MS = 60_000;
const MONITOR_TICK_US = 100_000;

export function fieldValue(w: World, node: string, field: string): string | number | null {
  const n = w.nodeOrNull(node);
  if (!n) return null;
  if (field === 'digest') return n.ds.digest();
  if (field === 'dbsize') return n.ds.dbsize(0);
  const v = infoFields(n)[field];
  return v === undefined ? null : v;
}

/** `earlier`: the field's value right after the step a `changedSince` matcher names. */
export function matches(actual: string | number | null, m: Matcher, earlier?: string | number | null): boolean {
  if (actual === null) return false;
  if (typeof m === 'object') {
    if (m.changedSince !== undefined && String(actual) === String(earlier)) return false;
    if (m.not !== undefined && String(actual) === String(m.not)) return false;
    if (m.min !== undefined && !(typeof actual === 'number' && actual >= m.min)) return false;
    if (m.max !== undefined && !(typeof actual === 'number' && actual <= m.max)) return false;
    return true;
  }
  return String(actual) === String(m);
}

function describeMatcher(m: Matcher): string {
  if (typeof m !== 'object') return JSON.stringify(m);
  return Object.entries(m).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(' and ');
}

export class Runner {
  readonly orch: Orchestrator;
  readonly failures: Failure[] = [];
  /** Client writes so far, and how many were acknowledged (counts only: a long run must not keep every write). */
  writesTotal = 0;
  writesAcked = 0;
  private stepIndex = -1;
  /** For `changedSince` matchers: step index -> the (node, field) pairs to read right after it. */
  private readonly toRemember = new Map<number, [string, string][]>();
  /** "step\0node\0field" -> the value read then. */
  private readonly remembered = new Map<string, string | number | null>();
  private monitorUs: number | null;

  constructor(
    readonly w: World,
    readonly sc: Scenario,
  ) {
    this.orch = new Orchestrator(w);
    for (const step of sc.steps ?? []) {
      if (step.op !== 'expect' && step.op !== 'run-until') continue;
      for (const [field, m] of conditions(step as unknown as Record<string, unknown>)) {
        if (typeof m === 'object' && m.changedSince !== undefined) {
          const list = this.toRemember.get(m.changedSince) ?? [];
          list.push([step.node as string, field]);
          this.toRemember.set(m.changedSince, list);
        }
      }
    }
    this.monitorUs = sc.monitor ? sc.monitor['down-after-ms'] * 1000 : null;
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

  private fail(f: Omit<Failure, 'time_us' | 'step' | 'op'>): void {
    const step = this.stepIndex >= 0 ? this.sc.steps?.[this.stepIndex] : undefined;
    this.failures.push({ time_us: this.w.sched.nowUs, ...(step ? { step: this.stepIndex, op: step.op } : {}), ...f });
  }

  /** Run every step, then (if the scenario has faults and no "faults" step) the fault phase. */
  run(): void {
    const steps = this.sc.steps ?? [];
    try {
      let faultsDone = false;
      for (let i = 0; i < steps.length; i++) {
        this.stepIndex = i;
        if (steps[i]!.op === 'faults') faultsDone = true;
        this.exec(steps[i]!);
        for (const [n, f] of this.toRemember.get(i) ?? []) this.remembered.set(`${i}\u0000${n}\u0000${f}`, fieldValue(this.w, n, f));
      }
      this.stepIndex = -1;
      if (this.sc.faults && !faultsDone) this.faultPhase();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }

  private liveness(message: string): never {
    this.fail({ kind: 'liveness', message });
    throw new Stop(message);
  }

  private call(node: string, args: (string | number)[]): Reply | typeof PENDING | null {
    if (!this.w.isRunning(node)) return null;
    const r = this.w.call(node, args);
    this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.command', node, args: args.map(String), reply: r === PENDING ? '(blocked)' : replyText(r) });
    return r;
  }

  private earlier(node: string, field: string, m: Matcher): string | number | null | undefined {
    return typeof m === 'object' && m.changedSince !== undefined ? this.remembered.get(`${m.changedSince}\u0000${node}\u0000${field}`) : undefined;
  }

  /**
   * A command step's reply: an error fails the run unless the step expects it ("expectError": the
   * start of the error text) or tolerates one ("mayFail"); a step that expects an error fails when
   * the command succeeds.
   */
  private checkReply(step: Step & { node: string; expectError?: string; mayFail?: boolean }, args: (string | number)[], r: Reply | typeof PENDING | null): void {
    if (r === PENDING || step.mayFail) return;
    const cmd = args.join(' ');
    const got = r === null ? `node ${step.node} is not running` : isError(r) ? r.message : null;
    const want = step.expectError;
    if (want === undefined) {
      if (got !== null) this.fail({ kind: 'expectation', node: [step.node], expected: 'a reply that is not an error', actual: got, message: `step ${this.stepIndex} (${step.op}): ${cmd} on ${step.node} was refused: ${got} (add "expectError": "<start of the error>" to the step if that is intended)` });
    } else if (got === null || !got.startsWith(want)) {
      this.fail({ kind: 'expectation', node: [step.node], expected: `an error starting with ${JSON.stringify(want)}`, actual: got ?? replyText(r!), message: `step ${this.stepIndex} (${step.op}): ${cmd} on ${step.node}: expected an error starting with ${JSON.stringify(want)}, got ${got === null ? JSON.stringify(replyText(r!)) : got}` });
    }
  }

  private exec(step: Step): void {
    const w = this.w;
    switch (step.op) {
      case 'write': {
        const count = step.count ?? 1;
        const prefix = step.prefix ?? 'key:';
        const size = step.valueSize ?? 8;
        const gapUs = (step.intervalMs ?? 0) * 1000;
        if (step.db !== undefined) this.call(step.node, ['SELECT', step.db]);
        for (let i = 1; i <= count; i++) {
          const args = ['SET', `${prefix}${i}`, `${this.stepIndex}:${i}`.padEnd(size, 'x').slice(0, Math.max(size, 0))];
          const node = step.node;
          const r = w.isRunning(node) ? w.call(node, args) : null;
          this.recordWrite(node, args, r !== null && r !== PENDING && !isError(r));
          if (gapUs > 0 && i < count) w.runFor(gapUs);
        }
        return;
      }
      case 'command': {
        const r = this.call(step.node, step.args);
        this.checkReply(step, step.args, r);
        const name = String(step.args[0]).toUpperCase();
        // a plain SET is tracked like a write step's; one with options only marks its key as touched
        const plainSet = name === 'SET' && step.args.length === 3;
        if (isWriteCommand(name) || name === 'FLUSHALL') this.recordWrite(step.node, step.args.map(String), r !== null && r !== PENDING && !isError(r), name === 'SET' && !plainSet ? 'SET-OPTIONS' : undefined);
        return;
      }
      case 'sleep':
        w.runFor(Math.round(step.ms * 1000));
        return;
      case 'wait-sync': {
        const timeoutUs = step.timeoutMs !== undefined ? step.timeoutMs * 1000 : DEFAULT_WAIT_US;
        // without a monitor nothing can break a cycle of replicas: say so now rather than time out
        const cycle = this.monitorUs === null ? w.replicaCycle() : null;
        if (cycle) this.liveness(`wait-sync: ${cycle.join(' -> ')} is a cycle of replicas, so no node is their master and they can never be in sync; point one of them at a master or make it one with {"op": "replicaof", "node": "${cycle[0]}", "primary": null}`);
        if (!w.waitSync(timeoutUs)) this.liveness(`wait-sync: not in sync after ${timeoutUs / 1000} ms: ${w.syncReport()}`);
        return;
      }
      case 'run-until': {
        const conds = conditions(step as unknown as Record<string, unknown>);
        const timeoutUs = step.timeoutMs !== undefined ? step.timeoutMs * 1000 : DEFAULT_WAIT_US;
        const ok = w.runUntil(() => conds.every(([f, m]) => matches(fieldValue(w, step.node, f), m, this.earlier(step.node, f, m))), timeoutUs);
        if (!ok) {
          const now = conds.map(([f]) => `${f}=${JSON.stringify(fieldValue(w, step.node, f))}`).join(', ');
          this.liveness(`run-until on ${step.node}: ${conds.map(([f, m]) => `${f} ${describeMatcher(m)}`).join(', ')} did not hold within ${timeoutUs / 1000} ms (now ${now})`);
        }
        return;
      }
      case 'replicaof': {
        const args = step.primary === null ? ['REPLICAOF', 'NO', 'ONE'] : ['REPLICAOF', step.primary];
        this.checkReply(step, args, this.call(step.node, args));
        return;
      }
      case 'failover': {
        const args: (string | number)[] = ['FAILOVER'];
        if (step.to) args.push('TO', step.to);
        if (step.timeoutMs !== undefined) args.push('TIMEOUT', step.timeoutMs);
        if (step.force) args.push('FORCE');
        this.checkReply(step, args, this.call(step.node, args));
        return;
      }
      case 'orchestrated-failover':
        this.orch.failover('scenario step');
        return;
      case 'kill-link':
        this.call(step.node, ['CLIENT', 'KILL', 'TYPE', 'master']);
        return;
      case 'kill-replicas':
        this.call(step.node, ['CLIENT', 'KILL', 'TYPE', 'replica']);
        return;
      case 'partition':
        w.net.partition(step.groups);
        return;
      case 'partition-oneway':
        w.net.partitionOneway(step.from, step.to);
        return;
      case 'isolate':
        w.net.isolate(step.node);
        return;
      case 'heal':
        w.net.heal();
        return;
      case 'network': {
        const p = this.stepPath();
        const change = {
          ...(step.latency !== undefined ? { latencyUs: parseDurationUs(step.latency, `${p}.latency`) } : {}),
          ...(step.jitter !== undefined ? { jitterUs: parseDurationUs(step.jitter, `${p}.jitter`) } : {}),
          ...(step.loss !== undefined ? { loss: step.loss } : {}),
          ...(step.bandwidth !== undefined ? { bandwidthBytesPerSec: parseRateBytesPerSec(step.bandwidth, `${p}.bandwidth`) } : {}),
        };
        w.net.setLink(change, step.between, step.oneway === true);
        return;
      }
      case 'pause':
        if (w.isRunning(step.node)) w.pause(step.node, Math.round(step.ms * 1000));
        return;
      case 'crash':
        w.crash(step.node);
        return;
      case 'shutdown':
        if (w.isRunning(step.node)) {
          w.call(step.node, step.save === undefined ? ['SHUTDOWN'] : ['SHUTDOWN', step.save ? 'SAVE' : 'NOSAVE'], () => {});
          // a master may wait for its replicas (up to shutdown-timeout): let that happen
          w.runUntil(() => !w.isRunning(step.node), (w.configFor(step.node)['shutdown-timeout'] + 1) * 1_000_000);
        }
        return;
      case 'restart':
        if (w.isRunning(step.node)) {
          this.fail({ kind: 'expectation', node: [step.node], message: `restart: node ${step.node} is still running; crash or shut it down first` });
          return;
        }
        w.restart(step.node, { ...(step.replicaof !== undefined ? { replicaof: step.replicaof } : {}), ...(step.wipe ? { wipe: true } : {}) });
        this.orch.noteRestart(step.node);
        return;
      case 'expect': {
        for (const [field, m] of conditions(step as unknown as Record<string, unknown>)) {
          const actual = fieldValue(w, step.node, field);
          const earlier = this.earlier(step.node, field, m);
          if (!matches(actual, m, earlier)) {
            const why = actual === null && !w.isRunning(step.node) ? ` (node ${step.node} is not running)` : '';
            this.fail({ kind: 'expectation', node: [step.node], field, expected: m, actual, message: `step ${this.stepIndex} (expect): ${step.node}.${field} expected ${describeMatcher(m)}${typeof m === 'object' && m.changedSince !== undefined ? ` (it was ${JSON.stringify(earlier)})` : ''}, actual ${JSON.stringify(actual)}${why}` });
          }
        }
        return;
      }
      case 'expect-equal':
        for (const field of step.fields) {
          const values = step.nodes.map((n) => fieldValue(w, n, field));
          if (new Set(values.map((v) => JSON.stringify(v))).size > 1) {
            this.fail({ kind: 'expectation', node: [...step.nodes], field, expected: 'equal', actual: Object.fromEntries(step.nodes.map((n, i) => [n, values[i]])), message: `step ${this.stepIndex} (expect-equal): ${field} differs: ${step.nodes.map((n, i) => `${n}=${JSON.stringify(values[i])}`).join(', ')}` });
          }
        }
        return;
      case 'faults':
        this.faultPhase();
        return;
      case 'settle':
        this.settle((step.timeoutMs ?? DEFAULT_SETTLE_MS) * 1000);
        return;
    }
  }

  /**
   * Every client write goes into the trace as x.write (for the acknowledged-writes property).
   * `as` overrides the command name (a raw SET from a command step may carry options).
   */
  recordWrite(node: string, args: string[], acked: boolean, as?: string): void {
    const n = this.w.nodeOrNull(node);
    const db = n && this.w.isRunning(node) ? this.w.client(node).db : 0;
    const cmd = as ?? args[0]!.toUpperCase();
    this.writesTotal++;
    if (acked) this.writesAcked++;
    this.w.trace.emit({ t: this.w.sched.nowUs, type: 'x.write', node, db, cmd, key: args[1] ?? null, value: cmd === 'SET' ? args[2] : null, acked });
  }

  private stepPath(): string {
    return `steps[${this.stepIndex}]`;
  }

  /** The fault phase, then heal everything and give the run settleMs to converge. */
  private faultPhase(): void {
    const spec = this.sc.faults!;
    runFaultPhase(this.w, this.orch, spec, this.sc.workload, (rec, acked) => this.recordWrite(rec.node, rec.args, acked));
    this.settle((spec.settleMs ?? DEFAULT_SETTLE_MS) * 1000);
  }

  /** Settle (sim/faults/settle.ts); the run ends here when it does not converge in settleUs. */
  private settle(settleUs: number): void {
    this.scheduleMonitor(); // nodes that come back later are re-pointed by the orchestrator's ticks
    const report = settle(this.w, this.orch, settleUs);
    if (report !== null) throw new Stop(report);
  }
}

function conditions(step: Record<string, unknown>): [string, Matcher][] {
  return Object.keys(step)
    .filter((k) => !['op', 'node', 'comment', 'timeoutMs'].includes(k))
    .map((k) => [k, step[k] as Matcher]);
}

export function replyText(r: Reply | null): string {
  if (r === null) return '(nil)';
  if (isError(r)) return `-${r.message}`;
  if (Array.isArray(r)) return `[${r.map((x) => replyText(x)).join(', ')}]`;
  return String(r);
}
