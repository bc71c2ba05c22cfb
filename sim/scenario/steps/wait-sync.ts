// `wait-sync`: let simulated time pass until every running replica's link is up with its master's
// offset, and no FAILOVER is in progress; a liveness failure after timeoutUs.

import type { World } from '../../cluster/world.js';
import type { StepHandler } from './context.js';

export const waitSync: StepHandler<'wait-sync'> = (ctx, step) => {
  const { w } = ctx;
  // without a monitor nothing can break a cycle of replicas: say so now rather than time out
  const cycle = ctx.monitored ? null : w.replicaCycle();
  if (cycle) ctx.liveness(`wait-sync: ${cycle.join(' -> ')} is a cycle of replicas, so no node is their master and they can never be in sync; point one of them at a master or make it one with {"op": "replicaof", "node": "${cycle[0]}", "primary": null}`);
  // a FAILOVER in progress is waited for too: until it ends the target is still a replica and the
  // old master still pauses writes, although every replica may already have its master's offset
  if (!w.runUntil(() => w.inSync() && failoversInProgress(w).length === 0, step.timeoutUs)) {
    const failovers = failoversInProgress(w);
    const report = w.inSync() ? failovers.join('; ') : [w.syncReport(), ...failovers].join('; ');
    ctx.liveness(`wait-sync: not in sync after ${step.timeoutUs / 1000} ms: ${report}`);
  }
};

/** The running nodes with a FAILOVER in progress, described for a failure message. */
function failoversInProgress(w: World): string[] {
  const out: string[] = [];
  for (const name of w.nodeNames) {
    const f = w.nodeOrNull(name)?.failover;
    if (f && f.state !== 'no-failover') out.push(`${name}: FAILOVER to ${f.target ?? 'any replica'} in progress (${f.state})`);
  }
  return out;
}
