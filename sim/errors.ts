// Error classes shared by the library and the CLI. A UserError is the user's mistake (bad scenario,
// bad flag, unknown node): the CLI prints its message alone and exits 2, with no stack trace.

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string) {
    super(message);
  }
}

/** A run that would not stop: more events than its budget allowed. */
export class EventBudgetExceeded extends Error {
  override readonly name = 'EventBudgetExceeded';
  constructor(
    readonly budget: number,
    readonly nowUs: number,
  ) {
    super(
      `event budget exceeded: ${budget} events ran and the simulation had not finished ` +
        `(simulated time ${nowUs}us). Raise maxEvents or look for a runaway timer.`,
    );
  }
}
