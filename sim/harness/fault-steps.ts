// The fault phase of one run rewritten as explicit scenario steps, for the shrinker: what the random
// fault families, the workload and the orchestrator did (read from the run's trace) becomes sleeps,
// writes, partitions, crashes, restarts, REPLICAOFs ... and a final `settle`, so that a shrunk
// failure reads like a hand-written scenario and its events can be removed one by one.

import { DEFAULTS } from '../scenario/schema.js';
import type { Scenario, Step } from '../scenario/types.js';
import type { TraceSink } from '../kernel/trace.js';

/** A trace event as the sink keeps it (only the types below). */
export type PhaseEvent = { t: number; type: string; [k: string]: unknown };

const KEPT_TYPES = new Set([
  'x.fault', 'x.fault.phase-start', 'x.fault.phase-end', 'x.write',
  'x.orch.decision', 'x.orch.repoint', 'x.orch.promote',
  'redis.start', 'redis.stop', 'net.heal', 'net.link',
]);

/** Keeps the few trace events the rewrite needs; every other line is skipped without parsing. */
export class PhaseEventSink implements TraceSink {
  readonly events: PhaseEvent[] = [];
  write(line: string): void {
    const i = line.indexOf('"type":"');
    if (i < 0 || i > 40) return;
    const type = line.slice(i + 8, line.indexOf('"', i + 8));
    if (KEPT_TYPES.has(type)) this.events.push(JSON.parse(line) as PhaseEvent);
  }
}

type Action = { t: number; step: Step } | { t: number; write: { node: string; db: number; cmd: string; key: string | null; value: string | null; n: number } };

/**
 * `changedSince` matchers name step indexes: renumber them for a new step list. `index` maps an
 * old index to its new one (-1: removed). Returns false when a removed step is still referenced.
 */
export function renumberChangedSince(steps: Step[], index: (old: number) => number): boolean {
  for (const s of steps) {
    if (s.op !== 'expect' && s.op !== 'run-until') continue;
    for (const v of Object.values(s)) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
      const m = v as { changedSince?: number };
      if (m.changedSince === undefined) continue;
      const n = index(m.changedSince);
      if (n < 0) return false;
      m.changedSince = n;
    }
  }
  return true;
}

const ms = (us: number): number => Number((us / 1000).toFixed(3));

/**
 * How the workload's writes become steps: `grouped`, one `write` step per run of writes to one node
 * (at their average pace; reads best), or `exact`, one `command` step per write at its own time
 * with its own command (INCR, APPEND, MULTI ... as the workload sent them).
 */
export type WriteForm = 'grouped' | 'exact';

/**
 * The scenario with its fault phase replaced by the steps the run's trace shows, or null when the
 * scenario has no single fault phase to rewrite. The result has no `faults`, `workload` or
 * `monitor`: everything they did during the phase is a step, and the settle phase is a `settle`.
 */
