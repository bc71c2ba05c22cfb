// Pub/Sub as far as Sentinel needs it: SUBSCRIBE / UNSUBSCRIBE on a client connection, PUBLISH to
// the channel's subscribers, and a master's PUBLISH propagated to its replicas (7.0.15's
// publishCommand() calls forceCommandPropagation(PROPAGATE_REPL): the replication stream, not the
// AOF), where the replica delivers it to its own subscribers. Hello messages move offsets this way.

import type { Client } from './instance.js';
import { type Reply, err, arity } from './reply.js';

/** The commands a client in RESP2 subscribed mode may still send (processCommand()'s check). */
const SUBSCRIBED_OK = new Set(['SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'PING', 'QUIT', 'RESET']);

export class PubSub {
  /** Subscribers per channel, in the order they subscribed (delivery order). */
  private readonly channels = new Map<string, Client[]>();

  /** The refusal of a command a subscribed client may not send, or null. */
  refusal(client: Client, name: string, original: string): Reply | null {
    if (!client.channels || client.channels.size === 0 || SUBSCRIBED_OK.has(name)) return null;
    return err(`ERR Can't execute '${original.toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
  }

  /** SUBSCRIBE ch [ch ...]: one confirmation per channel, the first as the reply, the rest pushed. */
  subscribe(client: Client, args: string[]): Reply {
    if (args.length < 2) return arity('SUBSCRIBE');
    if (!client.push) return err('ERR SUBSCRIBE needs a connection');
    const chans = (client.channels ??= new Set());
    const replies: Reply[] = [];
    for (const ch of args.slice(1)) {
      if (!chans.has(ch)) {
        chans.add(ch);
        const list = this.channels.get(ch) ?? [];
        list.push(client);
        this.channels.set(ch, list);
      }
      replies.push(['subscribe', ch, chans.size]);
    }
    for (const r of replies.slice(1)) client.push(r);
    return replies[0]!;
  }

  /** UNSUBSCRIBE [ch ...] (none: every channel). */
  unsubscribe(client: Client, args: string[]): Reply {
    const chans = client.channels ?? new Set<string>();
    const names = args.length > 1 ? args.slice(1) : [...chans];
    if (names.length === 0) return ['unsubscribe', null, 0];
    const replies: Reply[] = names.map((ch) => {
      this.drop(client, ch);
      return ['unsubscribe', ch, chans.size];
    });
    for (const r of replies.slice(1)) client.push?.(r);
    return replies[0]!;
  }

  /** Deliver a message to the channel's subscribers; the number that received it. */
  publish(channel: string, message: string): number {
    const list = this.channels.get(channel);
    if (!list) return 0;
    for (const c of [...list]) c.push?.(['message', channel, message]);
    return list.length;
  }

  /** A client went away: it leaves every channel. */
  forget(client: Client): void {
    for (const ch of [...(client.channels ?? [])]) this.drop(client, ch);
  }

  private drop(client: Client, ch: string): void {
    client.channels?.delete(ch);
    const list = this.channels.get(ch);
    if (!list) return;
    const i = list.indexOf(client);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.channels.delete(ch);
  }
}
