// What each node is at a moment of a run, followed event by event from the trace: running or not,
// role, master, replication id, offset and link. The report's spans and the short log (`--log
// short`) both read it, so the two always agree on what a node was.

import type { TraceEvent } from '../trace-events.js';

export interface NodeState {
  running: boolean;
  role: 'master' | 'slave';
  master: string | null;
  replid: string;
  offset: number;
  /** The replica's link to its master; '-' for a master or a node that is down. */
  link: 'up' | 'down' | '-';
}

/** A trace line of any kind: an event, or one of the unhashed trace.* lines. */
export type TraceLine = { type: string; t?: number; [k: string]: unknown };

/** The events that change what a node is (not the per-command stream/applied/obs). */
export const STATE_TYPES = new Set([
  'redis.start', 'redis.stop', 'redis.role', 'redis.replid', 'redis.link', 'redis.sync', 'redis.psync',
  'redis.replica-drop', 'redis.timeout', 'redis.failover', 'redis.failover-abort', 'host.crash', 'host.restart', 'host.pause',
  'net.partition', 'net.heal', 'x.fault', 'x.orch.promote', 'x.orch.repoint', 'x.orch.down',
]);

/** The nodes' states, updated by each event; `apply` returns the node the event changed (or null). */
export class NodeStates {
  readonly nodes = new Map<string, NodeState>();

  get(node: string): NodeState | undefined {
    return this.nodes.get(node);
  }

  apply(e: TraceLine | TraceEvent): string | null {
    const ev = e as TraceLine;
    const node = typeof ev.node === 'string' ? ev.node : null;
    switch (ev.type) {
      case 'redis.start': {
        const role = ev.role as NodeState['role'];
        this.nodes.set(node!, { running: true, role, master: (ev.master_host as string | null) ?? null, replid: ev.replid as string, offset: ev.master_repl_offset as number, link: role === 'slave' ? 'down' : '-' });
        return node;
      }
      case 'redis.stop': {
        const s = this.nodes.get(node!);
        if (s) Object.assign(s, { running: false, link: '-' });
        return node;
      }
      case 'host.crash': {
        const s = this.nodes.get(ev.host as string);
        if (s) Object.assign(s, { running: false, link: '-' });
        return (ev.host as string) ?? null;
      }
      case 'redis.role': {
        const s = this.nodes.get(node!);
        if (s) Object.assign(s, { role: ev.role, master: ev.master_host ?? null, link: ev.role === 'slave' ? 'down' : '-' });
        return node;
      }
      case 'redis.replid': {
        const s = this.nodes.get(node!);
        if (s) Object.assign(s, { replid: ev.replid, offset: ev.master_repl_offset });
        return node;
      }
      case 'redis.link': {
        const s = this.nodes.get(node!);
        if (s) Object.assign(s, { replid: ev.replid, offset: ev.master_repl_offset, link: s.role === 'slave' ? ev.status : '-' });
        return node;
      }
      case 'redis.sync': {
        const s = this.nodes.get(node!);
        if (s) Object.assign(s, { replid: ev.replid, offset: ev.offset });
        return node;
      }
      case 'redis.stream':
      case 'redis.applied': {
        const s = this.nodes.get(node!);
        if (s) Object.assign(s, { replid: ev.replid, offset: (ev.start as number) + (ev.bytes as number) - 1 });
        return node;
      }
      case 'redis.obs': {
        const s = this.nodes.get(node!);
        if (s && ev.meaningful) Object.assign(s, { replid: ev.replid, offset: ev.offset });
        return node;
      }
      default:
        return node;
    }
  }
}

/** Short labels for replication ids, in order of first appearance: A, B, ..., Z, AA, AB, ... */
export class IdLabels {
  private readonly labels = new Map<string, string>();

  label(id: string): string {
    let l = this.labels.get(id);
    if (l === undefined) {
      l = labelOf(this.labels.size);
      this.labels.set(id, l);
    }
    return l;
  }

  /** Every id seen so far with its label, in order of first appearance. */
  entries(): [string, string][] {
    return [...this.labels.entries()];
  }
}

export function labelOf(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}
