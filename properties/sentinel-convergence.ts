// Sentinel liveness: when the settle window closes (faults stopped, network healed), every running
// Sentinel names the same master, that master is the one master the nodes show, and the Sentinels
// hold the same configuration epoch. What each Sentinel believes comes from its own events
// (+monitor after a start, +switch-master); the nodes' side from the observation model.

import type { TraceEvent } from '../sim/trace-events.js';
import type { ClusterView } from './view.js';
import { BaseProperty } from './types.js';
import { switchedTo } from './one-master-per-epoch.js';

interface Belief {
  running: boolean;
  master: string | null;
  configEpoch: number;
}

export class SentinelConvergence extends BaseProperty {
  readonly name = 'sentinel-convergence';
  readonly types: readonly TraceEvent['type'][] = ['sentinel.event', 'x.fault.settled', 'x.fault.not-converged'];
  private readonly sentinels = new Map<string, Belief>();
  private windows = 0;

  constructor(private readonly view: ClusterView) {
    super();
  }

  onEvent(e: TraceEvent): void {
    if (e.type === 'sentinel.event') {
      const b = this.sentinels.get(e.sentinel) ?? { running: true, master: null, configEpoch: 0 };
      this.sentinels.set(e.sentinel, b);
      if (e.event === 'start') b.running = true;
      else if (e.event === 'stop') b.running = false;
      else if (e.event === '+monitor') {
        b.master = e.instance?.split(' ')[2] ?? null;
        b.configEpoch = e.config_epoch ?? 0;
      } else if (e.event === '+switch-master') {
        b.master = switchedTo(e.detail);
        b.configEpoch = e.config_epoch ?? b.configEpoch;
      }
      return;
    }
    if ((e.type !== 'x.fault.settled' && e.type !== 'x.fault.not-converged') || this.sentinels.size === 0) return;
    this.windows++;
    const why = this.disagreement();
    if (why) this.violate(e.t, [...this.sentinels.keys()].sort(), `the settle window closed at ${(e.t / 1000).toFixed(3)} ms without the Sentinels agreeing: ${why}`);
  }

  /** Why the Sentinels and the nodes do not agree on one master, or null. */
  disagreement(): string | null {
    const running = [...this.sentinels.entries()].filter(([, b]) => b.running).sort(([a], [b]) => (a < b ? -1 : 1));
    if (running.length === 0) return null;
    const masters = new Set(running.map(([, b]) => b.master));
    const epochs = new Set(running.map(([, b]) => b.configEpoch));
    const say = running.map(([n, b]) => `${n}: ${b.master} (config epoch ${b.configEpoch})`).join(', ');
    if (masters.size > 1 && epochs.size === 1) {
      // hellos only carry a newer epoch: Sentinels that hold one epoch with two masters never reconcile
      return `they name different masters in one configuration epoch (${say}); a hello only moves a Sentinel to a newer epoch, so this never resolves on its own (7.0.15: a leader whose failover ends after a hello gave it that epoch for its old master's address switches to its own promoted replica; see one-master-per-epoch's notes)`;
    }
    if (masters.size > 1 || epochs.size > 1) return `they name different masters or epochs (${say})`;
    const named = running[0]![1].master;
    const actual = [...this.view.nodes.entries()].filter(([, n]) => n.alive && n.role === 'master').map(([name]) => name).sort();
    if (actual.length !== 1 || actual[0] !== named) return `they name ${named}, the nodes show ${actual.length ? actual.join(', ') : 'no master'} as master`;
    return null;
  }

  checked(): number {
    return this.windows;
  }
}
