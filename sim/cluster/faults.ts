// Random fault families and the background workload of a scenario's fault phase. Faults are just
// workloads (as in FoundationDB): each family is a stream of events at exponential intervals drawn
// from the `faults` stream; writes come from the `workload` stream.

import type { World } from './world.js';
import type { Orchestrator } from './orchestrator.js';
import type { FaultFamily, FaultFamilyName, Scenario, Workload } from '../../scenarios/types.js';
import type { RngStream } from '../kernel/rng.js';
import { isError } from '../redis/reply.js';

export interface WriteRecord {
  node: string;
  args: string[];
  timeUs: number;
}

export class FaultPhase {
  active = false;
  private partitionActive = false;
  private readonly lossBefore: number;
  private readonly down = new Set<string>();
  /** One stream per family: removing a family (as shrink does) leaves the others' draws unchanged. */
  private readonly faults = new Map<FaultFamilyName, RngStream>();
  private readonly workload: RngStream;
  writes = 0;
  writeErrors = 0;

  constructor(
    private readonly w: World,
    private readonly orch: Orchestrator,
    private readonly spec: NonNullable<Scenario['faults']>,
    private readonly load: Workload | undefined,
    private readonly onWrite: (rec: WriteRecord, acked: boolean) => void,
  ) {
    for (const name of Object.keys(spec.families) as FaultFamilyName[]) this.faults.set(name, w.rng.stream(`faults.${name}`));
    this.workload = w.rng.stream('workload');
    this.lossBefore = w.net.links.defaultParams.loss;
  }

  /** Start every family and the workload; they stop by themselves after phaseMs. */
  start(): void {
    this.active = true;
    this.phaseStartUs = this.w.sched.nowUs;
    const end = this.w.sched.nowUs + this.spec.phaseMs * 1000;
    for (const name of Object.keys(this.spec.families).sort() as FaultFamilyName[]) {
      const fam = this.spec.families[name]!;
      this.scheduleNext(name, fam, end);
    }
    const rate = this.load?.writesPerSec ?? 0;
    if (rate > 0) this.scheduleWrite(end, 1_000_000 / rate);
  }

  private scheduleNext(name: FaultFamilyName, fam: FaultFamily, end: number): void {
    const at = this.w.sched.nowUs + 1 + this.faults.get(name)!.exponentialUs(fam.everyMs * 1000);
    if (at >= end) return;
    this.w.sched.at(at, () => {
      if (!this.active) return;
      this.inject(name, fam);
      this.scheduleNext(name, fam, end);
    }, null);
  }

  private running(): string[] {
    return this.w.nodeNames.filter((n) => this.w.isRunning(n) && !this.down.has(n));
  }

  private inject(name: FaultFamilyName, fam: FaultFamily): void {
    const w = this.w;
    const f = this.faults.get(name)!;
    const up = this.running();
    if (up.length === 0) return;
    const emit = (detail: Record<string, unknown>) => w.trace.emit({ t: w.sched.nowUs, type: 'x.fault', family: name, ...detail });
    switch (name) {
      case 'link-kill': {
        const replicas = up.filter((n) => !w.node(n).isMaster);
        if (replicas.length === 0) return;
        const n = f.pick(replicas);
        emit({ node: n });
        w.call(n, ['CLIENT', 'KILL', 'TYPE', 'master']);
        return;
      }
      case 'replica-kill': {
        const n = f.pick(up);
        emit({ node: n });
        w.call(n, ['CLIENT', 'KILL', 'TYPE', 'replica']);
        return;
      }
      case 'partition': {
        if (this.partitionActive || w.nodeNames.length < 2) return;
        // half the time one node is cut off from all the others (half of those times the master),
        // else a random split
        let groups: string[][];
        this.orch.refresh();
        const m = this.orch.master;
        if (f.chance(0.5)) {
          const lone = m !== null && f.chance(0.5) ? m : f.pick(w.nodeNames);
          groups = [[lone], w.nodeNames.filter((x) => x !== lone)];
        } else {
          const shuffled = f.shuffled(w.nodeNames);
          const cut = f.int(1, shuffled.length - 1);
          groups = [shuffled.slice(0, cut).sort(), shuffled.slice(cut).sort()];
        }
        emit({ groups });
        w.net.partition(groups);
        this.partitionActive = true;
        w.sched.after((fam.durationMs ?? 2000) * 1000, () => {
          if (!this.partitionActive) return;
          this.partitionActive = false;
          w.net.heal();
        }, null);
        return;
      }
      case 'loss-burst': {
        const loss = fam.loss ?? 0.2;
        emit({ loss });
        w.net.setLink({ loss });
        w.sched.after((fam.durationMs ?? 2000) * 1000, () => w.net.setLink({ loss: this.lossBefore }), null);
        return;
      }
      case 'crash':
      case 'restart': {
        const n = f.pick(up);
        const save = name === 'restart' ? (fam.save ?? f.chance(0.5)) : false;
        emit({ node: n, ...(name === 'restart' ? { save } : {}) });
        this.down.add(n);
        if (name === 'crash') w.crash(n);
        else w.call(n, ['SHUTDOWN', save ? 'SAVE' : 'NOSAVE', 'NOW'], () => {});
        w.sched.after((fam.downMs ?? 2000) * 1000, () => this.bringBack(n), null);
        return;
      }
      case 'promotion': {
        const replicas = up.filter((n) => !w.node(n).isMaster);
        if (replicas.length === 0) return;
        const n = f.pick(replicas);
        emit({ node: n });
        this.orch.failoverTo(n, 'fault: promotion');
        return;
      }
      case 'orchestrated-failover':
        emit({});
        this.orch.failover('fault: orchestrated failover');
        return;
    }
  }

