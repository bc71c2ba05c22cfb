// Error classes shared by the library and the CLI. A UserError is the user's mistake (bad scenario,
// bad flag, unknown node): the CLI prints its message alone and exits 2, with no stack trace.

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string) {
    super(message);
  }
}

/** Which limit stopped a run; each is also the name of the CLI flag that raises it. */
export type LimitName = 'max-events' | 'max-sim-time' | 'timeout';

/**
 * A run stopped by one of its limits before it finished (see SimulateOptions): the message names the
 * flag to raise. simulate() turns it into a liveness failure carrying `limit`.
 */
export class LimitExceeded extends Error {
  override name = 'LimitExceeded';
  constructor(
    readonly limit: LimitName,
    readonly nowUs: number,
    message: string,
  ) {
    super(message);
  }
}

/** A run that would not stop: more events than its budget allowed. */
export class EventBudgetExceeded extends LimitExceeded {
  override name = 'EventBudgetExceeded';
  constructor(
    readonly budget: number,
    nowUs: number,
  ) {
    super(
      'max-events',
      nowUs,
      `event budget exceeded: ${budget} events ran and the simulation had not finished ` +
        `(simulated time ${formatSimTime(nowUs)}). Raise --max-events (maxEvents in the library) or look for a runaway timer.`,
    );
  }
}

/** The virtual clock would pass the run's simulated-time limit. */
export class SimTimeLimitExceeded extends LimitExceeded {
  override name = 'SimTimeLimitExceeded';
  constructor(readonly limitUs: number) {
    super(
      'max-sim-time',
      limitUs,
      `simulated-time limit reached: the run wanted to go past ${formatSimTime(limitUs)} of simulated time. ` +
        `Raise --max-sim-time (maxSimTimeUs in the library) if the scenario really needs that long.`,
    );
  }
}

/** "1h", "10min", "2.5s", "300us": a virtual duration for messages. */
export function formatSimTime(us: number): string {
  if (us >= 3_600_000_000 && us % 3_600_000_000 === 0) return `${us / 3_600_000_000}h`;
  if (us >= 60_000_000 && us % 60_000_000 === 0) return `${us / 60_000_000}min`;
  if (us >= 1_000_000) return `${+(us / 1_000_000).toFixed(3)}s`;
  if (us >= 1000) return `${+(us / 1000).toFixed(3)}ms`;
  return `${us}us`;
}

/**
 * A sweep's worker process died under a batch twice (killed from outside, or out of memory): the
 * CLI prints the message alone (no stack trace) and exits 4.
 */
export class WorkerDied extends Error {
  override readonly name = 'WorkerDied';
  constructor(message: string) {
    super(message);
  }
}

