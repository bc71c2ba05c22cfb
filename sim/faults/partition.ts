// partition: for durationUs (default 2 s), half the time one node is cut off from all the others
// (half of those times the orchestrator's master), else the nodes split in two at random. With
// `oneway`, that share of the strikes instead cuts one direction between the orchestrator's master
// and another node (TCP then stalls the other direction too: sim/net/network.ts). One at a time: a
// family draws nothing while its partition lasts.

import type { FaultFamilyModule } from './family.js';

export const partition: FaultFamilyModule = ({ w, orch, rng, fam, emit }) => {
  let active = false;
  const healAfter = () => {
    active = true;
    w.sched.after(fam.durationUs, () => {
      if (!active) return;
      active = false;
      w.net.heal();
    }, null);
  };
  return {
    inject() {
      if (active || w.nodeNames.length < 2) return;
      let groups: string[][];
      orch.refresh();
      const m = orch.master;
      // drawn only when asked for, so that scenarios without it keep their draws
      if (fam.oneway > 0 && rng.chance(fam.oneway)) {
        const a = m ?? rng.pick(w.nodeNames);
        const b = rng.pick(w.nodeNames.filter((x) => x !== a));
        const [from, to] = rng.chance(0.5) ? [a, b] : [b, a];
        emit({ from, to });
        w.net.partitionOneway(from, to);
        healAfter();
        return;
      }
      if (rng.chance(0.5)) {
        const lone = m !== null && rng.chance(0.5) ? m : rng.pick(w.nodeNames);
        groups = [[lone], w.nodeNames.filter((x) => x !== lone)];
      } else {
        const shuffled = rng.shuffled(w.nodeNames);
        const cut = rng.int(1, shuffled.length - 1);
        groups = [shuffled.slice(0, cut).sort(), shuffled.slice(cut).sort()];
      }
      emit({ groups });
      w.partition(groups);
      healAfter();
    },
    stop() {
      active = false;
    },
  };
};
