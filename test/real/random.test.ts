// Randomized differential test: fast-check draws a topology and a sequence of writes, promotions,
// re-pointings, killed links and restarts; each sequence runs on the simulator and on real
// redis-server processes, settling after every step, and every snapshot must be the same.
//
// Runs REPLSIM_REAL_RUNS sequences (default 8; each takes a few seconds of real time); a failure
// prints the fast-check seed and path (replay with FC_SEED / FC_PATH) and the steps it ran.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { describeReal, playBoth } from './clusters.js';
import { arbRaw, interpret, stepsScript, type Raw } from './random-steps.js';

const RUNS = Number(process.env.REPLSIM_REAL_RUNS ?? 8);

describeReal('random differential', () => {
  it(`${RUNS} random topologies and step sequences give the same INFO snapshots on both`, async () => {
    // shrinking re-runs real servers (seconds a run): stop it in time to report the smallest case found
    const params: fc.Parameters<[Raw]> = { numRuns: RUNS, interruptAfterTimeLimit: 300_000 };
    if (process.env.FC_SEED) params.seed = Number(process.env.FC_SEED);
    if (process.env.FC_PATH) params.path = process.env.FC_PATH;
    await fc.assert(
      fc.asyncProperty(arbRaw, async (raw) => {
        const { nodes, config, steps } = interpret(raw);
        const { real, sim } = await playBoth(stepsScript(nodes, config, steps));
        expect(sim, `config ${JSON.stringify(config)}, steps:\n${steps.map((s) => JSON.stringify(s)).join('\n')}`).toEqual(real);
      }),
      params,
    );
  }, 600_000);
});