export function explicitFaultPhase(sc: Scenario, events: readonly PhaseEvent[], writes: WriteForm = 'grouped'): Scenario | null {
  const steps = sc.steps ?? [];
  if (!sc.faults || steps.filter((s) => s.op === 'faults').length > 1) return null;
  const startAt = events.findIndex((e) => e.type === 'x.fault.phase-start');
  const endAt = events.findIndex((e) => e.type === 'x.fault.phase-end');
  if (startAt < 0 || endAt < startAt) return null;
  const t0 = events[startAt]!.t;
  const t1 = events[endAt]!.t;

  const down = new Set<string>();
  for (const e of events.slice(0, startAt)) {
    if (e.type === 'redis.stop') down.add(e.node as string);
    if (e.type === 'redis.start') down.delete(e.node as string);
  }
  const acts: Action[] = [];
  let writeCount = 0;
  // the orchestrator events right after an orchestrated-failover fault are that step's own doing
  let swallowAt = -1;
  let why: { t: number; text: string } | null = null;
  const add = (t: number, step: Step, comment?: string) => {
    const c = comment ?? (why && why.t === t ? why.text : undefined);
    acts.push({ t, step: c ? { ...step, comment: c } : step });
  };
  for (const e of events.slice(startAt + 1, endAt)) {
    const node = e.node as string;
    if (!e.type.startsWith('x.orch.')) swallowAt = -1;
    switch (e.type) {
      case 'x.write':
        acts.push({ t: e.t, write: { node, db: (e.db as number) ?? 0, cmd: e.cmd as string, key: (e.key as string | null) ?? null, value: (e.value as string | null) ?? null, n: writeCount++ } });
        break;
      case 'x.fault': {
        const fam = e.family as string;
        why = { t: e.t, text: `fault: ${fam}` };
        if (fam === 'link-kill') add(e.t, { op: 'kill-link', node });
        else if (fam === 'replica-kill') add(e.t, { op: 'kill-replicas', node });
        else if (fam === 'partition') add(e.t, e.from !== undefined ? { op: 'partition-oneway', from: e.from as string, to: e.to as string } : { op: 'partition', groups: e.groups as string[][] });
        else if (fam === 'crash') add(e.t, { op: 'crash', node });
        else if (fam === 'restart') add(e.t, { op: 'command', node, args: ['SHUTDOWN', e.save ? 'SAVE' : 'NOSAVE', 'NOW'], mayFail: true });
        else if (fam === 'orchestrated-failover') {
          add(e.t, { op: 'orchestrated-failover' });
          swallowAt = e.t;
        }
        // loss-burst: its net.link follows; promotion: its x.orch events follow
        break;
      }
      case 'x.orch.decision':
        if (swallowAt === e.t) break;
        if (e.chosen) add(e.t, { op: 'replicaof', node: e.chosen as string, primary: null, mayFail: true }, why && why.t === e.t ? why.text : 'orchestrator: promote');
        break;
      case 'x.orch.promote':
        if (swallowAt === e.t) break;
        add(e.t, { op: 'replicaof', node, primary: null, mayFail: true }, 'orchestrator: promote');
        break;
      case 'x.orch.repoint':
        if (swallowAt === e.t) break;
        add(e.t, { op: 'replicaof', node, primary: e.master as string, mayFail: true }, 'orchestrator: re-point');
        break;
      case 'redis.stop':
        down.add(node);
        break;
      case 'redis.start':
        if (down.delete(node)) add(e.t, { op: 'restart', node, replicaof: (e.master_host as string | null) ?? null }, 'back up');
        break;
      case 'net.heal':
        add(e.t, { op: 'heal' });
        break;
      case 'net.link':
        if (e.between === null || e.between === undefined) add(e.t, { op: 'network', loss: e.loss as number });
        break;
    }
  }

  const valueSize = sc.workload?.valueSize ?? DEFAULTS.workload.valueSize;
  const timeline: Step[] = [];
  let now = t0;
  const sleepUntil = (t: number) => {
    if (t > now) timeline.push({ op: 'sleep', ms: ms(t - now) });
    now = Math.max(now, t);
  };
  for (let i = 0; i < acts.length; ) {
    const a = acts[i]!;
    if ('step' in a) {
      sleepUntil(a.t);
      timeline.push(a.step);
      i++;
      continue;
    }
    if (writes === 'exact') {
      // the writes of one workload tick: one command, or SET and INCR inside MULTI/EXEC
      let j = i + 1;
      while (j < acts.length) {
        const b = acts[j]!;
        if (!('write' in b) || b.t !== a.t || b.write.node !== a.write.node || b.write.n !== (acts[j - 1] as Extract<Action, { write: unknown }>).write.n + 1) break;
        j++;
      }
      sleepUntil(a.t);
      const w = a.write;
      const command = (args: string[]): Step => ({ op: 'command', node: w.node, args, mayFail: true });
      if ((sc.workload?.dbs ?? DEFAULTS.workload.dbs) > 1) timeline.push(command(['SELECT', String(w.db)]));
      const group = acts.slice(i, j).map((x) => (x as Extract<Action, { write: unknown }>).write);
      const argsOf = (x: typeof w): string[] => {
        const value = x.value ?? `v${x.n}`.padEnd(valueSize, '.');
        if (x.cmd === 'SET') return ['SET', x.key ?? 'k', value];
        if (x.cmd === 'APPEND' || x.cmd === 'RPUSH') return [x.cmd, x.key ?? 'k', value];
        if (x.cmd === 'PEXPIRE') return ['PEXPIRE', x.key ?? 'k', '1000'];
        return [x.cmd, x.key ?? 'k'];
      };
      if (group.length > 1) timeline.push(command(['MULTI']));
      for (const x of group) timeline.push(command(argsOf(x)));
      if (group.length > 1) timeline.push(command(['EXEC']));
      i = j;
      continue;
    }
    // consecutive writes to one node and database: one write step at their average pace
    let j = i + 1;
    while (j < acts.length) {
      const b = acts[j]!;
      if (!('write' in b) || b.write.node !== a.write.node || b.write.db !== a.write.db) break;
      j++;
    }
    const count = j - i;
    const spanUs = acts[j - 1]!.t - a.t;
    const intervalMs = count > 1 ? Math.round(spanUs / (count - 1) / 1000) : 0;
    sleepUntil(a.t);
    timeline.push({
      op: 'write', node: a.write.node, count, prefix: 'k', valueSize,
      ...(intervalMs > 0 ? { intervalMs } : {}),
      ...((sc.workload?.dbs ?? DEFAULTS.workload.dbs) > 1 ? { db: a.write.db } : {}),
    });
    now += intervalMs * 1000 * (count - 1);
    i = j;
  }
  sleepUntil(t1);
  timeline.push({ op: 'settle', ...(sc.faults.settleMs !== undefined ? { timeoutMs: sc.faults.settleMs } : {}) });

  const at = steps.findIndex((s) => s.op === 'faults');
  const before = at < 0 ? steps : steps.slice(0, at);
  const after = at < 0 ? [] : steps.slice(at + 1);
  const out: Step[] = structuredClone([...before, ...timeline, ...after]);
  const shift = timeline.length - 1;
  const cut = at < 0 ? steps.length : at;
  if (!renumberChangedSince(out, (i) => (i < cut ? i : i === cut ? -1 : i + shift))) return null;
  const next: Scenario = { ...structuredClone(sc), steps: out };
  delete next.faults;
  delete next.workload;
  delete next.monitor;
  return next;
}
