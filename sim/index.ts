// The library entry point: simulate() and what a user's own suites need.

export { simulate, TOOL_VERSION, type RunResult, type SimulateOptions, type NodeReport, type RunStatus } from './harness/simulate.js';
export { World, type WorldOptions, type NodeSpec } from './cluster/world.js';
export { Scheduler } from './kernel/scheduler.js';
export { Rng, RngStream, validateSeed, type Seed } from './kernel/rng.js';
export { Trace, MemorySink, TRACE_VERSION, type TraceSink } from './kernel/trace.js';
export { EventHash } from './kernel/event-hash.js';
export { Network } from './net/network.js';
export { UserError, EventBudgetExceeded } from './errors.js';
export { validateScenario, loadScenario, parseScenarioText, loadScenarioFile, type LoadedScenario } from './scenario/load.js';
export { networkParams, resolveDocument, type ResolvedScenario, type ResolvedStep } from './scenario/resolve.js';
export type { Scenario, Step } from './scenario/types.js';
export type { TraceEvent } from './trace-events.js';
export { MUTANTS, MUTANT_NAMES, type MutantName } from './redis/mutants.js';
export { runStatus, type SummaryEvent } from './harness/simulate.js';
export type { Failure, FailureKind } from './scenario/runner.js';
export { PROPERTY_NAMES, LIVENESS_PROPERTIES, type PropertyName, type PropertyReport, type Violation } from '../properties/index.js';
// The built-in scenarios (`replsim list`), by name; `swarm` is generated from the seed.
export { builtinNames, loadBuiltin, builtinDescription, builtinSource, resolveScenario, scenarioFor, type ScenarioSource } from './harness/sources.js';
export { parseSeeds } from './harness/seeds.js';
export { swarmCoreScenario, swarmScenario } from './scenario/swarm.js';
// What `replsim sweep`, `replay` and `shrink` do, for a user's own harness.
export { sweep, defaultWorkers, type SweepOptions, type SweepSummary } from './harness/sweep.js';
export type { SweepOutcome } from './harness/task.js';
export { shrink, failureSignature, type ShrinkResult } from './harness/shrink.js';
export { readArtifact, type Artifact } from './harness/artifacts.js';
