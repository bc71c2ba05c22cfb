// loss-burst: every link loses `loss` (default 0.2) of its segments for durationMs (default 2 s),
// then the loss the phase started with is back.

import type { FaultFamilyModule } from './family.js';

export const lossBurst: FaultFamilyModule = ({ w, fam, lossBefore, emit }) => ({
  inject() {
    const loss = fam.loss ?? 0.2;
    emit({ loss });
    w.net.setLink({ loss });
    w.sched.after((fam.durationMs ?? 2000) * 1000, () => w.net.setLink({ loss: lossBefore }), null);
  },
});
