// restart: SHUTDOWN NOW of a random node, with SAVE when `save` says so (else a coin toss), restarted
// by the orchestrator after downUs (default 2 s).

import type { FaultFamilyModule } from './family.js';

export const restart: FaultFamilyModule = ({ w, rng, fam, emit, takeDown }) => ({
  inject(up) {
    const n = rng.pick(up);
    const save = fam.save ?? rng.chance(0.5);
    emit({ node: n, save });
    takeDown(n, fam.downUs, () => w.call(n, ['SHUTDOWN', save ? 'SAVE' : 'NOSAVE', 'NOW'], () => {}));
  },
});
