// Builds the scenario JSON Schema (draft-07) that validates scenario files and that editors use.
// `node scenarios/make-schema.mjs` rewrites scenarios/scenario.schema.json; a test checks it is current.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const node = { type: 'string', pattern: '^[A-Za-z0-9_-]+$', 'x-hint': 'a node name (letters, digits, "-" and "_")' };
const duration = {
  oneOf: [
    { type: 'number', minimum: 0, 'x-hint': 'milliseconds' },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(us|ms|s|m)$' },
  ],
  'x-hint': 'a duration like 500, "500us", "200ms", "2s" or "1m" (a bare number is milliseconds)',
};
const rate = {
  oneOf: [
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(bit|kbit|mbit|gbit|B|KB|MB|GB)$' },
  ],
  'x-hint': 'a bandwidth like "1gbit", "100mbit" or "10MB" per second (a bare number is bytes per second)',
};
const ms = { type: 'integer', minimum: 0, 'x-hint': 'a whole number of milliseconds' };
const configValue = { type: ['string', 'number', 'boolean', 'null'] };
const config = { type: 'object', additionalProperties: configValue, 'x-hint': 'redis.conf settings by name, e.g. {"repl-backlog-size": "16kb"}' };
const matcher = {
  oneOf: [
    { type: ['string', 'number'] },
    {
      type: 'object',
      properties: { min: { type: 'number' }, max: { type: 'number' }, not: { type: ['string', 'number'] }, changedSince: { type: 'integer', minimum: 0, description: 'differs from the value the field had right after that step (an index into steps)' } },
      additionalProperties: false,
      minProperties: 1,
    },
  ],
  'x-hint': 'a value, or {"min": n}, {"max": n}, {"not": value}, {"changedSince": stepIndex}',
};

const expectError = {
  type: 'string',
  minLength: 1,
  description: 'the step is meant to be refused: the reply must be an error starting with this text (e.g. "READONLY"); without it any error reply fails the run',
};

const mayFail = {
  type: 'boolean',
  description: 'a refusal is tolerated (for generated fault schedules, where the node may be down or failing over)',
};

function step(op, props, required = []) {
  return {
    type: 'object',
    properties: { op: { const: op }, comment: { type: 'string' }, ...props },
    required: ['op', ...required],
    additionalProperties: false,
  };
}

const steps = [
  step('write', { node, count: { type: 'integer', minimum: 1, maximum: 10000000 }, prefix: { type: 'string' }, valueSize: { type: 'integer', minimum: 0, maximum: 536870912 }, intervalMs: { type: 'number', minimum: 0 }, db: { type: 'integer', minimum: 0, maximum: 15 } }, ['node']),
  step('command', { node, args: { type: 'array', items: { type: ['string', 'number'] }, minItems: 1 }, expectError, mayFail }, ['node', 'args']),
  step('sleep', { ms: { type: 'number', minimum: 0 } }, ['ms']),
  step('wait-sync', { timeoutMs: { type: 'number', exclusiveMinimum: 0 } }),
  step('run-until', { node, timeoutMs: { type: 'number', exclusiveMinimum: 0 } }, ['node']),
  step('replicaof', { node, primary: { oneOf: [node, { type: 'null' }] }, expectError, mayFail }, ['node', 'primary']),
  step('failover', { node, to: node, timeoutMs: { type: 'integer', minimum: 1 }, force: { type: 'boolean' }, expectError, mayFail }, ['node']),
  step('orchestrated-failover', {}),
  step('kill-link', { node }, ['node']),
  step('kill-replicas', { node }, ['node']),
  step('partition', { groups: { type: 'array', items: { type: 'array', items: node, minItems: 1 }, minItems: 2 } }, ['groups']),
  step('partition-oneway', { from: node, to: node }, ['from', 'to']),
  step('isolate', { node }, ['node']),
  step('heal', {}),
  step('network', { latency: duration, jitter: duration, loss: { type: 'number', minimum: 0, maximum: 0.9 }, bandwidth: rate, between: { type: 'array', items: node, minItems: 2, maxItems: 2 }, oneway: { type: 'boolean', description: 'with between: change only the direction from between[0] to between[1]' } }),
  step('pause', { node, ms: { type: 'number', minimum: 0 } }, ['node', 'ms']),
  step('crash', { node }, ['node']),
  step('shutdown', { node, save: { type: 'boolean' } }, ['node']),
  step('restart', { node, replicaof: { oneOf: [node, { type: 'null' }] }, wipe: { type: 'boolean' } }, ['node']),
  step('expect', { node }, ['node']),
  step('expect-equal', { nodes: { type: 'array', items: node, minItems: 2 }, fields: { type: 'array', items: { type: 'string' }, minItems: 1 } }, ['nodes', 'fields']),
  step('faults', {}),
  step('settle', { timeoutMs: { type: 'number', exclusiveMinimum: 0 } }),
];
// expect and run-until take INFO fields (and "digest", "dbsize") as extra keys
for (const s of steps) if (s.properties.op.const === 'expect' || s.properties.op.const === 'run-until') s.additionalProperties = matcher;

