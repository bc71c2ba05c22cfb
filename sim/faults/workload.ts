// The background writes of a fault phase (or of `workload` steps): without `clients`, commands to the
// orchestrator's master, sent directly, at exponential intervals (writesPerSec), drawn from the
// `workload` stream, only during bursts when burstMs is set. With `clients`: sim/clients/workload.ts.

import type { World } from '../cluster/world.js';
import type { Orchestrator } from '../cluster/orchestrator.js';
import type { ResolvedWorkload } from '../scenario/resolve.js';
import type { RngStream } from '../kernel/rng.js';
import { isError } from '../redis/reply.js';
import { ClientWorkload, inBurst, workloadCommands } from '../clients/workload.js';

export interface WriteRecord {
  node: string;
  args: string[];
  timeUs: number;
}

export class WriteWorkload {
  private active = false;
  private phaseStartUs = 0;
  private readonly r: RngStream;
  writes = 0;
  writeErrors = 0;

  constructor(
    private readonly w: World,
    private readonly orch: Orchestrator,
    private readonly load: ResolvedWorkload,
    private readonly onWrite: (rec: WriteRecord, acked: boolean) => void,
  ) {
    this.r = w.rng.stream('workload');
  }

  /** Write until endUs (or stop()). */
  start(endUs: number): void {
    this.active = true;
    this.phaseStartUs = this.w.sched.nowUs;
    const rate = this.load.writesPerSec;
    if (rate > 0) this.scheduleWrite(endUs, 1_000_000 / rate);
  }

  stop(): void {
    this.active = false;
  }

  private scheduleWrite(endUs: number, meanGapUs: number): void {
    const at = this.w.sched.nowUs + 1 + this.r.exponentialUs(meanGapUs);
    if (at >= endUs) return;
    this.w.sched.at(at, () => {
      if (!this.active) return;
      if (inBurst(this.load, this.phaseStartUs, this.w.sched.nowUs)) this.writeOnce();
      this.scheduleWrite(endUs, meanGapUs);
    }, null);
  }

  private writeOnce(): void {
    const w = this.w;
    this.orch.refresh();
    const target = this.orch.master;
    if (target === null || !w.isRunning(target)) return;
    const r = this.r;
    const { keys, dbs } = this.load;
    if (dbs > 1) w.call(target, ['SELECT', String(r.int(0, dbs - 1))]);
    const kind = r.pick(this.load.commands);
    const key = `k${r.int(0, keys - 1)}`;
    const value = `v${this.writes}`.padEnd(this.load.valueSize, '.');
    for (const args of workloadCommands(kind, key, value, r, keys)) {
      const reply = w.call(target, args);
      const ok = !isError(reply);
      if (args[0] === 'MULTI' || args[0] === 'EXEC') continue;
      this.writes++;
      if (!ok) this.writeErrors++;
      this.onWrite({ node: target, args, timeUs: w.sched.nowUs }, ok);
    }
  }
}

/** What a fault phase or a `workload` step runs: on application clients when the workload names them. */
export interface BackgroundWorkload {
  start(endUs: number): void;
  stop(): void;
  readonly writes: number;
  readonly writeErrors: number;
}

export function makeWorkload(w: World, orch: Orchestrator, load: ResolvedWorkload, onWrite: (rec: WriteRecord, acked: boolean) => void): BackgroundWorkload {
  return load.clients ? new ClientWorkload(w, { ...load, clients: load.clients }) : new WriteWorkload(w, orch, load, onWrite);
}
