// What a process (a Redis node or a Sentinel) sees of the deployment it runs in: its host's network,
// disk and clock, its own random streams, the trace, and timers that do not fire while the process
// is stopped (SIGSTOP) or after it died. One per process life: a restart makes a new one.

import type { EventId, Scheduler } from '../kernel/scheduler.js';
import type { Rng } from '../kernel/rng.js';
import type { Trace } from '../kernel/trace.js';
import type { Host, Network } from '../net/network.js';
import type { NodeContext } from '../redis/context.js';

/** The parts of the World (world.ts) its processes reach through their context. */
export interface ProcessWorld {
  readonly net: Network;
  readonly rng: Rng;
  readonly trace: Trace;
  readonly sched: Scheduler;
  readonly nodeNames: string[];
  /** What CONFIG REWRITE saved per node, read again at its restart. */
  readonly rewrittenConfig: Map<string, { replicaof: string | null }>;
}

interface TimerRecord {
  ctx: ProcessContext;
  fn: (arg: unknown) => void;
  arg: unknown;
}

function fireTimer(rec: TimerRecord): void {
  if (!rec.ctx.alive) return;
  const wake = rec.ctx.pausedUntilUs();
  if (wake > rec.ctx.nowUs()) {
    rec.ctx.deferTimer(wake, rec);
    return;
  }
  rec.fn(rec.arg);
}

export class ProcessContext implements NodeContext {
  alive = true;
  /** From its own stream, so that run ids draw nothing from the node's `redis:` stream. */
  readonly runId: string;
  constructor(
    private readonly world: ProcessWorld,
    private readonly host: Host,
    private readonly stream: 'redis' | 'sentinel' = 'redis',
  ) {
    this.runId = world.rng.stream(`runid:${host.name}`).hex(40);
  }
  get net() {
    return this.world.net;
  }
  rewriteConfig(settings: { replicaof: string | null }) {
    this.world.rewrittenConfig.set(this.host.name, settings);
  }
  get name() {
    return this.host.name;
  }
  get rng() {
    return this.world.rng.stream(`${this.stream}:${this.host.name}`);
  }
  get disk() {
    return this.host.disk;
  }
  get trace() {
    return this.world.trace;
  }
  nowUs() {
    return this.world.sched.nowUs;
  }
  pausedUntilUs() {
    return this.host.pausedUntilUs;
  }
  deferTimer(atUs: number, rec: TimerRecord) {
    this.world.sched.at(atUs, fireTimer, rec);
  }
  timer<A>(delayUs: number, fn: (arg: A) => void, arg: A): EventId {
    return this.world.sched.after(delayUs, fireTimer, { ctx: this, fn: fn as (a: unknown) => void, arg });
  }
  cancelTimer(id: EventId) {
    this.world.sched.cancel(id);
  }
  connect(to: string, handler: Parameters<Network['connect']>[2], timeoutUs: number) {
    return this.world.net.connect(this.host.name, to, handler, timeoutUs);
  }
  send(sock: Parameters<Network['send']>[0], payload: unknown, sizeBytes: number, delivered?: Parameters<Network['send']>[3]) {
    if (!this.alive) return;
    const ctx = this;
    this.world.net.send(sock, payload, sizeBytes, delivered && ((s) => ctx.alive && delivered(s)));
  }
  close(sock: Parameters<Network['close']>[0]) {
    this.world.net.close(sock);
  }
  closeAll() {
    // one process per host: the host's sockets are the process's (in the order they were opened)
    for (const s of [...this.host.sockets]) this.world.net.close(s);
  }
  listen(accept: Parameters<Network['listen']>[1]) {
    this.world.net.listen(this.host.name, accept);
  }
  hostExists(name: string) {
    return this.world.nodeNames.includes(name);
  }
}
