// `replsim run FILE --backend real`: the scenario on real redis-server processes, in real time, with
// the network faults made by the fabric; the result in the simulator's shape (per-node INFO fields,
// digest, dbsize, failures, the properties a real run can judge). Everything started is removed.
import { mkdtempSync, rmSync, cpSync, statSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedScenario } from '../../scenario/resolve.js';
import type { Failure } from '../../scenario/runner.js';
import type { Seed } from '../../kernel/rng.js';
import { DEFAULT_LINK } from '../../net/links.js';
import { UserError } from '../../errors.js';
import { EqualIdOffsetEqualData } from '../../../properties/equal-id-offset-equal-data.js';
import type { PropertyReport } from '../../../properties/index.js';
import { runStatus, TOOL_VERSION, type RunStatus } from '../../harness/simulate.js';
import { createFabric, type FabricKind } from './fabric.js';
import { parseInfo, RedisProcesses, redisServerVersion } from './processes.js';
import { runRealStep, Stop, toRemember, unsupportedOps, fieldValue, type RealContext } from './steps.js';
import { mergeLogEvents, parseRedisLog, type LogEvent } from './log-events.js';
import { RealOrchestrator, repointInWaves } from './orchestrator.js';
import { hasFaultPhase, planFaultPhase, type FaultPlan } from './fault-plan.js';
import type { Scenario } from '../../scenario/types.js';
import { loadScenario } from '../../scenario/load.js';
import { sleepMs } from '../../harness/wall-clock.js';
import { WriteRecorder } from './writes.js';
import { judgeReal, keysToRead, type RealJudgeInput, type RealObservation } from './judge.js';
import { dbKey } from '../../../properties/client-ops.js';
import { LIVENESS_PROPERTIES } from '../../../properties/index.js';

/** Within a replayed fault phase, the per-step observation is taken at most this often (its writes come every few ms). */
const PLAN_OBSERVE_EVERY_US = 50_000;

export interface RealRunOptions {
  seed: Seed;
  /** The redis-server binary (default: the one on the PATH). */
  redisServer?: string;
  /** netns (root, ip, nft), loopback (127.0.0.1 ports, no network faults), or auto: netns when it works. */
  network?: FabricKind | 'auto';
  /** Copy every node's dir (redis.conf, redis.log, RDB/AOF files) here at the end. */
  keepDir?: string;
  /** Told of what the run does as it goes (start, each step), for a progress line. */
  onProgress?: (line: string) => void;
  /** Steps plan.first..plan.last replay a planned fault phase (fault-plan.ts; runRealScenario sets it). */
  plan?: Pick<FaultPlan, 'first' | 'last' | 'faults' | 'writes'>;
}

/** A node's final INFO fields (node names for addresses), `digest` (DEBUG DIGEST), `dbsize`; `running` false when down. */
export type RealNodeReport = { running: boolean } & Record<string, string | number | boolean>;

export interface RealRunResult {
  format: number;
  tool_version: string;
  backend: 'real';
  scenario: string;
  seed: Seed;
  status: RunStatus;
  failures: Failure[];
  nodes: Record<string, RealNodeReport>;
  /** Read from the servers' logs (log-events.ts), `t` in µs since the run started. */
  events: LogEvent[];
  stats: { events: number; elapsed_us: number; writes: number; acked_writes: number };
  parameters: { network: FabricKind; redis_server: string; warnings: string[] };
  properties: Record<string, PropertyReport>;
  refused_writes?: RealContext['refusedWrites'];
  /** What the scenario's `snapshot` steps recorded, as in a simulated run. */
  snapshots?: RealContext['snapshots'];
  /** The fault phase replayed from the simulator's schedule: its steps, fault injections and writes. */
  fault_plan?: { steps: number; faults: number; writes: number };
  /** What the orchestrator decided (orchestrated-failover, settle), `t` in µs since the run started. */
  orchestrator?: Record<string, unknown>[];
}

/** What the scenario asks of the network that a real run cannot do: warnings, not refusals (the steps are refused apart). */
function networkWarnings(sc: ResolvedScenario): string[] {
  const n = sc.network;
  const out: string[] = [];
  if (n.latencyUs !== DEFAULT_LINK.latencyUs || n.jitterUs !== DEFAULT_LINK.jitterUs) out.push(`network latency ${n.latencyUs} µs and jitter ${n.jitterUs} µs are not emulated (no netem on this kernel): real links are sub-millisecond`);
  if (n.bandwidthBytesPerSec !== DEFAULT_LINK.bandwidthBytesPerSec) out.push('network bandwidth is not emulated (no netem on this kernel)');
  return out;
}

