// The scenario's steps on real processes, in real time: one async handler per op the real backend
// supports, with the simulator's meaning (steps/<op>.ts) and its failure messages; the ops it cannot
// run are refused before anything starts (unsupportedOps).
import type { ResolvedScenario, ResolvedStep } from '../../scenario/resolve.js';
import type { Failure, RefusedWrites, Snapshot } from '../../scenario/runner.js';
import type { Matcher } from '../../scenario/types.js';
import { matches } from '../../scenario/steps/fields.js';
import { expectEqualVerdict, expectVerdict, replyVerdict, runUntilMessage, type StepFailure } from '../../scenario/steps/verdicts.js';
import type { ReplyExpectation } from '../../scenario/steps/context.js';
import type { Fabric } from './fabric.js';
import type { RedisProcesses } from './processes.js';
import { RespError, type RespValue } from './resp.js';
import type { RealOrchestrator } from './orchestrator.js';
import { sleepMs } from '../../harness/wall-clock.js';
import type { WriteRecorder } from './writes.js';

const POLL_MS = 20;
/** How long a SHUTDOWN command may take before the process is counted as hung (a master may wait for its replicas: shutdown-timeout is 10 s). */
const SHUTDOWN_WAIT_MS = 15_000;
/** Steps that give a monitor nothing to decide (outside a fault phase, whose decisions are planned). */
const MONITOR_QUIET = new Set<ResolvedStep['op']>(['wait-sync', 'faults', 'expect', 'expect-equal', 'sleep', 'run-until', 'write']);
/** The commands of a replayed fault phase that are not the workload's writes. */
const NOT_WRITES = new Set(['MULTI', 'EXEC', 'SELECT', 'SHUTDOWN']);
/** How often a settle re-applies the topology while it waits (the simulator's orchestrator looks every 100 ms). */
const RESTORE_EVERY_US = 500_000;

export class Stop extends Error {}

/**
 * Why the real backend cannot run this scenario as written: one line per reason, empty when it can.
 * A fault phase (`faults`, the `faults` step) is planned into steps first (fault-plan.ts).
 */
export function unsupportedOps(sc: ResolvedScenario): string[] {
  const out: string[] = [];
  if (Object.keys(sc.clients).length > 0) out.push('"clients": application clients are not on the real backend yet');
  if (Object.keys(sc.sentinels).length > 0) out.push('"sentinels": Sentinels are not on the real backend yet');
  // the monitor's decisions inside a fault phase are in its plan; outside one they would have no real counterpart
  const monitorQuiet = sc.faults !== null && sc.steps.every((s) => MONITOR_QUIET.has(s.op));
  if (sc.monitor && !monitorQuiet) out.push('"monitor": the ideal failover is a simulator construct (its omniscient view has no real counterpart); with a fault phase its decisions are replayed, but then no step outside the phase may take a node down or cut it off');
  sc.steps.forEach((s, i) => {
    const where = `steps[${i}] (${s.op})`;
    if (s.op === 'workload') out.push(`${where}: background writes outside a fault phase are not on the real backend yet`);
    else if ((s.op === 'write' || s.op === 'command') && s.client !== undefined) out.push(`${where}: "client" (application clients are not on the real backend yet)`);
    else if (s.op === 'network' && (s.change.latencyUs !== undefined || s.change.jitterUs !== undefined || s.change.bandwidthBytesPerSec !== undefined)) {
      out.push(`${where}: latency, jitter and bandwidth cannot be emulated on this kernel (no netem); only "loss" can`);
    } else if (s.op === 'network' && s.oneway) out.push(`${where}: "oneway" loss is not supported on the real backend`);
  });
  return out;
}

/** A reply as the simulator's replyText() writes it, for messages and the command log. */
export function replyText(r: RespValue | undefined): string {
  if (r === undefined) return '(node down)';
  if (r === null) return '(nil)';
  if (r instanceof RespError) return `-${r.message}`;
  if (Array.isArray(r)) return `[${r.map((x) => replyText(x)).join(', ')}]`;
  return String(r);
}

