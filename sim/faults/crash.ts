// crash: kill -9 of a random node, restarted by the orchestrator after downUs (default 2 s).

import type { FaultFamilyModule } from './family.js';

export const crash: FaultFamilyModule = ({ w, rng, fam, emit, takeDown }) => ({
  inject(up) {
    const n = rng.pick(up);
    emit({ node: n });
    takeDown(n, fam.downUs, () => w.crash(n));
  },
});
