// The scenario document's TypeScript types, derived from the one schema in sim/scenario/schema.ts (the
// JSON Schema the loader validates with), and the resolved form the simulator runs (resolve.ts).

export type { ConfigMap, FaultFamily, FaultFamilyName, Matcher, NodeEntry, Scenario, Step, StepOp, Workload } from './schema.js';
export type { Check, ResolvedClient, ResolvedFaultFamily, ResolvedFaults, ResolvedNode, ResolvedScenario, ResolvedStep, ResolvedStepOp, ResolvedWorkload, WorkloadCommand } from './resolve.js';
