// promotion: the orchestrator promotes a random replica, whatever its offset (a manual failover).

import { replicasAmong, type FaultFamilyModule } from './family.js';

export const promotion: FaultFamilyModule = ({ w, orch, rng, emit }) => ({
  inject(up) {
    const replicas = replicasAmong(w, up);
    if (replicas.length === 0) return;
    const n = rng.pick(replicas);
    emit({ node: n });
    orch.failoverTo(n, 'fault: promotion');
  },
});
