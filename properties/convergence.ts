// Property 4 (liveness): once the faults have stopped and the network is healed, within the settle
// deadline there is one master and every node has its replid, offset and digest. The runner only
// says when the settle window closed (x.fault.settled, x.fault.not-converged); whether the cluster
// had converged then is read from the observation model, not from the runner's verdict.

import type { TraceEvent } from '../sim/trace-events.js';
import type { ClusterView } from './view.js';
import { BaseProperty, short } from './types.js';

export class Convergence extends BaseProperty {
  readonly name = 'convergence';
  readonly types: readonly TraceEvent['type'][] = ['x.fault.settled', 'x.fault.not-converged'];
  private settledInUs: number[] = [];
  private windows = 0;

  constructor(private readonly view: ClusterView) {
    super();
  }

  /** Why the model does not show one master that every node has caught up with; null when it does. */
  diverged(): string | null {
    const nodes = [...this.view.nodes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const parts: string[] = [];
    for (const [name, n] of nodes) if (!n.alive) parts.push(`${name} is down`);
    const masters = nodes.filter(([, n]) => n.alive && n.role === 'master').map(([name]) => name);
    if (masters.length !== 1) return [...parts, masters.length === 0 ? 'no master' : `${masters.length} masters (${masters.join(', ')})`].join('; ');
    const m = this.view.node(masters[0]!)!;
    for (const [name, n] of nodes) {
      if (!n.alive || n.role === 'master') continue;
      if (!n.linkUp || n.replid !== m.replid || n.offset !== m.offset) {
        parts.push(`${name} (replica of ${n.masterHost ?? '?'}): link ${n.linkUp ? 'up' : 'down'}, ${n.replid === m.replid ? '' : `replid ${short(n.replid)} vs ${short(m.replid)}, `}offset ${n.offset} vs ${m.offset}`);
      }
    }
    // data: compare the readings taken at the common position (a reading elsewhere is older)
    const at = (n: typeof m) => (n.obs && n.obs.replid === m.replid && n.obs.offset === m.offset ? n.obs.digest : null);
    const want = at(m);
    if (want !== null) for (const [name, n] of nodes) if (n.alive && at(n) !== null && at(n) !== want) parts.push(`${name} holds other data (digest ${at(n)} vs ${want})`);
    return parts.length ? parts.join('; ') : null;
  }

  onEvent(e: TraceEvent): void {
    if (e.type !== 'x.fault.settled' && e.type !== 'x.fault.not-converged') return;
    this.windows++;
    const why = this.diverged();
    if (e.type === 'x.fault.settled') {
      this.settledInUs.push(e.after_us as number);
      if (why !== null) this.violate(e.t, [...this.view.nodes.keys()].sort(), `the settle step ended at ${(e.t / 1000).toFixed(3)} ms, but the trace shows no converged cluster then: ${why}`);
    } else {
      // the run stops here: the window closed, and the model says why (or the runner, if the
      // trace shows nothing wrong: then the two disagree, which is worth a look either way)
      this.violate(e.t, [...this.view.nodes.keys()].sort(), `not converged ${(e.settle_us as number) / 1000} ms after the faults stopped and the network healed: ${why ?? `${e.report as string} (the trace itself shows a converged cluster)`}`);
    }
  }

  checked(): number {
    return this.windows;
  }

  stats(): Record<string, number> {
    return this.settledInUs.length ? { settle_ms: Math.round(Math.max(...this.settledInUs) / 1000) } : {};
  }
}
