// Steps that change who replicates whom: `replicaof` (REPLICAOF / REPLICAOF NO ONE), `failover`
// (the FAILOVER command), `orchestrated-failover` (the ideal orchestrator's choice), and the
// CLIENT KILL steps that drop replication links.

import type { StepHandler } from './context.js';

export const replicaof: StepHandler<'replicaof'> = (ctx, step) => {
  const args = step.primary === null ? ['REPLICAOF', 'NO', 'ONE'] : ['REPLICAOF', step.primary];
  ctx.checkReply(step, args, ctx.call(step.node, args));
};

export const failover: StepHandler<'failover'> = (ctx, step) => {
  const args: (string | number)[] = ['FAILOVER'];
  if (step.to) args.push('TO', step.to);
  if (step.timeoutMs !== undefined) args.push('TIMEOUT', step.timeoutMs);
  if (step.force) args.push('FORCE');
  ctx.checkReply(step, args, ctx.call(step.node, args));
};

export const orchestratedFailover: StepHandler<'orchestrated-failover'> = (ctx) => void ctx.orch.failover('scenario step');

export const killLink: StepHandler<'kill-link'> = (ctx, step) => void ctx.call(step.node, ['CLIENT', 'KILL', 'TYPE', 'master']);

export const killReplicas: StepHandler<'kill-replicas'> = (ctx, step) => void ctx.call(step.node, ['CLIENT', 'KILL', 'TYPE', 'replica']);
