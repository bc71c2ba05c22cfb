// `replsim/testing` (also reachable as `replsim/properties`, its earlier name): fast-check
// arbitraries and assertion helpers for property suites in a user's own CI. Needs fast-check (a
// peer dependency of replsim).

export {
  arbScenario,
  arbTopology,
  arbStep,
  arbWriteStep,
  arbClients,
  arbSleepStep,
  arbFaultStep,
  arbFaultFamilies,
  arbConfig,
  nodeNames,
  type ArbScenarioOptions,
  type ArbTopologyOptions,
  type ArbStepOptions,
  type GeneratedCase,
} from './arbitraries.js';
export { assertScenarios, expectNoFailures, formatFailures, replayCommand, noFailures, ScenarioFailed, type ScenarioCheck } from './assert.js';
