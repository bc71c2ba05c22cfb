// loss-burst: every link loses `loss` (default 0.2) of its segments for durationUs (default 2 s),
// then the loss the phase started with is back.

import type { FaultFamilyModule } from './family.js';

export const lossBurst: FaultFamilyModule = ({ w, fam, lossBefore, emit }) => ({
  inject() {
    const loss = fam.loss;
    emit({ loss });
    w.net.setLink({ loss });
    w.sched.after(fam.durationUs, () => w.net.setLink({ loss: lossBefore }), null);
  },
});