export interface RealContext {
  readonly sc: ResolvedScenario;
  readonly procs: RedisProcesses;
  readonly fabric: Fabric;
  stepIndex: number;
  readonly failures: Failure[];
  /** µs since the run started. */
  nowUs(): number;
  writes: number;
  ackedWrites: number;
  readonly refusedWrites: RefusedWrites[];
  /** Nodes whose startAfterMs has not come yet: not in sync until they have started. */
  readonly pendingStart: Set<string>;
  /** Values `changedSince` matchers compare with: `${step}\0${node}\0${field}`. */
  readonly remembered: Map<string, string | number | null>;
  /** `${from}\0${to}` for every direction the fabric drops now (the orchestrator's reachability). */
  readonly blocked: Set<string>;
  readonly orch: RealOrchestrator;
  /** The step replays a planned fault phase (its command steps are the workload's writes). */
  inPlan: boolean;
  /** What the `snapshot` steps recorded. */
  readonly snapshots: Snapshot[];
  /** Every command a write or command step sent, with its reply (the properties on what clients saw). */
  readonly recorder: WriteRecorder;
  /** Each CONFIG RESETSTAT a step sent, with the size of the node's log before it and after its reply. */
  readonly statResets: { node: string; t: number; logFrom: number; logTo: number }[];
  /** The size in bytes of a node's log now (where a later line will start). */
  logSize(node: string): number;
  /** Each settle step's outcome: how long it took to converge, or why it did not. */
  readonly settles: { t: number; afterUs: number | null; report: string | null }[];
}

/** Send a command through `send` and note it and its reply in the run's write record. */
async function noted<R extends RespValue | 'exited' | undefined>(ctx: RealContext, node: string, args: (string | number)[], send: (args: (string | number)[]) => Promise<R>): Promise<R> {
  const conn = ctx.procs.connection(node);
  const logs: Record<string, number> = {};
  for (const n of ctx.procs.names) logs[n] = ctx.logSize(n);
  const seen = { logs, kills: ctx.procs.crashes().length };
  const invoked = ctx.nowUs();
  const r = await send(args);
  ctx.recorder.note(node, conn, args, invoked, seen, ctx.nowUs(), r);
  return r;
}

/** A failure of step `at` (default: the current one; a pipelined command finishes after later steps began). */
function fail(ctx: RealContext, f: StepFailure, at = ctx.stepIndex): void {
  const step = ctx.sc.steps[at];
  ctx.failures.push({ time_us: ctx.nowUs(), ...(step ? { step: at, op: step.op } : {}), ...f });
}

function liveness(ctx: RealContext, message: string): never {
  fail(ctx, { kind: 'liveness', message });
  throw new Stop(message);
}

/** A node's field as expect / run-until read it: INFO fields, `digest` (DEBUG DIGEST), `dbsize`; null when down. */
export async function fieldValue(ctx: RealContext, node: string, field: string): Promise<string | number | null> {
  if (!ctx.procs.isRunning(node)) return null;
  if (field === 'digest') {
    const d = await ctx.procs.call(node, ['DEBUG', 'DIGEST']);
    return typeof d === 'string' ? d : null;
  }
  if (field === 'dbsize') {
    // db 0's keys, as the simulator counts them: DBSIZE would count the db a replayed SELECT left
    // this connection on
    const text = await ctx.procs.call(node, ['INFO', 'keyspace']);
    if (typeof text !== 'string') return null;
    return Number(/^db0:keys=(\d+)/m.exec(text)?.[1] ?? 0);
  }
  const info = await ctx.procs.info(node);
  return info?.[field] ?? null;
}

function earlier(ctx: RealContext, node: string, field: string, m: Matcher): string | number | null | undefined {
  return typeof m === 'object' && m.changedSince !== undefined ? ctx.remembered.get(`${m.changedSince}\u0000${node}\u0000${field}`) : undefined;
}

function checkReply(ctx: RealContext, step: ReplyExpectation, args: (string | number)[], r: RespValue | undefined, at = ctx.stepIndex): void {
  const error = r === undefined ? `node ${step.node} is not running` : r instanceof RespError ? r.message : null;
  const f = replyVerdict(at, step, args, error, replyText(r));
  if (f) fail(ctx, f, at);
}

