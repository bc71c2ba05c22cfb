// One outgoing RESP connection of a network process (a Sentinel's command or Pub/Sub link):
// commands are pipelined and answered in order, messages the server pushes (Pub/Sub) go to their
// own handler, and when the connection closes every command still waiting is answered with null.
// No timeouts of its own: the owner decides when a silent connection is dead and closes it.

import type { Network, Socket } from '../net/network.js';
import type { NetCloseReason } from '../trace-events.js';
import type { ToMaster, ToReplica } from '../redis/link.js';
import { respCommandBytes } from '../redis/resp.js';
import { err, type Reply } from '../redis/reply.js';

/** A reply, or null when the connection closed before it came. */
export type ReplyHandler = (reply: Reply | null) => void;

export interface ConnectionEvents {
  onOpen?: () => void;
  onPush?: (reply: Reply) => void;
  onClose?: (reason: NetCloseReason) => void;
}

export class RespConnection {
  readonly sock: Socket;
  private open = false;
  private closed = false;
  private readonly waiting: ReplyHandler[] = [];
  private readonly unsent: { args: string[]; done: ReplyHandler }[] = [];

  constructor(
    private readonly net: Network,
    from: string,
    readonly to: string,
    connectTimeoutUs: number,
    private readonly events: ConnectionEvents = {},
  ) {
    this.sock = net.connect(from, to, {
      onOpen: () => {
        this.open = true;
        for (const u of this.unsent.splice(0)) this.transmit(u.args, u.done);
        this.events.onOpen?.();
      },
      onMessage: (_s, payload) => {
        const m = payload as ToReplica;
        if (m.k === 'client-push') this.events.onPush?.(m.reply);
        else if (m.k === 'client-reply') this.waiting.shift()?.(m.reply);
        // a first PING or REPLCONF is answered as in a replica's handshake: the same bytes on the wire
        else if (m.k === 'reply') this.waiting.shift()?.(m.text.startsWith('-') ? err(m.text.slice(1)) : m.text.replace(/^\+/, ''));
      },
      onClose: (_s, reason) => this.finish(reason),
    }, connectTimeoutUs);
  }

  get isOpen(): boolean {
    return this.open && !this.closed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Commands sent or queued whose reply has not come yet. */
  get pending(): number {
    return this.waiting.length + this.unsent.length;
  }

  /** Send a command (queued until the connection opens); `done` gets its reply, or null if it never comes. */
  command(args: string[], done: ReplyHandler = () => {}): void {
    if (this.closed) return done(null);
    if (!this.open) {
      this.unsent.push({ args, done });
      return;
    }
    this.transmit(args, done);
  }

  /** Close from this side: what is still waiting is answered with null (no close event for the owner). */
  close(): void {
    if (this.closed) return;
    if (this.sock.state !== 'closed') this.net.close(this.sock);
    this.finish(null);
  }

  private transmit(args: string[], done: ReplyHandler): void {
    this.waiting.push(done);
    this.net.send(this.sock, { k: 'cmd', args } satisfies ToMaster, respCommandBytes(args));
  }

  private finish(reason: NetCloseReason | null): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    for (const d of this.waiting.splice(0)) d(null);
    for (const u of this.unsent.splice(0)) u.done(null);
    if (reason !== null) this.events.onClose?.(reason);
  }
}
