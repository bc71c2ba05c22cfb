// `wait-sync` waits for every FAILOVER in progress to end, so a step after `failover` + `wait-sync`
// talks to the new roles; a FAILOVER that cannot end before the timeout is a liveness failure that
// says so. Writes a node refuses (a read-only replica) are reported per step.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { validateScenario } from '../../sim/scenario/load.js';

const base = { name: 'wait-failover', config: { save: '', 'repl-ping-replica-period': 3600 }, nodes: { p: {}, r: { replicaof: 'p' } } };
const run = (steps: unknown[]) => simulate(validateScenario({ ...base, steps: [{ op: 'wait-sync' }, ...steps] }, 'test'), { seed: 1 });

describe('wait-sync and FAILOVER', () => {
  it('after failover + wait-sync the target is the master: a write to it is acknowledged', () => {
    const r = run([{ op: 'write', node: 'p', count: 3 }, { op: 'wait-sync' }, { op: 'failover', node: 'p', to: 'r' }, { op: 'wait-sync' }, { op: 'write', node: 'r', count: 2 }, { op: 'wait-sync' }]);
    expect(r.failures).toEqual([]);
    expect(r.nodes.r!.role).toBe('master');
    expect(r.nodes.p!.role).toBe('slave');
    expect(r.stats.acked_writes).toBe(5);
    expect(r.refused_writes).toBeUndefined();
  });

  it('a FAILOVER that cannot finish in time: wait-sync fails and names it', () => {
    // r is stopped for longer than the wait: p waits for it to catch up, with no FAILOVER timeout
    const r = run([{ op: 'write', node: 'p', count: 1 }, { op: 'pause', node: 'r', ms: 20000 }, { op: 'write', node: 'p', count: 1, prefix: 'more:' }, { op: 'failover', node: 'p', to: 'r' }, { op: 'wait-sync', timeoutMs: 5000 }]);
    expect(r.status).toBe('liveness');
    expect(r.failures.map((f) => f.message)).toEqual([expect.stringMatching(/^wait-sync: not in sync after 5000 ms: .*p: FAILOVER to r in progress \(waiting-for-sync\)/)]);
  });

  it('writes refused by a read-only replica are counted per step', () => {
    const r = run([{ op: 'write', node: 'r', count: 4 }]);
    expect(r.refused_writes).toEqual([{ step: 1, node: 'r', refused: 4, of: 4, error: "READONLY You can't write against a read only replica." }]);
    expect(r.stats.writes).toBe(4);
    expect(r.stats.acked_writes).toBe(0);
  });
});

describe('refused writes in the human output', () => {
  it('renderRun lists each write step with refusals, also with --quiet; a run without refusals has no such section', async () => {
    const chalk = (await import('chalk')).default;
    const level = chalk.level;
    chalk.level = 0;
    try {
      const { renderRun } = await import('../../sim/cli/render.js');
      const r = run([{ op: 'write', node: 'r', count: 4 }, { op: 'write', node: 'p', count: 2 }]);
      const line = "  ! step 1 (write) on r: 4 of 4 refused: READONLY You can't write against a read only replica.";
      expect(renderRun(r, 'x.json', 0, false)).toContain(`\nrefused writes\n${line}\n`);
      expect(renderRun(r, 'x.json', 0, true)).toContain(`\nrefused writes\n${line}\n`);
      expect(renderRun(run([{ op: 'write', node: 'p', count: 2 }]), 'x.json', 0, false)).not.toContain('refused writes');
    } finally {
      chalk.level = level;
    }
  });
});
