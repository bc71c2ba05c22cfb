// The project's own property suite: random scenarios (arbScenario) under fc.assert, checked by all
// eight properties. FC_NUM_RUNS sets the run count; a failure prints the fast-check seed and path
// and the `replsim run` command for the shrunk scenario.
import { describe, expect, it } from 'vitest';
import { arbScenario, assertScenarios } from '../../testing/index.js';
import { simulate } from '../../sim/harness/simulate.js';
import { fcParams } from '../support/fc.js';

describe('swarm of generated scenarios', () => {
  it('every generated scenario keeps every property', () => {
    const params = fcParams(300);
    process.stdout.write(`fast-check: ${params.numRuns} runs, seed ${params.seed} (replay: FC_SEED=${params.seed})\n`);
    assertScenarios(
      arbScenario(),
      ({ scenario, seed }) => {
        const r = simulate(scenario, { seed });
        expect(r.failures).toEqual([]);
      },
      params as never,
    );
  });

  it('a failure is reported with the fast-check replay and the replsim command', () => {
    // a deliberately broken check: any scenario that writes at least once fails it
    let message = '';
    try {
      assertScenarios(
        arbScenario({ maxSteps: 5, crashes: false }),
        ({ scenario }) => {
          expect((scenario.steps ?? []).some((s) => s.op === 'write')).toBe(false);
        },
        { seed: 42, numRuns: 200 } as never,
      );
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/fast-check replay: \{ seed: 42, path: "[\d:]+", endOnFailure: true \}/);
    expect(message).toMatch(/replsim replay: replsim run \.replsim-out\/counterexample-fc42-seed-\d+\.json --seed \d+/);
  });
});
