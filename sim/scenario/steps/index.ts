// The step-handler table: every op of the scenario format and the one module (steps/<op>.ts) whose
// function runs it, on the step as the loader resolved it.

import type { ResolvedStep } from '../resolve.js';
import type { StepContext, StepHandlers } from './context.js';
import { write } from './write.js';
import { command } from './command.js';
import { sleep } from './sleep.js';
import { waitSync } from './wait-sync.js';
import { runUntil } from './run-until.js';
import { replicaof } from './replicaof.js';
import { failover } from './failover.js';
import { orchestratedFailover } from './orchestrated-failover.js';
import { killLink } from './kill-link.js';
import { killReplicas } from './kill-replicas.js';
import { partition } from './partition.js';
import { partitionOneway } from './partition-oneway.js';
import { isolate } from './isolate.js';
import { heal } from './heal.js';
import { network } from './network.js';
import { pause } from './pause.js';
import { crash } from './crash.js';
import { shutdown } from './shutdown.js';
import { restart } from './restart.js';
import { expect } from './expect.js';
import { expectEqual } from './expect-equal.js';
import { snapshot } from './snapshot.js';
import { faults } from './faults.js';
import { workload } from './workload.js';
import { settle } from './settle.js';

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
  snapshot,
  faults,
  workload,
  settle,
};

export function runStep(ctx: StepContext, step: ResolvedStep): void {
  (STEP_HANDLERS[step.op] as (ctx: StepContext, step: ResolvedStep) => void)(ctx, step);
}
