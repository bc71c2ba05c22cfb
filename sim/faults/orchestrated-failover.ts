// orchestrated-failover: the orchestrator fails over as Sentinel would (its best replica).

import type { FaultFamilyModule } from './family.js';

export const orchestratedFailover: FaultFamilyModule = ({ orch, emit }) => ({
  inject() {
    emit({});
    orch.failover('fault: orchestrated failover');
  },
});
