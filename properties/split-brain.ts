// Split brain, a measurement: writes a node accepted while another node was a master of a newer
// history (promoted after this node's own mastership began, and still master when the reply came),
// and how long some master coexisted with a newer one. Asynchronous replication allows it, so it is
// never a violation on its own; what it costs is judged by acknowledged-writes.

import type { TraceEvent } from '../sim/trace-events.js';
import { clientOp } from './client-ops.js';
import { BaseProperty } from './types.js';

interface Mastership {
  since: number;
  /** Became master by promotion (a new history); a start as master is not newer than anything. */
  promoted: boolean;
}

interface SplitWrites {
  node: string;
  newer: string;
  promotedAt: number;
  writes: number;
  first: number;
  last: number;
}

const sec = (t: number) => `${(t / 1e6).toFixed(3)} s`;

export class SplitBrain extends BaseProperty {
  readonly name = 'split-brain';
  /** Live masters, from start, role and stop events. */
  private readonly masters = new Map<string, Mastership>();
  /** Each node's last mastership that ended, and when (a reply may arrive after a demotion). */
  private readonly ended = new Map<string, Mastership & { end: number }>();
  private splitSince: number | null = null;
  private splitUs = 0;
  private lastT = 0;
  private writes = 0;
  private splitWrites = 0;
  private readonly groups = new Map<string, SplitWrites>();

  onEvent(e: TraceEvent): void {
    this.lastT = e.t;
    switch (e.type) {
      case 'redis.role':
        if (e.role === 'master') {
          if (!this.masters.has(e.node)) this.masters.set(e.node, { since: e.t, promoted: true });
        } else this.end(e.node, e.t);
        this.measure(e.t);
        return;
      case 'redis.start':
        if (e.role === 'master') this.masters.set(e.node, { since: e.t, promoted: false });
        else this.end(e.node, e.t);
        this.measure(e.t);
        return;
      case 'redis.stop':
        this.end(e.node, e.t);
        this.measure(e.t);
        return;
      case 'client.op':
      case 'x.write': {
        const op = clientOp(e);
        if (op === null || op.outcome !== 'ok' || op.node === null || op.kind === 'get' || op.kind === 'none') return;
        this.onWrite(op.node, op.invoked, op.completed);
        return;
      }
      default:
        return;
    }
  }

  private end(node: string, t: number): void {
    const m = this.masters.get(node);
    if (!m) return;
    this.masters.delete(node);
    this.ended.set(node, { ...m, end: t });
  }

  /** Some master coexists with a master promoted after it began. */
  private split(): boolean {
    for (const m of this.masters.values()) {
      if (!m.promoted) continue;
      for (const n of this.masters.values()) if (n !== m && n.since < m.since) return true;
    }
    return false;
  }

  private measure(t: number): void {
    const now = this.split();
    if (now && this.splitSince === null) this.splitSince = t;
    else if (!now && this.splitSince !== null) {
      this.splitUs += t - this.splitSince;
      this.splitSince = null;
    }
  }

  private onWrite(node: string, invoked: number, completed: number): void {
    this.writes++;
    let own: Mastership | undefined = this.masters.get(node);
    if (!own) {
      const e = this.ended.get(node);
      if (e && e.end >= invoked) own = e; // demoted while the reply was on its way
    }
    if (!own) return;
    // the first newer history (earliest promotion after this node's mastership began); names sort ties
    let newer: [string, Mastership] | null = null;
    for (const [name, m] of this.masters) {
      if (name === node || !m.promoted || m.since <= own.since) continue;
      if (newer === null || m.since < newer[1].since || (m.since === newer[1].since && name < newer[0])) newer = [name, m];
    }
    if (newer === null) return;
    this.splitWrites++;
    const key = `${node}\u0000${newer[0]}\u0000${newer[1].since}`;
    const g = this.groups.get(key);
    if (g) {
      g.writes++;
      g.last = completed;
    } else this.groups.set(key, { node, newer: newer[0], promotedAt: newer[1].since, writes: 1, first: completed, last: completed });
  }

  private totalSplitUs(): number {
    return this.splitUs + (this.splitSince === null ? 0 : this.lastT - this.splitSince);
  }

  notes(): string[] {
    return [...this.groups.values()]
      .sort((a, b) => a.first - b.first || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
      .map((g) => `${g.node} accepted ${g.writes} write${g.writes === 1 ? '' : 's'} from ${sec(g.first)} to ${sec(g.last)} while ${g.newer} (promoted at ${sec(g.promotedAt)}) was master`);
  }

  checked(): number {
    return this.writes;
  }

  stats(): Record<string, number> {
    return { writes_checked: this.writes, split_brain_writes: this.splitWrites, split_brain_ms: this.totalSplitUs() / 1000 };
  }
}
