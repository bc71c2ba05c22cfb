// Settling after faults (the end of a fault phase, or a "settle" step): heal the network, restart
// every node (and Sentinel) that is down, let the orchestrator put the topology in order (with
// Sentinels: let them), and run until the deployment has converged or the time is up.

import type { World } from '../cluster/world.js';
import type { Orchestrator } from '../cluster/orchestrator.js';
import { infoFields } from '../redis/info.js';

/**
 * Every node runs, the orchestrator's master is the only master, every replica is in sync, and
 * every node has the master's replid, offset and data (as INFO and DEBUG DIGEST report them). With
 * Sentinels, the master is the one they name, and all of them name it, in one config epoch.
 */
export function converged(w: World, orch: Orchestrator): boolean {
  if (orch.watchOnly) orch.refresh();
  const m = orch.master;
  if (m === null || !w.isRunning(m) || !w.node(m).isMaster) return false;
  if (orch.watchOnly && !w.sentinelsAgree(m)) return false;
  for (const n of w.nodeNames) if (!w.isRunning(n) || (n !== m && w.node(n).isMaster)) return false;
  if (!w.inSync()) return false;
  const want = POSITION.map((f) => position(w, m, f));
  return w.nodeNames.every((n) => POSITION.every((f, i) => position(w, n, f) === want[i]));
}

const POSITION = ['master_replid', 'master_repl_offset', 'digest'] as const;

function position(w: World, n: string, field: (typeof POSITION)[number]): string | number | undefined {
  const node = w.node(n);
  return field === 'digest' ? node.ds.digest() : infoFields(node)[field];
}

/**
 * Settle within settleUs. Returns null once converged (traced as x.fault.settled), else the report
 * of what is not in sync (traced as x.fault.not-converged; the convergence property reports it).
 */
export function settle(w: World, orch: Orchestrator, settleUs: number): string | null {
  if (w.net.links.anyBlocked) w.net.heal();
  for (const n of w.nodeNames) if (!w.isRunning(n)) orch.restart(n);
  for (const s of w.sentinelNames) if (!w.sentinelOrNull(s)) w.restartSentinel(s);
  const deadline = w.sched.nowUs + settleUs;
  orch.restoreTopology();
  if (!w.runUntil(() => converged(w, orch), settleUs)) {
    const m = orch.master;
    const sentinels = orch.watchOnly && m !== null ? w.sentinelsDisagree(m) : null;
    const report = sentinels ? `${w.syncReport()}; ${sentinels}` : w.syncReport();
    w.trace.emit({ t: w.sched.nowUs, type: 'x.fault.not-converged', settle_us: settleUs, report, nodes: w.nodeNames });
    return report;
  }
  w.trace.emit({ t: w.sched.nowUs, type: 'x.fault.settled', after_us: settleUs - (deadline - w.sched.nowUs) });
  return null;
}