/**
 * One observation per running node, each read atomically (MULTI: INFO replication, INFO stats, DEBUG
 * DIGEST): the facts equal-id-offset-equal-data judges at once, kept with the node's log size before
 * and after for counter-sanity (judge.ts).
 */
async function observe(ctx: RealContext, prop: EqualIdOffsetEqualData | null, kept: RealObservation[], why: string): Promise<void> {
  for (const node of ctx.procs.names) {
    // a stopped process would hold the next step until its SIGCONT: it is observed at a later step
    if (!ctx.procs.isRunning(node) || ctx.procs.isPaused(node)) continue;
    const logFrom = ctx.logSize(node);
    const [, , , , exec] = await Promise.all([
      ctx.procs.call(node, ['MULTI']),
      ctx.procs.call(node, ['INFO', 'replication']),
      ctx.procs.call(node, ['INFO', 'stats']),
      ctx.procs.call(node, ['DEBUG', 'DIGEST']),
      ctx.procs.call(node, ['EXEC']),
    ]);
    if (!Array.isArray(exec) || typeof exec[0] !== 'string' || typeof exec[1] !== 'string' || typeof exec[2] !== 'string') continue;
    const f = parseInfo(exec[0]);
    const st = parseInfo(exec[1]);
    const event = {
      t: ctx.nowUs(), type: 'redis.obs' as const, node, why, role: f.role === 'slave' ? ('slave' as const) : ('master' as const), replid: String(f.master_replid ?? ''), offset: Number(f.master_repl_offset),
      digest: exec[2], meaningful: f.repl_backlog_active === 1, sync_full: Number(st.sync_full), sync_partial_ok: Number(st.sync_partial_ok), sync_partial_err: Number(st.sync_partial_err),
    };
    prop?.onEvent(event);
    kept.push({ event, logFrom, logTo: ctx.logSize(node) });
  }
}

/** The one running master at the end (null: none or several), and the value of every key a SET wrote, read from it. */
async function finalValues(ctx: RealContext, nodes: Record<string, RealNodeReport>, inMulti: ReadonlySet<string>): Promise<RealJudgeInput['final']> {
  const masters = Object.keys(nodes).filter((n) => nodes[n]!.running && nodes[n]!.role === 'master');
  const values = new Map<string, string | null>();
  // a transaction a step left open would queue the reads: no final view then
  if (masters.length !== 1 || inMulti.has(masters[0]!)) return { master: null, values };
  const master = masters[0]!;
  // pipelined on the node's connection, in order: each GET in the db the SELECT before it chose
  const reads: Promise<unknown>[] = [];
  for (const { db, key } of keysToRead(ctx.recorder.writes)) {
    reads.push(ctx.procs.call(master, ['SELECT', db]));
    reads.push(ctx.procs.call(master, ['GET', key]).then((r) => values.set(dbKey(db, key), typeof r === 'string' ? r : null)));
  }
  await Promise.all(reads);
  return { master, values };
}

function refuseUnsupported(sc: ResolvedScenario): void {
  const refused = unsupportedOps(sc);
  if (refused.length > 0) throw new UserError(`scenario ${sc.name} cannot run on the real backend: ${refused.join('; ')} (run it in the simulator, without --backend real, or remove these parts)`);
}

/**
 * A scenario as written (a file, a built-in, a generator's output), made ready for the real backend:
 * refused when it cannot run there; a random fault phase planned in the simulator with the same seed
 * (fault-plan.ts), to be replayed as steps. `scenario` is what both backends then run.
 */
export function prepareReal(input: Scenario, source: string, seed: Seed): { scenario: Scenario; resolved: ResolvedScenario; plan?: FaultPlan } {
  const { resolved } = loadScenario(input, source);
  refuseUnsupported(resolved);
  if (!hasFaultPhase(input)) return { scenario: input, resolved };
  const plan = planFaultPhase(input, seed);
  return { scenario: plan.scenario, resolved: loadScenario(plan.scenario, source).resolved, plan };
}

