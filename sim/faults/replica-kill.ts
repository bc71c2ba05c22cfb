// replica-kill: a random node drops the links of all its replicas (CLIENT KILL TYPE replica).

import type { FaultFamilyModule } from './family.js';

export const replicaKill: FaultFamilyModule = ({ w, rng, emit }) => ({
  inject(up) {
    const n = rng.pick(up);
    emit({ node: n });
    w.call(n, ['CLIENT', 'KILL', 'TYPE', 'replica']);
  },
});
