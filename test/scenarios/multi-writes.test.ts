// Writes sent through `command` steps inside MULTI are recorded (x.write) when EXEC runs them, in
// the database a queued SELECT chose, and acknowledged only if EXEC ran them; not at QUEUED time.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { validateScenario } from '../../sim/scenario/load.js';
import type { TraceEvent } from '../../sim/trace-events.js';

const run = (steps: unknown[], nodes: Record<string, unknown> = { p: {}, r: { replicaof: 'p' } }) => {
  const seen: TraceEvent[] = [];
  const r = simulate(validateScenario({ name: 'multi', config: { save: '' }, nodes, steps: [{ op: 'wait-sync' }, ...steps] }, 'test'), { seed: 1, observers: [(e) => seen.push(e)] });
  return { r, writes: seen.filter((e) => e.type === 'x.write') as (TraceEvent & { db: number; key: string; acked: boolean })[] };
};
const cmd = (...args: (string | number)[]) => ({ op: 'command', node: 'p', args });

describe('writes inside MULTI', () => {
  it('a SET after a queued SELECT is attributed to the selected database, at EXEC', () => {
    const { r, writes } = run([cmd('MULTI'), cmd('SELECT', 3), cmd('SET', 'k', 'v'), cmd('EXEC'), { op: 'wait-sync' }]);
    expect(writes.map((w) => [w.db, w.key, w.acked])).toEqual([[3, 'k', true]]);
    expect(r.failures).toEqual([]);
    expect(r.properties['acknowledged-writes']!.stats.keys_checked).toBe(1);
  });

  it('the SELECT stays in effect after EXEC; a write after it is in the new database', () => {
    const { r, writes } = run([cmd('MULTI'), cmd('SET', 'a', '1'), cmd('SELECT', 5), cmd('SET', 'b', '2'), cmd('EXEC'), cmd('SET', 'c', '3'), { op: 'wait-sync' }]);
    expect(writes.map((w) => [w.db, w.key])).toEqual([[0, 'a'], [5, 'b'], [5, 'c']]);
    expect(r.failures).toEqual([]);
  });

  it('writes of a transaction that EXEC aborts or DISCARD drops are not acknowledged', () => {
    const { r, writes } = run([
      cmd('MULTI'), cmd('SET', 'x', '1'), { op: 'command', node: 'p', args: ['SET', 'bad'], expectError: 'ERR wrong number' }, { op: 'command', node: 'p', args: ['EXEC'], expectError: 'EXECABORT' },
      cmd('MULTI'), cmd('SET', 'y', '1'), cmd('DISCARD'),
      { op: 'wait-sync' },
    ]);
    expect(writes.map((w) => [w.key, w.acked])).toEqual([['bad', false], ['x', false], ['y', false]]); // the refused SET when it was refused
    expect(r.failures).toEqual([]);
  });
});
