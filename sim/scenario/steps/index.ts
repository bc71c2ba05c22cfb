// The step-handler table: every op of the scenario format and the one function that runs it.

import type { Step } from '../types.js';
import type { StepContext, StepHandlers } from './context.js';
import { command, write } from './writes.js';
import { expect, expectEqual, runUntil } from './checks.js';
import { faults, settle, sleep, waitSync, workload } from './time.js';
import { failover, killLink, killReplicas, orchestratedFailover, replicaof } from './topology.js';
import { heal, isolate, network, partition, partitionOneway } from './network.js';
import { crash, pause, restart, shutdown } from './processes.js';

export const STEP_HANDLERS: StepHandlers = {
  write,
  command,
  sleep,
  'wait-sync': waitSync,
  'run-until': runUntil,
  replicaof,
  failover,
  'orchestrated-failover': orchestratedFailover,
  'kill-link': killLink,
  'kill-replicas': killReplicas,
  partition,
  'partition-oneway': partitionOneway,
  isolate,
  heal,
  network,
  pause,
  crash,
  shutdown,
  restart,
  expect,
  'expect-equal': expectEqual,
  faults,
  workload,
  settle,
};

export function runStep(ctx: StepContext, step: Step): void {
  (STEP_HANDLERS[step.op] as (ctx: StepContext, step: Step) => void)(ctx, step);
}