  private bringBack(n: string): void {
    if (!this.down.delete(n) || this.w.isRunning(n)) return;
    this.orch.restart(n);
  }

  private scheduleWrite(end: number, meanGapUs: number): void {
    const at = this.w.sched.nowUs + 1 + this.workload.exponentialUs(meanGapUs);
    if (at >= end) return;
    this.w.sched.at(at, () => {
      if (!this.active) return;
      if (this.inBurst()) this.writeOnce();
      this.scheduleWrite(end, meanGapUs);
    }, null);
  }

  private phaseStartUs = 0;

  /** With burstMs/idleMs the workload writes only during bursts, leaving idle gaps. */
  private inBurst(): boolean {
    const burst = this.load?.burstMs;
    if (!burst) return true;
    const cycleUs = (burst + (this.load?.idleMs ?? 0)) * 1000;
    return (this.w.sched.nowUs - this.phaseStartUs) % cycleUs < burst * 1000;
  }

  private writeOnce(): void {
    const w = this.w;
    this.orch.refresh();
    const target = this.orch.master;
    if (target === null || !w.isRunning(target)) return;
    const r = this.workload;
    const keys = this.load?.keys ?? 100;
    const dbs = this.load?.dbs ?? 1;
    if (dbs > 1) w.call(target, ['SELECT', String(r.int(0, dbs - 1))]);
    const kind = r.pick(this.load?.commands ?? ['SET']);
    const key = `k${r.int(0, keys - 1)}`;
    const value = `v${this.writes}`.padEnd(this.load?.valueSize ?? 8, '.');
    const cmds: string[][] =
      kind === 'SET' ? [['SET', key, value]]
      : kind === 'INCR' ? [['INCR', `n${r.int(0, keys - 1)}`]]
      : kind === 'APPEND' ? [['APPEND', `a${r.int(0, keys - 1)}`, value]]
      : kind === 'RPUSH' ? [['RPUSH', `l${r.int(0, keys - 1)}`, value]]
      : kind === 'DEL' ? [['DEL', key]]
      : kind === 'EXPIRE' ? [['PEXPIRE', key, String(r.int(10, 2000))]]
      : [['MULTI'], ['SET', key, value], ['INCR', `n${r.int(0, keys - 1)}`], ['EXEC']];
    for (const args of cmds) {
      const reply = w.call(target, args);
      const ok = !isError(reply);
      if (args[0] === 'MULTI' || args[0] === 'EXEC') continue;
      this.writes++;
      if (!ok) this.writeErrors++;
      this.onWrite({ node: target, args, timeUs: w.sched.nowUs }, ok);
    }
  }

  /** End of the fault phase: heal the network, restore loss, bring every node back. */
  stop(): void {
    this.active = false;
    const w = this.w;
    if (w.net.links.anyBlocked) w.net.heal();
    this.partitionActive = false;
    w.net.setLink({ loss: this.lossBefore });
    for (const n of [...this.down]) this.bringBack(n);
    for (const n of w.nodeNames) if (!w.isRunning(n)) this.orch.restart(n);
    w.trace.emit({ t: w.sched.nowUs, type: 'x.fault.phase-end', writes: this.writes, write_errors: this.writeErrors });
  }
}
