// What a step handler may use: the world, the orchestrator, and the runner's bookkeeping (failures,
// write records, remembered values). One module per op, each in the table of steps/index.ts.

import type { World } from '../../cluster/world.js';
import type { Orchestrator } from '../../cluster/orchestrator.js';
import type { Failure, Snapshot } from '../runner.js';
import type { Matcher } from '../types.js';
import type { ResolvedStep, ResolvedStepOp } from '../resolve.js';
import type { Reply } from '../../redis/reply.js';
import type { PENDING } from '../../redis/dispatch.js';

/** What checkReply needs of a command step: its op and node, and what it expects of the reply. */
export interface ReplyExpectation {
  op: string;
  node: string;
  expectError?: string;
  mayFail?: boolean;
}

export interface StepContext {
  readonly w: World;
  readonly orch: Orchestrator;
  /** The index of the step being run (0-based, as in `steps[i]`). */
  readonly stepIndex: number;
  /** Whether the orchestrator monitors the master (a `monitor` block): it may repair what a step broke. */
  readonly monitored: boolean;
  fail(f: Omit<Failure, 'time_us' | 'step' | 'op'>): void;
  /** Fail the run as a liveness failure and end it here. */
  liveness(message: string): never;
  /** A command from the node's scenario client, recorded in the trace; undefined when the node is down (null is a nil reply). */
  call(node: string, args: (string | number)[]): Reply | typeof PENDING | undefined;
  /** A command step's reply against its expectError / mayFail. */
  checkReply(step: ReplyExpectation, args: (string | number)[], r: Reply | typeof PENDING | undefined): void;
  /** `db`: the database it ran in, when not the client's current one (a write queued by MULTI). */
  recordWrite(node: string, args: string[], acked: boolean, as?: string, db?: number): void;
  /** A `write` step's writes that the node refused (a read-only replica, NOREPLICAS ...), for the run's report. */
  noteRefusedWrites(node: string, refused: number, of: number, error: string): void;
  /** The value a `changedSince` matcher compares with (the field right after the step it names). */
  earlier(node: string, field: string, m: Matcher): string | number | null | undefined;
  /** Record a `snapshot` step's values (node -> field -> value) in the run's result. */
  snapshot(label: string, values: Snapshot['nodes']): void;
  faultPhase(): void;
  /** Start or stop the scenario's workload in the background (a `workload` step). */
  workload(action: 'start' | 'stop'): void;
  settle(settleUs: number): void;
}

export type StepHandler<Op extends ResolvedStepOp> = (ctx: StepContext, step: Extract<ResolvedStep, { op: Op }>) => void;
/** Exactly one handler for every op the schema has (a missing or extra op is a type error). */
export type StepHandlers = { [Op in ResolvedStepOp]: StepHandler<Op> };
