// crash: kill -9 of a random node, restarted by the orchestrator after downMs (default 2 s).

import type { FaultFamilyModule } from './family.js';

export const crash: FaultFamilyModule = ({ w, rng, fam, emit, takeDown }) => ({
  inject(up) {
    const n = rng.pick(up);
    emit({ node: n });
    takeDown(n, fam.downMs ?? 2000, () => w.crash(n));
  },
});