/** Every running replica has its link up and its master's offset, and no FAILOVER is in progress. */
async function inSync(ctx: RealContext): Promise<string | null> {
  if (ctx.pendingStart.size > 0) return `${[...ctx.pendingStart].join(', ')} not started yet`;
  const infos = new Map<string, Record<string, string | number>>();
  for (const n of ctx.procs.names) {
    const i = await ctx.procs.info(n);
    if (i) infos.set(n, i);
  }
  for (const [n, i] of infos) {
    if (i.master_failover_state !== undefined && i.master_failover_state !== 'no-failover') return `${n}: FAILOVER in progress (${i.master_failover_state})`;
    if (i.role !== 'slave') continue;
    const m = infos.get(String(i.master_host));
    if (!m) return `${n}: its master ${i.master_host} is down`;
    if (i.master_link_status !== 'up') return `${n}: link to ${i.master_host} is ${i.master_link_status}`;
    if (i.master_repl_offset !== m.master_repl_offset) return `${n}: offset ${i.master_repl_offset}, its master ${i.master_host} ${m.master_repl_offset}`;
    // as in the simulator: the master must list it online too (a close it sent may still be on its way)
    const listed = Object.keys(m).some((k) => /^slave\d+$/.test(k) && String(m[k]).startsWith(`ip=${n},`) && String(m[k]).includes('state=online'));
    if (!listed) return `${n}: not online at ${i.master_host}`;
  }
  return null;
}

async function until(ctx: RealContext, timeoutUs: number, done: () => Promise<boolean>): Promise<boolean> {
  const end = ctx.nowUs() + timeoutUs;
  for (;;) {
    if (await done()) return true;
    if (ctx.nowUs() >= end) return false;
    await sleepMs(POLL_MS);
  }
}

type Handler<Op extends ResolvedStep['op']> = (ctx: RealContext, step: Extract<ResolvedStep, { op: Op }>) => Promise<void>;
type Handlers = { [Op in ResolvedStep['op']]?: Handler<Op> };

