// `faults`: the scenario's fault phase here, then its settle (without this step it runs after the last step).

import type { StepHandler } from './context.js';

export const faults: StepHandler<'faults'> = (ctx) => ctx.faultPhase();
