// A new user's mistakes in scenario files: each gives one UserError that names the JSON path and says
// what would be valid. The validator is checked in-process (cheap); a few files go through the CLI.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonErrorOffset, parseScenarioText, validateScenario } from '../../sim/scenario/load.js';
import { builtinNames } from '../../sim/harness/sources.js';
import { UserError } from '../../sim/errors.js';
import { fcParams } from '../support/fc.js';
import { cli, expectUserError, FIX } from './cli.js';

type Doc = Record<string, any>;

/** A valid scenario; steps[2] is where the cases put their bad step. */
function base(): Doc {
  return {
    name: 'v',
    nodes: { p: {}, r: { replicaof: 'p' } },
    steps: [{ op: 'wait-sync' }, { op: 'write', node: 'p', count: 3 }],
  };
}

function withStep(step: Doc): (d: Doc) => void {
  return (d) => void d.steps.push(step);
}

/** The one message validateScenario gives for this document (the test fails if it accepts it). */
function problem(doc: unknown): string {
  let caught: unknown;
  try {
    validateScenario(doc, 'f.json');
  } catch (e) {
    caught = e;
  }
  expect(caught, 'the document was accepted').toBeInstanceOf(UserError);
  const msg = (caught as UserError).message;
  expect(msg.startsWith('f.json: '), msg).toBe(true);
  expect(msg, 'one line').not.toContain('\n');
  expect(msg).not.toMatch(/undefined|\[object |NaN/);
  return msg;
}

const cases: [string, (d: Doc) => unknown, string[]][] = [
  // top level
  ['"node" instead of "nodes"', (d) => ((d.node = d.nodes), delete d.nodes), ['unknown key "node" at node', 'valid keys here:', 'nodes,']],
  ['"stpes" instead of "steps"', (d) => ((d.stpes = d.steps), delete d.steps), ['unknown key "stpes" at stpes', 'steps']],
  ['missing "name"', (d) => delete d.name, ['(top level): missing required field "name"']],
  ['missing "nodes"', (d) => delete d.nodes, ['(top level): missing required field "nodes"']],
  ['no nodes at all', (d) => ((d.nodes = {}), (d.steps = [])), ['nodes: needs at least 1 entry, got 0']],
  ['"version": 2', (d) => (d.version = 2), ['version: must be 1, got number 2']],
  ['a name with a space', (d) => (d.name = 'my test'), ['name: string "my test" is not valid', 'letters, digits']],
  ['a node name with a space', (d) => (d.nodes['node 1'] = {}), ['nodes["node 1"]: the name "node 1" is not valid', 'a node name (letters, digits']],
  ['changedSince naming a later step', withStep({ op: 'expect', node: 'p', master_replid: { changedSince: 5 } }), ['steps[2].master_replid.changedSince: 5 is not an earlier step; give the index of a step before this one (0..1)']],
  ['replicas in a cycle', (d) => ((d.nodes = { a: { replicaof: 'c' }, b: { replicaof: 'a' }, c: { replicaof: 'b' } }), (d.steps = [])), ['nodes.a.replicaof: a -> c -> b -> a is a cycle of replicas; at least one of them must start as a master']],
  ['a seed that is not whole', (d) => (d.seed = 1.5), ['seed: expected an integer or a string', 'got number 1.5']],
  ['oneway without between', withStep({ op: 'network', loss: 0.1, oneway: true }), ['steps[2].oneway: needs "between": [from, to] to say which direction']],
  ['a node in two partition groups', withStep({ op: 'partition', groups: [['p'], ['r', 'p']] }), ['steps[2].groups[1][1]: node "p" is already in groups[0]; a node belongs to one side of a partition']],
  ['partition-oneway from a node to itself', withStep({ op: 'partition-oneway', from: 'r', to: 'r' }), ['steps[2].to: a node cannot be cut off from itself', 'got "r" twice']],
  ['repl-backlog-size 0 (7.0.15 refuses it at start)', (d) => void (d.config = { 'repl-backlog-size': 0 }), ['config.repl-backlog-size: must be at least 1 byte', 'argument must be between 1 and 9223372036854775807 inclusive']],
  ['network between a node and itself', withStep({ op: 'network', between: ['p', 'p'], latency: '1ms' }), ['steps[2].between: name two different nodes, got "p" twice']],
  ['an unknown command', withStep({ op: 'command', node: 'p', args: ['GETT', 'k'] }), ['steps[2].args[0]: unknown or unsupported command "GETT"; supported: APPEND,']],
  ['nodes as an array', (d) => ((d.nodes = ['p', 'r']), (d.steps = [])), ['nodes: expected an object, got an array']],
  ['"replicaOf" (wrong case) in a node', (d) => ((d.nodes.r.replicaOf = 'p'), delete d.nodes.r.replicaof), ['unknown key "replicaOf" at nodes.r.replicaOf', 'valid keys here: replicaof']],
  // steps: op and required fields
  ['unknown op "sleeep"', withStep({ op: 'sleeep', ms: 5 }), ['steps[2].op: unknown op "sleeep"', 'valid ops: write, command, sleep, wait-sync']],
  ['a step without "op"', withStep({ ms: 5 }), ['steps[2]: missing required field "op"', 'valid ops: write']],
  ['"write" without node or client', withStep({ op: 'write', count: 3 }), ['steps[2]: needs "node" (the node\'s local client) or "client" (an application client from "clients")']],
  ['"cout" instead of "count"', withStep({ op: 'write', node: 'p', cout: 3 }), ['unknown key "cout" at steps[2].cout', 'valid keys here: op, comment, node, client, count']],
  // wrong types and ranges
  ['count: "ten"', withStep({ op: 'write', node: 'p', count: 'ten' }), ['steps[2].count: expected an integer, got string "ten"']],
  ['count: 0', withStep({ op: 'write', node: 'p', count: 0 }), ['steps[2].count: number 0 is out of range', 'must be >= 1']],
  ['loss: 2 in a network step', withStep({ op: 'network', loss: 2 }), ['steps[2].loss: number 2 is out of range', 'must be <= 0.9']],
  ['loss: 2 in the network block', (d) => (d.network = { loss: 2 }), ['network.loss: number 2 is out of range', 'must be <= 0.9']],
  ['"latency": "fast"', (d) => (d.network = { latency: 'fast' }), ['network.latency: string "fast" is not valid', '"200ms"', 'a bare number is milliseconds']],
  ['"latency": "fast" in a step', withStep({ op: 'network', latency: 'fast' }), ['steps[2].latency: string "fast" is not valid', '"2s"']],
  ['"bandwidth": "fast"', (d) => (d.network = { bandwidth: 'fast' }), ['network.bandwidth: string "fast" is not valid', '"100mbit"']],
  ['replicaof step to a number', withStep({ op: 'replicaof', node: 'r', primary: 5 }), ['steps[2].primary: number 5 is not valid: expected a node name', ' or null']],
  ['a partition with one group', withStep({ op: 'partition', groups: [['p', 'r']] }), ['steps[2].groups: needs at least 2 items, got 1']],
  ['an expect matcher that is an array', withStep({ op: 'expect', node: 'r', dbsize: [3] }), ['steps[2].dbsize: an array is not valid', '{"min": n}']],
  ['"mn" in an expect matcher', withStep({ op: 'expect', node: 'r', dbsize: { mn: 3 } }), ['unknown key "mn" at steps[2].dbsize.mn', 'valid keys here: min, max, not']],
  ['a workload command Redis has but the workload does not', (d) => (d.workload = { commands: ['GET'] }), ['workload.commands[0]: must be one of "SET"', 'got string "GET"']],
  ['a fault family typo', (d) => (d.faults = { phaseMs: 100, families: { crsh: { everyMs: 10 } } }), ['unknown key "crsh" at faults.families.crsh', 'crash']],
  // node references
  ['replicaof an unknown node', (d) => (d.nodes.r.replicaof = 'q'), ['nodes.r.replicaof: unknown node "q"; nodes in this scenario: p, r']],
  ['a step on an unknown node', withStep({ op: 'crash', node: 'zz' }), ['steps[2].node: unknown node "zz"; nodes in this scenario: p, r']],
  ['a partition group with an unknown node', withStep({ op: 'partition', groups: [['p'], ['x']] }), ['steps[2].groups[1][0]: unknown node "x"', 'p, r']],
  ['expect-equal on an unknown node', withStep({ op: 'expect-equal', nodes: ['p', 'r2'], fields: ['digest'] }), ['steps[2].nodes[1]: unknown node "r2"']],
  ['a node replicating itself', (d) => (d.nodes.r.replicaof = 'r'), ['nodes.r.replicaof: a node cannot replicate itself']],
  ['"replicaof" config naming an unknown node', (d) => (d.nodes.r = { config: { replicaof: 'zz 6379' } }), ['nodes.r.config.replicaof: unknown node "zz"', 'p, r']],
  ['top-level "slaveof" config makes a node its own replica', (d) => ((d.config = { slaveof: 'p' }), delete d.nodes.r.replicaof), ['config.slaveof: node p cannot replicate itself', '"replicaof": null']],
  // redis.conf
  ['"repl-backlog-size": "lots"', (d) => (d.config = { 'repl-backlog-size': 'lots' }), ['config.repl-backlog-size: expected a size like', '"16kb"', 'got "lots"']],
  ['"repl-backlog-size": "lots" in a node', (d) => (d.nodes.r.config = { 'repl-backlog-size': 'lots' }), ['nodes.r.config.repl-backlog-size: expected a size like', 'got "lots"']],
  ['a bad top-level value that every node overrides', (d) => ((d.config = { 'repl-timeout': 'soon' }), (d.nodes = { p: { config: { 'repl-timeout': 5 } } }), (d.steps = [])), ['config.repl-timeout: expected a whole number', 'got "soon"']],
  ['an unknown config name', (d) => (d.config = { 'repl-backlog-sise': '1mb' }), ['config.repl-backlog-sise: unknown config "repl-backlog-sise"; supported:', 'repl-backlog-size,']],
  // expectations
  ['an unknown INFO field in expect', withStep({ op: 'expect', node: 'r', master_repl_ofset: 5 }), ['steps[2].master_repl_ofset: unknown field; fields that can be checked:', 'master_repl_offset,', 'digest, dbsize']],
  ['an unknown INFO field in run-until', withStep({ op: 'run-until', node: 'r', master_link: 'up' }), ['steps[2].master_link: unknown field', 'master_link_status']],
  ['expect without a field', withStep({ op: 'expect', node: 'r' }), ['steps[2]: name at least one field to check', '"master_link_status": "up"']],
  ['an unknown field in expect-equal', withStep({ op: 'expect-equal', nodes: ['p', 'r'], fields: ['digets'] }), ['steps[2].fields: unknown field "digets"; fields that can be compared:', 'digest']],
  // step semantics
  ['a "faults" step without a faults block', withStep({ op: 'faults' }), ['steps[2]: a "faults" step needs a top-level "faults" block']],
  ['failover force without to', withStep({ op: 'failover', node: 'p', force: true }), ['steps[2]: "force" needs both "to" and "timeoutMs"']],
];

describe('scenario validation messages (in-process)', () => {
  it('the base document is valid, so each case tests only its own mistake', () => {
    expect(validateScenario(base(), 'f.json').name).toBe('v');
    expect(validateScenario({ ...base(), steps: [...base().steps, { op: 'expect', node: 'r', dbsize: 3, slave_repl_offset: { min: 1 } }] }, 'f.json').steps).toHaveLength(3);
  });

  for (const [label, mutate, fragments] of cases) {
    it(label, () => {
      const d = base();
      mutate(d);
      const msg = problem(d);
      for (const f of fragments) expect(msg).toContain(f);
    });
  }

  it('a scenario that is not an object', () => {
    expect(problem([])).toBe('f.json: (top level): expected an object, got an array');
    expect(problem(null)).toBe('f.json: (top level): expected an object, got null');
  });

  it('an unknown INFO field message lists every checkable field exactly once', () => {
    const msg = problem({ ...base(), steps: [{ op: 'expect', node: 'p', rol: 'master' }] });
    const list = msg.split('fields that can be checked: ')[1]!.split(', ');
    expect(list).toContain('role');
    expect(new Set(list).size).toBe(list.length);
  });
});

describe('invalid JSON (in-process)', () => {
  const bad = (text: string) => {
    try {
      parseScenarioText(text, 'f.json');
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      const msg = (e as Error).message;
      expect(msg, 'one line').not.toContain('\n');
      expect(msg, 'no quoted copy of the file').not.toContain('is not valid JSON');
      return msg;
    }
    throw new Error(`accepted: ${text}`);
  };

  it('a missing comma: line and column of the next key', () => {
    expect(bad('{\n  "name": "x",\n  "nodes": {}\n  "steps": []\n}')).toBe(`f.json: invalid JSON at line 4, column 3: Expected ',' or '}' after property value`);
  });

  it('a trailing comma in an array, which V8 reports without a position', () => {
    expect(bad('{"name": "x", "nodes": {"p": {}},\n "steps": [{"op": "heal"},]}')).toBe(`f.json: invalid JSON at line 2, column 27: Unexpected token ']'`);
  });

  it('a misspelt literal at the end of a line', () => {
    expect(bad('{\n  "name": tru\n}')).toBe(`f.json: invalid JSON at line 2, column 14: Unexpected token '\\n'`);
  });

  it('a file cut short, and an empty file', () => {
    expect(bad('{"name": "x",\n "nodes": {"p": {}}, "steps": [')).toBe('f.json: invalid JSON at line 2, column 32: Unexpected end of JSON input');
    expect(bad('')).toBe('f.json: invalid JSON at line 1, column 1: Unexpected end of JSON input');
  });

  it('text after the document', () => {
    expect(bad('{"name": "x", "nodes": {"p": {}}}\n}')).toBe('f.json: invalid JSON at line 2, column 1: Unexpected non-whitespace character after the JSON value');
  });

  it('a UTF-8 byte order mark (as Windows editors write) is accepted', () => {
    expect(parseScenarioText('\uFEFF{"name": "bom", "nodes": {"p": {}}}', 'f.json').name).toBe('bom');
  });

  it('jsonErrorOffset finds an error exactly when JSON.parse does, and inside the text', () => {
    const chars = [...'{}[]",:0123456789.-+eEtrufalsn \\\n'];
    const text = fc.oneof(
      fc.json(),
      fc.string({ unit: fc.constantFrom(...chars), maxLength: 30 }),
      fc.tuple(fc.json(), fc.nat(), fc.constantFrom(...chars)).map(([j, k, c]) => j.slice(0, k % (j.length + 1)) + c + j.slice(k % (j.length + 1))),
    );
    fc.assert(
      fc.property(text, (t) => {
        let ok = true;
        try {
          JSON.parse(t);
        } catch {
          ok = false;
        }
        const at = jsonErrorOffset(t);
        if (ok) expect(at).toBe(-1);
        else expect(at >= 0 && at <= t.length).toBe(true);
      }),
      fcParams(500),
    );
  });
});

describe('bad scenario files through the CLI', () => {
  it('invalid JSON: exit 2, file name, line and column, nothing on stdout', () => {
    expectUserError(cli('run', `${FIX}/bad/invalid-json.json`), `replsim: ${FIX}/bad/invalid-json.json: invalid JSON at line 4, column 3: Expected ','`);
  });

  it('"node" instead of "nodes": names the key and lists the valid ones', () => {
    expectUserError(cli('run', `${FIX}/bad/typo-nodes.json`, '--json'), `${FIX}/bad/typo-nodes.json: unknown key "node" at node; valid keys here:`, 'nodes');
  });

  it('count: "ten": names steps[2].count and the expected type', () => {
    expectUserError(cli('run', `${FIX}/bad/count-ten.json`), `${FIX}/bad/count-ten.json: steps[2].count: expected an integer, got string "ten"`);
  });

  it('sweep checks the scenario before starting workers: unknown op lists the valid ops', () => {
    expectUserError(cli('sweep', `${FIX}/bad/unknown-op.json`, '--seeds', '1..5'), 'steps[0].op: unknown op "sleeep"; valid ops: write, command, sleep');
  });

  it('a scenario file that does not exist', () => {
    expectUserError(cli('run', `${FIX}/no-such-file.json`), `replsim: ${FIX}/no-such-file.json: cannot read the scenario file (no such file); give a built-in scenario name (replsim list) or a path to a .json file`);
  });

  it('an unknown built-in name lists the built-ins', () => {
    const names = builtinNames();
    const msg = expectUserError(cli('run', 'failover-clen'), 'replsim: unknown scenario "failover-clen"', 'built-in scenarios: ');
    for (const n of names) expect(msg).toContain(n);
  });
});
