// partition: for durationMs (default 2 s), half the time one node is cut off from all the others
// (half of those times the orchestrator's master), else the nodes split in two at random. One at a
// time: a family draws nothing while its partition lasts.

import type { FaultFamilyModule } from './family.js';

export const partition: FaultFamilyModule = ({ w, orch, rng, fam, emit }) => {
  let active = false;
  return {
    inject() {
      if (active || w.nodeNames.length < 2) return;
      let groups: string[][];
      orch.refresh();
      const m = orch.master;
      if (rng.chance(0.5)) {
        const lone = m !== null && rng.chance(0.5) ? m : rng.pick(w.nodeNames);
        groups = [[lone], w.nodeNames.filter((x) => x !== lone)];
      } else {
        const shuffled = rng.shuffled(w.nodeNames);
        const cut = rng.int(1, shuffled.length - 1);
        groups = [shuffled.slice(0, cut).sort(), shuffled.slice(cut).sort()];
      }
      emit({ groups });
      w.net.partition(groups);
      active = true;
      w.sched.after((fam.durationMs ?? 2000) * 1000, () => {
        if (!active) return;
        active = false;
        w.net.heal();
      }, null);
    },
    stop() {
      active = false;
    },
  };
};
