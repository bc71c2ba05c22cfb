// WAIT: clients blocked until enough replicas acknowledged their last write (or the timeout), the
// REPLCONF GETACK the master sends once per event-loop turn with waiters (beforeSleep()), and the
// unblocking of every waiter when the master becomes a replica.

import type { NodeContext } from './context.js';
import { PENDING, type Pending } from './dispatch.js';
import { err } from './reply.js';
import type { Client, ReplyCallback } from './instance.js';

interface Waiter {
  client: Client;
  numReplicas: number;
  cb: ReplyCallback;
  timer: number | null;
}

/** What the waiters need of their node. */
export interface WaitHost {
  readonly ctx: NodeContext;
  readonly alive: boolean;
  readonly writesPaused: boolean;
  readonly masterSide: { countAcked(offset: number): number; requestAcks(): void };
}

export class WaitQueue {
  private waiters: Waiter[] = [];
  /** A GETACK is due at the end of this event-loop turn (beforeSleep). */
  private ackRequested = false;

  constructor(private readonly node: WaitHost) {}

  /** WAIT numreplicas timeout: blocks the client (timeout 0: forever). */
  block(client: Client, numReplicas: number, timeoutMs: number, cb: ReplyCallback): Pending {
    const w: Waiter = { client, numReplicas, cb, timer: null };
    if (timeoutMs > 0) w.timer = this.node.ctx.timer(timeoutMs * 1000, this.timeoutFn, w);
    this.waiters.push(w);
    if (!this.ackRequested) {
      this.ackRequested = true;
      this.node.ctx.timer(0, this.beforeSleepFn, this);
    }
    return PENDING;
  }

  private readonly timeoutFn = (w: Waiter) => {
    const i = this.waiters.indexOf(w);
    if (i < 0 || !this.node.alive) return;
    this.waiters.splice(i, 1);
    w.cb(this.node.masterSide.countAcked(w.client.woff));
  };

  private readonly beforeSleepFn = (self: WaitQueue) => {
    // while writes are paused the GETACK waits; resumed() sends it
    const node = self.node;
    if (!node.alive || node.writesPaused) return;
    self.ackRequested = false;
    if (self.waiters.length > 0) node.masterSide.requestAcks();
  };

  /** Writes are no longer paused: a GETACK held back by the pause goes now. */
  resumed(): void {
    if (this.ackRequested) this.node.ctx.timer(0, this.beforeSleepFn, this);
  }

  /** A replica's ACK arrived: the waiters it satisfies are answered with the count. */
  onAck(): void {
    if (this.waiters.length === 0) return;
    for (const w of this.waiters.slice()) {
      const n = this.node.masterSide.countAcked(w.client.woff);
      if (n >= w.numReplicas) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        if (w.timer !== null) this.node.ctx.cancelTimer(w.timer);
        w.cb(n);
      }
    }
  }

  /** The client is freed: its waits end without a reply. */
  forget(client: Client): void {
    for (const w of this.waiters.filter((x) => x.client === client)) {
      if (w.timer !== null) this.node.ctx.cancelTimer(w.timer);
      this.waiters.splice(this.waiters.indexOf(w), 1);
    }
  }

  /** The master became a replica: every waiter is unblocked with an error. */
  unblockAll(): void {
    for (const w of this.waiters.splice(0)) {
      if (w.timer !== null) this.node.ctx.cancelTimer(w.timer);
      w.cb(err('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)'));
    }
  }
}
