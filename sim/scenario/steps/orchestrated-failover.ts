// `orchestrated-failover`: the ideal orchestrator promotes the replica it would choose.

import type { StepHandler } from './context.js';

export const orchestratedFailover: StepHandler<'orchestrated-failover'> = (ctx) => void ctx.orch.failover('scenario step');