/** prepareReal, then runReal. */
export async function runRealScenario(input: Scenario, source: string, o: Omit<RealRunOptions, 'plan'>): Promise<RealRunResult> {
  const { resolved, plan } = prepareReal(input, source, o.seed);
  return runReal(resolved, { ...o, ...(plan ? { plan } : {}) });
}

export async function runReal(sc: ResolvedScenario, o: RealRunOptions): Promise<RealRunResult> {
  refuseUnsupported(sc);
  if (sc.faults || sc.steps.some((s) => s.op === 'faults')) throw new Error(`scenario ${sc.name}: a fault phase must be planned before a real run (runRealScenario)`);
  const bin = o.redisServer ?? 'redis-server';
  const version = redisServerVersion(bin);
  if (version === null) throw new UserError(`--backend real: ${bin} does not run (install redis-server 7.0, e.g. the Debian package redis-server, or name one with --redis-server PATH)`);
  const warnings = networkWarnings(sc);
  if (sc.realDiffers !== null) warnings.push(`the scenario says a real run differs from the simulator: ${sc.realDiffers}`);
  if (!version.startsWith('7.0.')) warnings.push(`redis-server ${version} is not 7.0, the version the simulator models`);

  const names = Object.keys(sc.nodes);
  const fabric = await createFabric(names, { kind: o.network ?? 'auto' });
  const root = mkdtempSync(join(tmpdir(), 'replsim-real-'));
  fabric.adoptPath(root); // removed even if this process dies
  const procs = new RedisProcesses(fabric, {
    redisServer: bin, root, config: sc.config,
    nodes: Object.fromEntries(names.map((n) => [n, { config: sc.nodes[n]!.config, ...(sc.nodes[n]!.replicaof !== undefined ? { replicaof: sc.nodes[n]!.replicaof } : {}) }])),
  });
  const t0 = performance.now();
  const startMs = Date.now(); // the servers log in UTC (processes.ts), so their lines and this clock agree
  let logs: (readonly LogEvent[])[] = [];
  const nowUs = () => Math.round((performance.now() - t0) * 1000);
  const blocked = new Set<string>();
  const decisions: Record<string, unknown>[] = [];
  const orch = new RealOrchestrator({
    procs, blocked,
    initialMaster: names.find((n) => (sc.nodes[n]!.replicaof ?? null) === null) ?? null,
    note: (d) => decisions.push({ t: nowUs(), ...d }),
  });
  const ctx: RealContext = {
    sc, procs, fabric, stepIndex: -1, failures: [], writes: 0, ackedWrites: 0, refusedWrites: [], remembered: new Map(), pendingStart: new Set(),
    nowUs, blocked, orch, settles: [], inPlan: false, snapshots: [], recorder: new WriteRecorder(), statResets: [],
    logSize: (n) => {
      const f = procs.logPath(n);
      return existsSync(f) ? statSync(f).size : 0;
    },
  };
  const enabled = sc.properties;
  const prop = enabled['equal-id-offset-equal-data'] === false ? null : new EqualIdOffsetEqualData();
  const observations: RealObservation[] = [];
  let final: RealJudgeInput['final'] = { master: null, values: new Map() };
  const logTexts = new Map<string, Buffer>();
  /** Nodes whose connection a command step left inside a MULTI. */
  const inMulti = new Set<string>();
  const remember = toRemember(sc);
  const nodes: Record<string, RealNodeReport> = {};
  let starting: Promise<void> = Promise.resolve();
  try {
    if (sc.network.loss > 0) await fabric.loss(sc.network.loss);
    // nodes with startAfterMs start in the background while the steps run, as in the simulator
    const later = names.filter((n) => sc.nodes[n]!.startAfterUs > 0).sort((a, b) => sc.nodes[a]!.startAfterUs - sc.nodes[b]!.startAfterUs);
    for (const n of names.filter((x) => sc.nodes[x]!.startAfterUs === 0)) await procs.start(n);
    starting = (async () => {
      for (const n of later) {
        ctx.pendingStart.add(n);
      }
      for (const n of later) {
        const waitUs = sc.nodes[n]!.startAfterUs - ctx.nowUs();
        if (waitUs > 0) await sleepMs(waitUs / 1000);
        await procs.start(n);
        ctx.pendingStart.delete(n);
      }
    })();
    starting.catch(() => undefined); // awaited after the steps; not an unhandled rejection meanwhile
    // a replayed fault phase keeps the simulated times: its sleeps end at their planned moment
    let planStartUs = 0;
    let planAtUs = 0;
    let observedUs = Number.NEGATIVE_INFINITY;
    const inflight: Promise<void>[] = [];
    try {
      for (let i = 0; i < sc.steps.length; i++) {
        const step = sc.steps[i]!;
        ctx.stepIndex = i;
        ctx.inPlan = o.plan !== undefined && i >= o.plan.first && i <= o.plan.last;
        if (ctx.inPlan && i === o.plan!.first) planStartUs = ctx.nowUs();
        o.onProgress?.(ctx.inPlan ? `fault phase ${((planAtUs) / 1e6).toFixed(1)} s (step ${i} of ${sc.steps.length}, ${step.op})` : `step ${i} (${step.op})`);
        if (ctx.inPlan && step.op === 'sleep') {
          planAtUs += step.durationUs;
          const waitUs = planStartUs + planAtUs - ctx.nowUs();
          if (waitUs > 0) await sleepMs(waitUs / 1000);
          continue;
        }
        // the workload's writes go out as the simulated workload sent them, without waiting for their
        // replies (pipelined on each node's connection); anything else waits until they are answered
        const pipelined = ctx.inPlan && isPipelined(step);
        const together = ctx.inPlan ? repointsAt(sc.steps, i, o.plan!.last) : 1;
        if (pipelined) inflight.push(runRealStep(ctx, step));
        else if (together > 1) {
          // one decision's re-points, made at one simulated instant: in waves, replicas before their
          // master (repointInWaves); each step's index is taken as it starts
          await Promise.all(inflight.splice(0));
          const batch = new Map(sc.steps.slice(i, i + together).map((s, k) => [repointed(s)!, i + k]));
          const names = [...batch.keys()];
          const infos = await Promise.all(names.map((n) => procs.info(n)));
          const masters = new Map(names.map((n, k) => [n, infos[k]?.role === 'slave' ? String(infos[k]!.master_host) : null]));
          await repointInWaves(names, (n) => masters.get(n) ?? null, (n) => {
            ctx.stepIndex = batch.get(n)!;
            return runRealStep(ctx, sc.steps[ctx.stepIndex]!);
          });
          for (let j = i; j < i + together - 1; j++) for (const [n, f] of remember.get(j) ?? []) ctx.remembered.set(`${j}\u0000${n}\u0000${f}`, await fieldValue(ctx, n, f));
          i += together - 1;
          ctx.stepIndex = i;
        } else {
          await Promise.all(inflight.splice(0));
          await runRealStep(ctx, step);
        }
        for (const [n, f] of remember.get(i) ?? []) ctx.remembered.set(`${i}\u0000${n}\u0000${f}`, await fieldValue(ctx, n, f));
        // the observation's own MULTI would nest in a transaction a command step opened on that connection
        if (step.op === 'command') {
          const cmd = String(step.args[0]).toUpperCase();
          if (cmd === 'MULTI') inMulti.add(step.node!);
          else if (cmd === 'EXEC' || cmd === 'DISCARD') inMulti.delete(step.node!);
        }
        if (inMulti.size > 0 || (pipelined && ctx.nowUs() - observedUs < PLAN_OBSERVE_EVERY_US)) continue;
        // a promotion and the re-points that follow it are one instant: observed after the re-points
        if (ctx.inPlan && repointsAt(sc.steps, i + 1, o.plan!.last) > 0) continue;
        await observe(ctx, prop, observations, `step ${i}`);
        observedUs = ctx.nowUs();
      }
      await Promise.all(inflight.splice(0));
    } catch (e) {
      await Promise.allSettled(inflight.splice(0));
      if (!(e instanceof Stop)) throw e;
    }
    await starting;
    ctx.stepIndex = -1;
    for (const n of names) {
      const info = await procs.info(n);
      // digest and dbsize as expect reads them
      nodes[n] = info === null ? { running: false } : { running: true, ...info, digest: (await fieldValue(ctx, n, 'digest')) ?? '', dbsize: (await fieldValue(ctx, n, 'dbsize')) ?? -1 };
    }
    final = await finalValues(ctx, nodes, inMulti);
  } finally {
    await starting.catch(() => undefined);
    await procs.stopAll();
    // the logs, read before the fabric's cleanup removes the dirs
    for (const n of names) logTexts.set(n, existsSync(procs.logPath(n)) ? readFileSync(procs.logPath(n)) : Buffer.alloc(0));
    logs = [...names.map((n) => parseRedisLog(logTexts.get(n)!.toString('utf8'), { node: n, nameOf: (h, p) => fabric.nameOf(h, p) })), procs.crashes()];
    if (o.keepDir) cpSync(root, o.keepDir, { recursive: true });
    await fabric.close();
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  }
  const events = mergeLogEvents(logs, { originMs: startMs });
  const judged = judgeReal({
    logs: new Map(names.map((n, i) => [n, { events: logs[i]!, text: logTexts.get(n)! }])),
    merged: events, writes: ctx.recorder.writes, observations, statResets: ctx.statResets, final, enabled,
  });
  const violations = [...(prop?.violations ?? []), ...judged.violations];
  const failures = [
    ...ctx.failures,
    ...violations.map((v) => ({ kind: LIVENESS_PROPERTIES.has(v.property) ? ('liveness' as const) : ('property' as const), time_us: v.time_us, node: v.nodes, property: v.property, message: `${v.property}: ${v.message}` })),
  ].map((f, i) => [f, i] as const).sort((a, b) => a[0].time_us - b[0].time_us || a[1] - b[1]).map(([f]) => f);
  return {
    format: 1,
    tool_version: TOOL_VERSION,
    backend: 'real',
    scenario: sc.name,
    seed: o.seed,
    status: runStatus(failures),
    failures,
    nodes,
    events,
    stats: { events: events.length, elapsed_us: ctx.nowUs(), writes: ctx.writes, acked_writes: ctx.ackedWrites },
    parameters: { network: fabric.kind, redis_server: version, warnings },
    // in the registry's order, as a simulated run lists them
    properties: {
      ...(prop ? { [prop.name]: { violations: prop.violations.length, checked: prop.checked(), stats: prop.stats(), notes: prop.notes() } } : {}),
      ...(ctx.settles.length > 0 && enabled.convergence !== false ? { convergence: convergenceReport(ctx.settles) } : {}),
      ...judged.reports,
    },
    ...(ctx.refusedWrites.length > 0 ? { refused_writes: ctx.refusedWrites } : {}),
    ...(ctx.snapshots.length > 0 ? { snapshots: ctx.snapshots } : {}),
    ...(o.plan ? { fault_plan: { steps: o.plan.last - o.plan.first + 1, faults: o.plan.faults, writes: o.plan.writes } } : {}),
    ...(decisions.length > 0 ? { orchestrator: decisions } : {}),
  };
}

