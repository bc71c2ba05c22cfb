// Steps on the virtual network: partitions (both ways, one way, one node against all), heal, and
// changes to latency, jitter, loss and bandwidth (everywhere, between two nodes, or one direction).

import { parseDurationUs, parseRateBytesPerSec } from '../../units.js';
import type { StepHandler } from './context.js';

export const partition: StepHandler<'partition'> = (ctx, step) => ctx.w.partition(step.groups);

export const partitionOneway: StepHandler<'partition-oneway'> = (ctx, step) => ctx.w.net.partitionOneway(step.from, step.to);

export const isolate: StepHandler<'isolate'> = (ctx, step) => ctx.w.isolate(step.node);

export const heal: StepHandler<'heal'> = (ctx) => ctx.w.net.heal();

export const network: StepHandler<'network'> = (ctx, step) => {
  const p = `steps[${ctx.stepIndex}]`;
  const change = {
    ...(step.latency !== undefined ? { latencyUs: parseDurationUs(step.latency, `${p}.latency`) } : {}),
    ...(step.jitter !== undefined ? { jitterUs: parseDurationUs(step.jitter, `${p}.jitter`) } : {}),
    ...(step.loss !== undefined ? { loss: step.loss } : {}),
    ...(step.bandwidth !== undefined ? { bandwidthBytesPerSec: parseRateBytesPerSec(step.bandwidth, `${p}.bandwidth`) } : {}),
  };
  ctx.w.net.setLink(change, step.between, step.oneway === true);
};
