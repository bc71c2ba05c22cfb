// Property 4 (liveness): once the faults have stopped and the network is healed, within the settle
// deadline every node reachable from the master has the master's replid, offset and digest. The
// runner gives the run its settle time; this property turns a missed deadline into a violation.

import type { TraceEvent } from '../sim/trace-events.js';
import { BaseProperty } from './types.js';

export class Convergence extends BaseProperty {
  readonly name = 'convergence';
  private settledInUs: number[] = [];

  onEvent(e: TraceEvent): void {
    if (e.type === 'x.fault.settled') this.settledInUs.push(e.after_us as number);
    else if (e.type === 'x.fault.not-converged') {
      this.violate(e.t, (e.nodes as string[]) ?? [], `not converged ${(e.settle_us as number) / 1000} ms after the faults stopped and the network healed: ${e.report as string}`);
    }
  }

  stats(): Record<string, number> {
    return this.settledInUs.length ? { settle_ms: Math.round(Math.max(...this.settledInUs) / 1000) } : {};
  }
}