const HANDLERS: Handlers = {
  async write(ctx, step) {
    const node = step.node!;
    if (step.db !== undefined) await noted(ctx, node, ['SELECT', step.db], (args) => ctx.procs.call(node, args));
    let refused = 0;
    let firstError = '';
    for (let i = 1; i <= step.count; i++) {
      const size = step.valueSize;
      const value = `${ctx.stepIndex}:${i}`.padEnd(size, 'x').slice(0, Math.max(size, 0));
      const r = await noted(ctx, node, ['SET', `${step.prefix}${i}`, value], (args) => ctx.procs.call(node, args));
      ctx.writes++;
      if (r === 'OK') ctx.ackedWrites++;
      else if (refused++ === 0) firstError = r instanceof RespError ? r.message : replyText(r);
      if (step.intervalUs > 0 && i < step.count) await sleepMs(step.intervalUs / 1000);
    }
    if (refused > 0) ctx.refusedWrites.push({ step: ctx.stepIndex, node, refused, of: step.count, error: firstError });
  },
  async command(ctx, step) {
    const node = step.node!;
    const at = ctx.stepIndex;
    const inPlan = ctx.inPlan;
    const shutdown = String(step.args[0]).toUpperCase() === 'SHUTDOWN';
    const resetstat = String(step.args[0]).toUpperCase() === 'CONFIG' && String(step.args[1]).toUpperCase() === 'RESETSTAT';
    const logFrom = resetstat ? ctx.logSize(node) : 0;
    const r = await noted(ctx, node, step.args, (args) => (shutdown ? ctx.procs.shutdownCommand(node, args, SHUTDOWN_WAIT_MS) : ctx.procs.command(node, args)));
    if (resetstat && r === 'OK') ctx.statResets.push({ node, t: ctx.nowUs(), logFrom, logTo: ctx.logSize(node) });
    // a SHUTDOWN that worked has no reply, as in the simulator
    if (r !== 'exited') checkReply(ctx, { ...step, node }, step.args, r, at);
    if (inPlan && !NOT_WRITES.has(String(step.args[0]).toUpperCase())) {
      ctx.writes++;
      if (r !== undefined && r !== 'exited' && !(r instanceof RespError)) ctx.ackedWrites++;
    }
  },
  async sleep(_ctx, step) {
    await sleepMs(step.durationUs / 1000);
  },
  async 'wait-sync'(ctx, step) {
    let why: string | null = null;
    if (!(await until(ctx, step.timeoutUs, async () => (why = await inSync(ctx)) === null))) liveness(ctx, `wait-sync: not in sync after ${step.timeoutUs / 1000} ms: ${why}`);
  },
  async 'run-until'(ctx, step) {
    const holds = async () => {
      for (const [f, m] of step.checks) if (!matches(await fieldValue(ctx, step.node, f), m, earlier(ctx, step.node, f, m))) return false;
      return true;
    };
    if (!(await until(ctx, step.timeoutUs, holds))) {
      const now: (string | number | null)[] = [];
      for (const [f] of step.checks) now.push(await fieldValue(ctx, step.node, f));
      liveness(ctx, runUntilMessage(step.node, step.checks, step.timeoutUs, now));
    }
  },
  async replicaof(ctx, step) {
    const at = ctx.stepIndex; // before the reply: a decision's re-points run at once (run.ts)
    const args = step.primary === null ? ['REPLICAOF', 'NO', 'ONE'] : ['REPLICAOF', step.primary];
    checkReply(ctx, step, args, await ctx.procs.command(step.node, args), at);
  },
  async failover(ctx, step) {
    const args: (string | number)[] = ['FAILOVER'];
    if (step.to) args.push('TO', step.to);
    if (step.timeoutMs !== undefined) args.push('TIMEOUT', step.timeoutMs);
    if (step.force) args.push('FORCE');
    checkReply(ctx, step, args, await ctx.procs.command(step.node, args));
  },
  async 'kill-link'(ctx, step) {
    await ctx.procs.call(step.node, ['CLIENT', 'KILL', 'TYPE', 'master']);
  },
  async 'kill-replicas'(ctx, step) {
    await ctx.procs.call(step.node, ['CLIENT', 'KILL', 'TYPE', 'replica']);
  },
  async partition(ctx, step) {
    await ctx.fabric.partition(step.groups);
    for (const g of step.groups) for (const h of step.groups) if (g !== h) for (const a of g) for (const b of h) ctx.blocked.add(`${a}\u0000${b}`);
  },
  async 'partition-oneway'(ctx, step) {
    await ctx.fabric.cutOneWay(step.from, step.to);
    ctx.blocked.add(`${step.from}\u0000${step.to}`);
  },
  async isolate(ctx, step) {
    await ctx.fabric.isolate(step.node);
    for (const o of ctx.procs.names) if (o !== step.node) ctx.blocked.add(`${step.node}\u0000${o}`).add(`${o}\u0000${step.node}`);
  },
  async heal(ctx) {
    await ctx.fabric.heal();
    ctx.blocked.clear();
  },
  async snapshot(ctx, step) {
    const nodes: Snapshot['nodes'] = {};
    for (const n of step.nodes ?? ctx.procs.names) {
      nodes[n] = {};
      for (const f of step.fields) nodes[n][f] = await fieldValue(ctx, n, f);
    }
    ctx.snapshots.push({ step: ctx.stepIndex, label: step.label, time_us: ctx.nowUs(), nodes });
  },
  async 'orchestrated-failover'(ctx) {
    await ctx.orch.failover('scenario step');
  },
  async settle(ctx, step) {
    await settle(ctx, step.timeoutUs);
  },
  async network(ctx, step) {
    if (step.change.loss !== undefined) await ctx.fabric.loss(step.change.loss, step.between);
  },
  async pause(ctx, step) {
    ctx.procs.pause(step.node, step.durationUs / 1000);
  },
  async crash(ctx, step) {
    await ctx.procs.crash(step.node);
  },
  async shutdown(ctx, step) {
    if (!ctx.procs.isRunning(step.node)) return;
    const timeoutS = Number((await ctx.procs.call(step.node, ['CONFIG', 'GET', 'shutdown-timeout']) as RespValue[] | undefined)?.[1] ?? 10);
    await ctx.procs.shutdown(step.node, step.save, (timeoutS + 2) * 1000);
  },
  async restart(ctx, step) {
    if (ctx.procs.isRunning(step.node)) {
      fail(ctx, { kind: 'expectation', node: [step.node], message: `restart: node ${step.node} is still running; crash or shut it down first` });
      return;
    }
    await ctx.procs.start(step.node, { ...(step.replicaof !== undefined ? { replicaof: step.replicaof } : {}), ...(step.wipe ? { wipe: true } : {}) });
  },
  async expect(ctx, step) {
    for (const [field, m] of step.checks) {
      const f = expectVerdict(ctx.stepIndex, step.node, field, m, await fieldValue(ctx, step.node, field), earlier(ctx, step.node, field, m), ctx.procs.isRunning(step.node));
      if (f) fail(ctx, f);
    }
  },
  async 'expect-equal'(ctx, step) {
    for (const field of step.fields) {
      const values: (string | number | null)[] = [];
      for (const n of step.nodes) values.push(await fieldValue(ctx, n, field));
      const f = expectEqualVerdict(ctx.stepIndex, step.nodes, field, values);
      if (f) fail(ctx, f);
    }
  },
};