const family = (extra = {}) => ({
  type: 'object',
  properties: { everyMs: { type: 'number', exclusiveMinimum: 0, 'x-hint': 'mean milliseconds between two faults of this family' }, ...extra },
  required: ['everyMs'],
  additionalProperties: false,
});

export const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://replsim.dev/scenario.schema.json',
  title: 'replsim scenario, format version 1',
  type: 'object',
  properties: {
    $schema: { type: 'string' },
    version: { const: 1 },
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', 'x-hint': 'a name of letters, digits, ".", "-" and "_"' },
    description: { type: 'string' },
    seed: { type: ['integer', 'string'], 'x-hint': 'the default seed when none is given on the command line' },
    config,
    network: {
      type: 'object',
      properties: { latency: duration, jitter: duration, loss: { type: 'number', minimum: 0, maximum: 0.9 }, bandwidth: rate },
      additionalProperties: false,
    },
    nodes: {
      type: 'object',
      minProperties: 1,
      maxProperties: 64,
      propertyNames: node,
      additionalProperties: {
        type: 'object',
        properties: { replicaof: node, config, startAfterMs: { type: 'number', minimum: 0 } },
        additionalProperties: false,
      },
    },
    steps: { type: 'array', items: { type: 'object', required: ['op'], discriminator: { propertyName: 'op' }, oneOf: steps } },
    workload: {
      type: 'object',
      properties: {
        writesPerSec: { type: 'number', minimum: 0, maximum: 100000 },
        burstMs: { type: 'number', exclusiveMinimum: 0, 'x-hint': 'write only during bursts this long...' },
        idleMs: { type: 'number', minimum: 0, 'x-hint': '...separated by idle gaps this long' },
        keys: { type: 'integer', minimum: 1 },
        dbs: { type: 'integer', minimum: 1, maximum: 16, 'x-hint': 'spread writes over databases 0..dbs-1' },
        valueSize: { type: 'integer', minimum: 0, maximum: 1048576 },
        commands: { type: 'array', items: { enum: ['SET', 'INCR', 'APPEND', 'RPUSH', 'DEL', 'EXPIRE', 'MULTI'] }, minItems: 1 },
      },
      additionalProperties: false,
    },
    faults: {
      type: 'object',
      properties: {
        phaseMs: { type: 'number', exclusiveMinimum: 0 },
        settleMs: { type: 'number', exclusiveMinimum: 0 },
        families: {
          type: 'object',
          properties: {
            'link-kill': family(),
            'replica-kill': family(),
            partition: family({ durationMs: { type: 'number', exclusiveMinimum: 0 } }),
            'loss-burst': family({ durationMs: { type: 'number', exclusiveMinimum: 0 }, loss: { type: 'number', exclusiveMinimum: 0, maximum: 0.9 } }),
            crash: family({ downMs: { type: 'number', minimum: 0 } }),
            restart: family({ downMs: { type: 'number', minimum: 0 }, save: { type: 'boolean' } }),
            promotion: family(),
            'orchestrated-failover': family(),
          },
          additionalProperties: false,
        },
      },
      required: ['phaseMs', 'families'],
      additionalProperties: false,
    },
    monitor: {
      type: 'object',
      properties: { 'down-after-ms': { type: 'number', exclusiveMinimum: 0 } },
      required: ['down-after-ms'],
      additionalProperties: false,
    },
    properties: {
      type: 'object',
      additionalProperties: { type: 'boolean' },
      'x-hint': 'properties to turn off, e.g. {"acknowledged-writes": false}',
    },
  },
  required: ['name', 'nodes'],
  additionalProperties: false,
};

export const schemaText = JSON.stringify(schema, null, 2) + '\n';

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(new URL('./scenario.schema.json', import.meta.url), schemaText);
  console.log('wrote scenarios/scenario.schema.json');
}
