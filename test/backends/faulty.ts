// A small deployment with every fault family the real backend replays, for the fault-phase tests.
import type { Scenario } from '../../sim/scenario/types.js';

export const FAULTY: Scenario = {
  name: 'faulty',
  config: { save: '', 'repl-diskless-sync-delay': 0 },
  nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } },
  workload: { writesPerSec: 40, keys: 20, commands: ['SET', 'INCR', 'APPEND', 'MULTI'] },
  faults: {
    phaseMs: 6000,
    settleMs: 20000,
    families: {
      crash: { everyMs: 1500, downMs: 400 },
      restart: { everyMs: 2500, downMs: 300 },
      partition: { everyMs: 2000, durationMs: 600 },
      'link-kill': { everyMs: 1000 },
      promotion: { everyMs: 3000 },
      'orchestrated-failover': { everyMs: 3000 },
    },
  },
  steps: [{ op: 'wait-sync' }, { op: 'faults' }, { op: 'expect-equal', nodes: ['p', 'r1', 'r2'], fields: ['master_replid', 'master_repl_offset', 'digest'] }],
};