/**
 * After faults (the simulator's sim/faults/settle.ts): heal the network, start every node that is
 * down as a replica of the known master, put the topology in order, and wait until the deployment
 * has converged; otherwise the convergence property fails and the run ends here.
 */
async function settle(ctx: RealContext, timeoutUs: number): Promise<void> {
  const t0 = ctx.nowUs();
  await ctx.fabric.heal();
  ctx.blocked.clear();
  for (const n of ctx.procs.names) if (!ctx.procs.isRunning(n) && !ctx.pendingStart.has(n)) await ctx.procs.start(n, { replicaof: ctx.orch.replicaofFor(n) });
  let restoredAt = Number.NEGATIVE_INFINITY;
  let why: string | null = null;
  const done = await until(ctx, timeoutUs - (ctx.nowUs() - t0), async () => {
    if (ctx.nowUs() - restoredAt >= RESTORE_EVERY_US) {
      restoredAt = ctx.nowUs();
      await ctx.orch.restoreTopology();
    }
    why = await ctx.orch.notConverged(() => inSync(ctx));
    return why === null;
  });
  if (done) {
    ctx.settles.push({ t: ctx.nowUs(), afterUs: ctx.nowUs() - t0, report: null });
    return;
  }
  const message = `not converged ${timeoutUs / 1000} ms after the faults stopped and the network healed: ${why}`;
  ctx.settles.push({ t: ctx.nowUs(), afterUs: null, report: why });
  // liveness, as in the simulator (exit 3): the network did not bring the topology back in time
  fail(ctx, { kind: 'liveness', property: 'convergence', node: [...ctx.procs.names].sort(), message: `convergence: ${message}` });
  throw new Stop(message);
}

export async function runRealStep(ctx: RealContext, step: ResolvedStep): Promise<void> {
  const h = HANDLERS[step.op] as Handler<typeof step.op> | undefined;
  if (!h) throw new Error(`steps[${ctx.stepIndex}] (${step.op}): no real-backend handler (unsupportedOps should have refused it)`);
  await h(ctx, step as never);
}

/** The (node, field) pairs a later `changedSince` matcher needs remembered after each step. */
export function toRemember(sc: ResolvedScenario): Map<number, [string, string][]> {
  const out = new Map<number, [string, string][]>();
  for (const s of sc.steps) {
    if (s.op !== 'expect' && s.op !== 'run-until') continue;
    for (const [field, m] of s.checks) {
      if (typeof m !== 'object' || m.changedSince === undefined) continue;
      const list = out.get(m.changedSince) ?? [];
      list.push([s.node, field]);
      out.set(m.changedSince, list);
    }
  }
  return out;
}
