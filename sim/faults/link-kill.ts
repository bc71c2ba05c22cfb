// link-kill: a random replica drops its link to its master (CLIENT KILL TYPE master).

import { replicasAmong, type FaultFamilyModule } from './family.js';

export const linkKill: FaultFamilyModule = ({ w, rng, emit }) => ({
  inject(up) {
    const replicas = replicasAmong(w, up);
    if (replicas.length === 0) return;
    const n = rng.pick(replicas);
    emit({ node: n });
    w.call(n, ['CLIENT', 'KILL', 'TYPE', 'master']);
  },
});
