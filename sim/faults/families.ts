// The fault families by name, as scenarios name them in faults.families.

import type { FaultFamilyName } from '../scenario/types.js';
import type { FaultFamilyModule } from './family.js';
import { linkKill } from './link-kill.js';
import { replicaKill } from './replica-kill.js';
import { partition } from './partition.js';
import { lossBurst } from './loss-burst.js';
import { crash } from './crash.js';
import { restart } from './restart.js';
import { promotion } from './promotion.js';
import { orchestratedFailover } from './orchestrated-failover.js';

export const FAULT_FAMILIES: Record<FaultFamilyName, FaultFamilyModule> = {
  'link-kill': linkKill,
  'replica-kill': replicaKill,
  partition,
  'loss-burst': lossBurst,
  crash,
  restart,
  promotion,
  'orchestrated-failover': orchestratedFailover,
};
