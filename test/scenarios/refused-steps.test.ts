// A command, replicaof or failover step that Redis refuses fails the run, unless the step says which
// error it expects; an unknown command is a user error when the scenario is loaded.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { validateScenario } from '../../sim/scenario/load.js';
import { UserError } from '../../sim/errors.js';

const base = { name: 'refused', nodes: { p: {}, r: { replicaof: 'p' } } };
const run = (steps: unknown[]) => simulate(validateScenario({ ...base, steps: [{ op: 'wait-sync' }, ...steps] }, 'test'), { seed: 1 });

describe('steps Redis refuses', () => {
  it('a refused command fails the run with the error, the step and a hint', () => {
    const r = run([{ op: 'command', node: 'r', args: ['SET', 'a', '1'] }]);
    expect(r.status).toBe('fail');
    expect(r.failures.map((f) => f.message)).toEqual([
      `step 1 (command): SET a 1 on r was refused: READONLY You can't write against a read only replica. (add "expectError": "<start of the error>" to the step if that is intended)`,
    ]);
  });

  it('expectError accepts the expected refusal and fails on success or on another error', () => {
    expect(run([{ op: 'command', node: 'r', args: ['SET', 'a', '1'], expectError: 'READONLY' }]).status).toBe('pass');
    const ok = run([{ op: 'command', node: 'p', args: ['SET', 'a', '1'], expectError: 'READONLY' }]);
    expect(ok.failures.map((f) => f.message)).toEqual(['step 1 (command): SET a 1 on p: expected an error starting with "READONLY", got "OK"']);
    const other = run([{ op: 'failover', node: 'r', to: 'p', expectError: 'READONLY' }]);
    expect(other.failures[0]!.message).toBe('step 1 (failover): FAILOVER TO p on r: expected an error starting with "READONLY", got ERR FAILOVER is not valid when server is a replica.');
  });

  it('a refused failover or replicaof step fails the run; a command to a stopped node too', () => {
    expect(run([{ op: 'failover', node: 'r', to: 'p' }]).failures[0]!.message).toContain('FAILOVER TO p on r was refused: ERR FAILOVER is not valid when server is a replica.');
    expect(run([{ op: 'replicaof', node: 'p', primary: 'p' }]).failures[0]!.message).toContain('REPLICAOF p on p was refused: ERR');
    expect(run([{ op: 'crash', node: 'r' }, { op: 'command', node: 'r', args: ['PING'] }]).failures[0]!.message).toContain('PING on r was refused: node r is not running');
  });

  it('an unknown command is a user error naming the step and the supported commands', () => {
    expect(() => run([{ op: 'command', node: 'p', args: ['INCRR', 'x'] }])).toThrow(UserError);
    expect(() => run([{ op: 'command', node: 'p', args: ['INCRR', 'x'] }])).toThrow(/steps\[1\]\.args\[0\]: unknown or unsupported command "INCRR"; supported: APPEND, .*INCR, /);
  });

  it('a cycle of replicas made at run time: wait-sync fails at once, naming the cycle, instead of passing with no master', () => {
    const r = simulate(validateScenario({ name: 'cycle', nodes: { p: {}, a: { replicaof: 'p' }, b: { replicaof: 'a' } }, steps: [{ op: 'wait-sync' }, { op: 'replicaof', node: 'a', primary: 'b' }, { op: 'sleep', ms: 2000 }, { op: 'replicaof', node: 'p', primary: 'a' }, { op: 'wait-sync' }] }, 'test'), { seed: 1 });
    expect(r.status).toBe('liveness');
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.message).toMatch(/^wait-sync: (a -> b -> a|b -> a -> b) is a cycle of replicas, so no node is their master and they can never be in sync/);
    expect(r.failures[0]!.step).toBe(4);
  });
});