/** The convergence property on a real run: each settle step converged in time, or not (the run ended there). */
function convergenceReport(settles: RealContext['settles']): PropertyReport {
  const took = settles.flatMap((x) => (x.afterUs === null ? [] : [x.afterUs]));
  return {
    violations: settles.length - took.length,
    checked: settles.length,
    stats: took.length > 0 ? { settle_ms: Math.round(Math.max(...took) / 1000) } : {},
    notes: [],
  };
}

type RealStep = ResolvedScenario['steps'][number];
/** The node a `replicaof` step re-points to a primary, or null for any other step. */
const repointed = (s: RealStep | undefined): string | null => (s !== undefined && s.op === 'replicaof' && s.primary !== null ? s.node : null);

/**
 * How many re-points (`replicaof` to a primary) to different nodes start at steps[i] (up to `last`),
 * with no sleep between: in a replayed plan they are one orchestrator decision, made at one simulated
 * instant, and are replayed together (repointInWaves). One by one in the plan's order (by name),
 * with an observation after each, the old master was re-pointed first and its replicas reconnected
 * to it before their own REPLICAOF came (seen in swarm seed 11: PSYNCs answered by the old master).
 */
export function repointsAt(steps: readonly RealStep[], i: number, last: number): number {
  const nodes = new Set<string>();
  for (let j = i; j <= last; j++) {
    const node = repointed(steps[j]);
    if (node === null || nodes.has(node)) break;
    nodes.add(node);
  }
  return nodes.size;
}

/** A step of a replayed fault phase sent without waiting for its reply: a workload command (not SHUTDOWN, which ends a process). */
function isPipelined(step: RealStep): boolean {
  return step.op === 'command' && String(step.args[0]).toUpperCase() !== 'SHUTDOWN';
}
