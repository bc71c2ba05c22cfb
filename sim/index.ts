// The library entry point: simulate() and what a user's own suites need.

export { simulate, networkParams, TOOL_VERSION, type RunResult, type SimulateOptions, type NodeReport, type RunStatus } from './run.js';
export { World, type WorldOptions, type NodeSpec } from './cluster/world.js';
export { Scheduler } from './kernel/scheduler.js';
export { Rng, RngStream, validateSeed, type Seed } from './kernel/rng.js';
export { Trace, MemorySink, TRACE_VERSION, type TraceSink } from './kernel/trace.js';
export { Network } from './net/network.js';
export { UserError, EventBudgetExceeded } from './errors.js';
export { validateScenario, parseScenarioText, loadScenarioFile } from '../scenarios/load.js';
export type { Scenario, Step } from '../scenarios/types.js';
export type { TraceEvent } from './trace-events.js';
export { MUTANTS, MUTANT_NAMES, type MutantName } from './redis/mutants.js';
