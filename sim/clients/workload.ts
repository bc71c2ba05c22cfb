// The workload on application clients (`"workload": {"clients": [...]}`): each client runs its own
// loop from its own random stream (`workload:<client>`), one operation at a time, the next one an
// exponential gap (writesPerSec shared between the clients) after the previous one completed. Every
// write carries a value unique in the run (`<client>:<n>`), so its fate is decidable from the final
// state; `wait` follows each acknowledged write with WAIT, and `reads` reads back a key the client
// wrote (for the stale-reads figure).

import type { World } from '../cluster/world.js';
import type { RngStream } from '../kernel/rng.js';
import type { ResolvedWorkload, WorkloadCommand } from '../scenario/resolve.js';
import type { NetClient, OpOptions } from './client.js';

interface Runner {
  client: NetClient;
  r: RngStream;
  /** Keys this client wrote (db, key), most recent last, for reads. */
  written: { db: number; key: string }[];
}

export class ClientWorkload {
  private active = false;
  private phaseStartUs = 0;
  private readonly runners: Runner[];
  writes = 0;
  writeErrors = 0;

  constructor(
    private readonly w: World,
    private readonly load: ResolvedWorkload & { clients: string[] },
  ) {
    this.runners = load.clients.map((name) => ({ client: w.netClient(name), r: w.rng.stream(`workload:${name}`), written: [] }));
  }

  /** Run until endUs (or stop()). */
  start(endUs: number): void {
    this.active = true;
    this.phaseStartUs = this.w.sched.nowUs;
    const rate = this.load.writesPerSec;
    if (rate <= 0) return;
    const meanGapUs = (1_000_000 * this.runners.length) / rate;
    for (const run of this.runners) this.next(run, endUs, meanGapUs);
  }

  stop(): void {
    this.active = false;
  }

  private next(run: Runner, endUs: number, meanGapUs: number): void {
    const at = this.w.sched.nowUs + 1 + run.r.exponentialUs(meanGapUs);
    if (at >= endUs) return;
    this.w.sched.at(at, () => {
      if (!this.active) return;
      if (!inBurst(this.load, this.phaseStartUs, this.w.sched.nowUs)) return this.next(run, endUs, meanGapUs);
      this.once(run, () => {
        if (this.active) this.next(run, endUs, meanGapUs);
      });
    }, null);
  }

  private once(run: Runner, then: () => void): void {
    const { r } = run;
    const load = this.load;
    const { keys, dbs } = load;
    const db = dbs > 1 ? r.int(0, dbs - 1) : 0;
    const opts: OpOptions = dbs > 1 ? { db } : {};
    if (load.reads > 0 && r.chance(load.reads) && run.written.length > 0) {
      const own = run.written[run.written.length - 1]!;
      run.client.op([['GET', own.key]], dbs > 1 ? { db: own.db } : {}, then);
      return;
    }
    const kind = r.pick(load.commands);
    const key = `k${r.int(0, keys - 1)}`;
    const value = `${run.client.name}:${run.client.nextValue()}`.padEnd(load.valueSize, '.');
    const cmds = workloadCommands(kind, key, value, r, keys);
    if (load.wait) opts.wait = load.wait;
    run.client.op(cmds, opts, (res) => {
      this.writes++;
      if (res.outcome !== 'ok') this.writeErrors++;
      else if (kind === 'SET' || kind === 'MULTI') {
        run.written.push({ db, key });
        if (run.written.length > 16) run.written.shift();
      }
      then();
    });
  }
}

/** The commands of one workload write of `kind` (a MULTI is MULTI, SET, INCR, EXEC); other keys drawn from `r`. */
export function workloadCommands(kind: WorkloadCommand, key: string, value: string, r: RngStream, keys: number): string[][] {
  return kind === 'SET' ? [['SET', key, value]]
    : kind === 'INCR' ? [['INCR', `n${r.int(0, keys - 1)}`]]
    : kind === 'APPEND' ? [['APPEND', `a${r.int(0, keys - 1)}`, value]]
    : kind === 'RPUSH' ? [['RPUSH', `l${r.int(0, keys - 1)}`, value]]
    : kind === 'DEL' ? [['DEL', key]]
    : kind === 'EXPIRE' ? [['PEXPIRE', key, String(r.int(10, 2000))]]
    : [['MULTI'], ['SET', key, value], ['INCR', `n${r.int(0, keys - 1)}`], ['EXEC']];
}

/** With burstMs/idleMs a workload writes only during bursts, leaving idle gaps (the phase starts with a burst). */
export function inBurst(load: ResolvedWorkload, phaseStartUs: number, nowUs: number): boolean {
  const { burst } = load;
  if (burst === null) return true;
  return (nowUs - phaseStartUs) % burst.cycleUs < burst.burstUs;
}
