// `heal`: lift every partition.

import type { StepHandler } from './context.js';

export const heal: StepHandler<'heal'> = (ctx) => ctx.w.net.heal();
