// The scenario document's TypeScript types, derived from the one schema in sim/scenario/schema.ts (the
// JSON Schema the loader validates with); nothing here is written a second time.

export type { ConfigMap, FaultFamily, FaultFamilyName, Matcher, NodeEntry, Scenario, Step, StepOp, Workload } from './schema.js';
