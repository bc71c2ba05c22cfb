// The coordinated FAILOVER command (Redis 6.2+): pause writes, wait until the target (or any replica)
// has acknowledged our whole stream, demote ourselves with PSYNC ... FAILOVER, and the abort paths.

import type { RedisNode } from './instance.js';
import { type Reply, OK, NOT_INTEGER, err } from './reply.js';
import { parseInt64 } from './ints.js';

export type FailoverStateName = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export interface FailoverState {
  state: FailoverStateName;
  /** Target node name, or null for "any replica". */
  target: string | null;
  /** Absolute deadline (virtual us) when a TIMEOUT was given, else 0. */
  endTimeUs: number;
  force: boolean;
}

export function noFailover(): FailoverState {
  return { state: 'no-failover', target: null, endTimeUs: 0, force: false };
}

const FAILOVER_OPTIONS = new Set(['TO', 'TIMEOUT', 'FORCE']);

/** FAILOVER [TO host [port] [FORCE]] [TIMEOUT ms] | FAILOVER ABORT */
export function failoverCommand(node: RedisNode, args: string[]): Reply {
  const opts = args.slice(1);
  if (opts.length === 1 && opts[0]!.toUpperCase() === 'ABORT') {
    if (node.failover.state === 'no-failover') return err('ERR No failover in progress.');
    abortFailover(node, 'Failover manually aborted');
    return OK;
  }
  let target: string | null = null;
  let timeoutMs = 0;
  let force = false;
  // failoverCommand()'s parse: each option once, TIMEOUT and the port read as integers (string2ll())
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!.toUpperCase();
    if (o === 'TIMEOUT' && opts[i + 1] !== undefined && timeoutMs === 0) {
      const t = parseInt64(opts[++i]!);
      if (t === null) return NOT_INTEGER();
      if (t <= 0n) return err('ERR FAILOVER timeout must be greater than 0');
      timeoutMs = Number(t);
    } else if (o === 'TO' && opts[i + 1] !== undefined && target === null) {
      target = opts[++i]!;
      // Redis requires the port; the simulator's node names may leave it out (every node is on 6379)
      const port = opts[i + 1];
      if (port !== undefined && !FAILOVER_OPTIONS.has(port.toUpperCase())) {
        if (parseInt64(port) === null) return NOT_INTEGER();
        i++;
      }
    } else if (o === 'FORCE' && !force) force = true;
    else return err('ERR syntax error');
  }
  if (node.failover.state !== 'no-failover') return err('ERR FAILOVER already in progress.');
  if (node.masterHost !== null) return err('ERR FAILOVER is not valid when server is a replica.');
  if (node.masterSide.replicas.length === 0) return err('ERR FAILOVER requires connected replicas.');
  if (force && (target === null || timeoutMs === 0)) return err('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  if (target !== null) {
    const r = node.masterSide.replicas.find((x) => x.peer === target);
    if (!r) return err('ERR FAILOVER target HOST and PORT is not a replica.');
    if (r.replState !== 'online') return err('ERR FAILOVER target replica is not online.');
  }
  node.failover = {
    state: 'waiting-for-sync',
    target,
    endTimeUs: timeoutMs > 0 ? node.ctx.nowUs() + timeoutMs * 1000 : 0,
    force,
  };
  emit(node);
  return OK;
}

function emit(node: RedisNode): void {
  node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.failover', node: node.name, state: node.failover.state, target: node.failover.target });
}

/** updateFailoverStatus(): called first in replicationCron (10 Hz during a failover). */
export function updateFailoverStatus(node: RedisNode): void {
  const f = node.failover;
  if (f.state !== 'waiting-for-sync') return;
  const now = node.ctx.nowUs();
  if (f.endTimeUs > 0 && now >= f.endTimeUs) {
    if (f.force) return beginFailover(node, f.target!);
    return abortFailover(node, 'Replica never caught up before timeout');
  }
  // the target, or the first replica (in attach order) whose ACK matches our offset exactly
  const synced = node.masterSide.replicas.find((r) => (f.target === null || r.peer === f.target) && r.ackOff === node.masterReplOffset);
  if (synced) beginFailover(node, synced.peer);
}

function beginFailover(node: RedisNode, target: string): void {
  node.failover.state = 'failover-in-progress';
  node.failover.target = target;
  emit(node);
  node.setMaster(target);
}

/** abortFailover(): an in-progress failover turns us back into a master with a new replid. */
export function abortFailover(node: RedisNode, reason: string): void {
  const wasInProgress = node.failover.state === 'failover-in-progress';
  node.ctx.trace.emit({ t: node.ctx.nowUs(), type: 'redis.failover-abort', node: node.name, reason });
  if (wasInProgress) node.promote('failover-aborted');
  clearFailoverState(node);
}

function clearFailoverState(node: RedisNode): void {
  node.failover = noFailover();
  emit(node);
  node.resumePausedClients();
}
