// The fault phase of a scenario: every family in faults.families and the background writes run
// together for phaseUs; then the network heals, the loss is restored and every node comes back,
// and the caller settles the run (settle.ts). Faults are just workloads, as in FoundationDB.

import type { World } from '../cluster/world.js';
import type { Orchestrator } from '../cluster/orchestrator.js';
import type { FaultFamilyName } from '../scenario/types.js';
import type { ResolvedFaultFamily, ResolvedFaults, ResolvedWorkload } from '../scenario/resolve.js';
import type { RngStream } from '../kernel/rng.js';
import { FAULT_FAMILIES } from './families.js';
import type { Fault, FaultEnv } from './family.js';
import { makeWorkload, type BackgroundWorkload, type WriteRecord } from './workload.js';

export type { WriteRecord } from './workload.js';

interface Running {
  name: FaultFamilyName;
  fam: ResolvedFaultFamily;
  rng: RngStream;
  fault: Fault;
}

export class FaultPhase {
  private active = false;
  private readonly lossBefore: number;
  /** Nodes a family took down, until they are brought back. */
  private readonly down = new Set<string>();
  private readonly families: Running[] = [];
  private readonly workload: BackgroundWorkload;

  constructor(
    private readonly w: World,
    private readonly orch: Orchestrator,
    private readonly spec: ResolvedFaults,
    load: ResolvedWorkload,
    onWrite: (rec: WriteRecord, acked: boolean) => void,
  ) {
    this.lossBefore = w.net.links.defaultParams.loss;
    for (const name of Object.keys(spec.families) as FaultFamilyName[]) {
      const fam = spec.families[name]!;
      const rng = w.rng.stream(`faults.${name}`);
      const env: FaultEnv = {
        w,
        orch,
        rng,
        fam,
        lossBefore: this.lossBefore,
        emit: (detail) => w.trace.emit({ t: w.sched.nowUs, type: 'x.fault', family: name, ...detail }),
        takeDown: (n, downUs, stop) => {
          this.down.add(n);
          stop();
          w.sched.after(downUs, () => this.bringBack(n), null);
        },
      };
      this.families.push({ name, fam, rng, fault: FAULT_FAMILIES[name](env) });
    }
    this.families.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.workload = makeWorkload(w, orch, load, onWrite);
  }

  /** Start every family and the workload; they stop by themselves after phaseUs. */
  start(): void {
    this.active = true;
    const end = this.w.sched.nowUs + this.spec.phaseUs;
    for (const f of this.families) this.scheduleNext(f, end);
    this.workload.start(end);
  }

  private scheduleNext(f: Running, end: number): void {
    const at = this.w.sched.nowUs + 1 + f.rng.exponentialUs(f.fam.everyUs);
    if (at >= end) return;
    this.w.sched.at(at, () => {
      if (!this.active) return;
      const up = this.w.nodeNames.filter((n) => this.w.isRunning(n) && !this.down.has(n));
      if (up.length > 0) f.fault.inject(up);
      this.scheduleNext(f, end);
    }, null);
  }

  private bringBack(n: string): void {
    if (!this.down.delete(n) || this.w.isRunning(n)) return;
    this.orch.restart(n);
  }

  /** End of the fault phase: heal the network, restore loss, bring every node back. */
  stop(): void {
    this.active = false;
    this.workload.stop();
    const w = this.w;
    if (w.net.links.anyBlocked) w.net.heal();
    for (const f of this.families) f.fault.stop?.();
    w.net.setLink({ loss: this.lossBefore });
    for (const n of [...this.down]) this.bringBack(n);
    for (const n of w.nodeNames) if (!w.isRunning(n)) this.orch.restart(n);
    w.trace.emit({ t: w.sched.nowUs, type: 'x.fault.phase-end', writes: this.workload.writes, write_errors: this.workload.writeErrors });
  }
}

/** Run the fault phase of `spec` for its phaseUs, from now; the caller settles the run afterwards. */
export function runFaultPhase(w: World, orch: Orchestrator, spec: ResolvedFaults, load: ResolvedWorkload, onWrite: (rec: WriteRecord, acked: boolean) => void): void {
  const phase = new FaultPhase(w, orch, spec, load, onWrite);
  w.trace.emit({ t: w.sched.nowUs, type: 'x.fault.phase-start', phase_ms: spec.phaseUs / 1000 });
  phase.start();
  w.runFor(spec.phaseUs);
  phase.stop();
}
