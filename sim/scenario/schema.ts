// The scenario format, version 1, in one place: the TypeBox schema below is the JSON Schema the loader
// validates with (ajv), the types the code uses (sim/scenario/types.ts derives them) and the file editors
// read (scenario.schema.json, written by `npm run schema`; a test checks it is current).

import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** A schema TypeBox has no builder for (JSON Schema `oneOf`, type arrays), with the TypeScript type it validates. */
const raw = <T>(schema: Record<string, unknown>): TSchema & { static: T } => Type.Unsafe<T>(schema);
/** An object whose keys are free and whose values follow `value` (JSON Schema additionalProperties). */
const record = <V extends TSchema>(value: V, options: Record<string, unknown> = {}) => raw<Record<string, Static<V>>>({ type: 'object', ...options, additionalProperties: value });

const node = Type.String({ pattern: '^[A-Za-z0-9_-]+$', 'x-hint': 'a node name (letters, digits, "-" and "_")' });
const duration = raw<number | string>({
  oneOf: [
    { type: 'number', minimum: 0, 'x-hint': 'milliseconds' },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(us|ms|s|m)$' },
  ],
  'x-hint': 'a duration like 500, "500us", "200ms", "2s" or "1m" (a bare number is milliseconds)',
});
const rate = raw<number | string>({
  oneOf: [
    { type: 'number', exclusiveMinimum: 0 },
    { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(bit|kbit|mbit|gbit|B|KB|MB|GB)$' },
  ],
  'x-hint': 'a bandwidth like "1gbit", "100mbit" or "10MB" per second (a bare number is bytes per second)',
});
const configValue = raw<string | number | boolean | null>({ type: ['string', 'number', 'boolean', 'null'] });
const config = record(configValue, { 'x-hint': 'redis.conf settings by name, e.g. {"repl-backlog-size": "16kb"}' });
export type ConfigMap = Static<typeof config>;
const matcherObject = Type.Object(
  {
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    not: Type.Optional(raw<string | number>({ type: ['string', 'number'] })),
    changedSince: Type.Optional(Type.Integer({ minimum: 0, description: 'differs from the value the field had right after that step (an index into steps)' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const matcher = raw<string | number | Static<typeof matcherObject>>({
  oneOf: [{ type: ['string', 'number'] }, matcherObject],
  'x-hint': 'a value, or {"min": n}, {"max": n}, {"not": value}, {"changedSince": stepIndex}',
});
export type Matcher = Static<typeof matcher>;

const expectError = Type.String({
  minLength: 1,
  description: 'the step is meant to be refused: the reply must be an error starting with this text (e.g. "READONLY"); without it any error reply fails the run',
});
const mayFail = Type.Boolean({ description: 'a refusal is tolerated (for generated fault schedules, where the node may be down or failing over)' });
const nodeOrNull = raw<string | null>({ oneOf: [node, { type: 'null' }] });
const opt = Type.Optional;

/** Defaults of optional fields: shown by the schema (for editors), applied once by the resolver (resolve.ts). */
export const DEFAULTS = {
  write: { count: 1, prefix: 'key:', valueSize: 8, intervalMs: 0 },
  /** wait-sync, run-until: how long to wait before a liveness failure. */
  waitTimeoutMs: 60_000,
  /** settle steps and the fault phase's settle: how long convergence may take. */
  settleMs: 60_000,
  workload: { writesPerSec: 0, idleMs: 0, reads: 0, keys: 100, dbs: 1, valueSize: 8, commands: ['SET'] as ('SET' | 'INCR' | 'APPEND' | 'RPUSH' | 'DEL' | 'EXPIRE' | 'MULTI')[] },
  /** A fault family's settings, for the families that use them. */
  family: { durationMs: 2000, downMs: 2000, loss: 0.2, oneway: 0 },
  client: { timeoutMs: 1000 },
  /** sentinel.conf's defaults (7.0.15), and the quorum our examples use. */
  sentinel: { 'master-name': 'mymaster', quorum: 2, 'down-after-milliseconds': 30_000, 'failover-timeout': 180_000, 'parallel-syncs': 1 },
} as const;

/** One step: `op` and an optional comment, then the op's own fields (the `required` ones without Optional). */
function step<Op extends string, P extends Record<string, TSchema>>(op: Op, props: P, extra: Record<string, unknown> = {}) {
  return Type.Object({ op: Type.Literal(op), comment: opt(Type.String()), ...props }, { additionalProperties: false, ...extra });
}

const clientName = Type.String({ pattern: '^[A-Za-z0-9_-]+$', 'x-hint': 'a client name from the "clients" block' });
/** write / command: `node` (the node's local client), or `client` (an application client on the network; `node` then overrides its discovery). */
const viaClient = opt(clientName);
const write = step('write', {
  node: opt(node),
  client: viaClient,
  count: opt(Type.Integer({ minimum: 1, maximum: 10000000, default: DEFAULTS.write.count })),
  prefix: opt(Type.String({ default: DEFAULTS.write.prefix })),
  valueSize: opt(Type.Integer({ minimum: 0, maximum: 536870912, default: DEFAULTS.write.valueSize })),
  intervalMs: opt(Type.Number({ minimum: 0, default: DEFAULTS.write.intervalMs })),
  db: opt(Type.Integer({ minimum: 0, maximum: 15 })),
});
const command = step('command', { node: opt(node), client: viaClient, args: Type.Array(raw<string | number>({ type: ['string', 'number'] }), { minItems: 1 }), expectError: opt(expectError), mayFail: opt(mayFail) });
const sleep = step('sleep', { ms: Type.Number({ minimum: 0 }) });
const waitTimeoutMs = opt(Type.Number({ exclusiveMinimum: 0, default: DEFAULTS.waitTimeoutMs }));
const waitSync = step('wait-sync', { timeoutMs: waitTimeoutMs });
/** expect and run-until take INFO fields (and "digest", "dbsize") as extra keys, each with a matcher. */
const runUntil = step('run-until', { node, timeoutMs: waitTimeoutMs }, { additionalProperties: matcher });
const replicaof = step('replicaof', { node, primary: nodeOrNull, expectError: opt(expectError), mayFail: opt(mayFail) });
const failover = step('failover', { node, to: opt(node), timeoutMs: opt(Type.Integer({ minimum: 1 })), force: opt(Type.Boolean()), expectError: opt(expectError), mayFail: opt(mayFail) });
const orchestratedFailover = step('orchestrated-failover', {});
const killLink = step('kill-link', { node });
const killReplicas = step('kill-replicas', { node });
const partition = step('partition', { groups: Type.Array(Type.Array(node, { minItems: 1 }), { minItems: 2 }) });
const partitionOneway = step('partition-oneway', { from: node, to: node });
const isolate = step('isolate', { node });
const heal = step('heal', {});
const loss = Type.Number({ minimum: 0, maximum: 0.9 });
const network = step('network', {
  latency: opt(duration),
  jitter: opt(duration),
  loss: opt(loss),
  bandwidth: opt(rate),
  between: opt(raw<[string, string]>({ type: 'array', items: node, minItems: 2, maxItems: 2 })),
  oneway: opt(Type.Boolean({ description: 'with between: change only the direction from between[0] to between[1]' })),
});
const pause = step('pause', { node, ms: Type.Number({ minimum: 0 }) });
const crash = step('crash', { node });
const shutdown = step('shutdown', { node, save: opt(Type.Boolean()) });
const restart = step('restart', { node, replicaof: opt(nodeOrNull), wipe: opt(Type.Boolean()) });
const expectStep = step('expect', { node }, { additionalProperties: matcher });
const expectEqual = step('expect-equal', { nodes: Type.Array(node, { minItems: 2 }), fields: Type.Array(Type.String(), { minItems: 1 }) });
const snapshot = step('snapshot', {
  label: opt(Type.String({ 'x-hint': 'a name for this moment in diffs and reports' })),
  nodes: opt(Type.Array(node, { minItems: 1, 'x-hint': 'default: every node' })),
  fields: opt(Type.Array(Type.String(), { minItems: 1, 'x-hint': 'default: the fields replsim diff compares at the end' })),
});
const faultsStep = step('faults', {});
const workloadStep = step('workload', { action: raw<'start' | 'stop'>({ enum: ['start', 'stop'], 'x-hint': '"start" or "stop"' }) });
const settle = step('settle', { timeoutMs: opt(Type.Number({ exclusiveMinimum: 0, default: DEFAULTS.settleMs })) });

const STEPS = [write, command, sleep, waitSync, runUntil, replicaof, failover, orchestratedFailover, killLink, killReplicas, partition, partitionOneway, isolate, heal, network, pause, crash, shutdown, restart, expectStep, expectEqual, snapshot, faultsStep, workloadStep, settle] as const;

/** The fields an `expect` / `run-until` step checks, beside its own. */
type Checks = { [field: string]: unknown };
type StepOf<S extends TSchema> = Static<S>;
export type Step =
  | StepOf<typeof write>
  | StepOf<typeof command>
  | StepOf<typeof sleep>
  | StepOf<typeof waitSync>
  | (StepOf<typeof runUntil> & Checks)
  | StepOf<typeof replicaof>
  | StepOf<typeof failover>
  | StepOf<typeof orchestratedFailover>
  | StepOf<typeof killLink>
  | StepOf<typeof killReplicas>
  | StepOf<typeof partition>
  | StepOf<typeof partitionOneway>
  | StepOf<typeof isolate>
  | StepOf<typeof heal>
  | StepOf<typeof network>
  | StepOf<typeof pause>
  | StepOf<typeof crash>
  | StepOf<typeof shutdown>
  | StepOf<typeof restart>
  | (StepOf<typeof expectStep> & Checks)
  | StepOf<typeof expectEqual>
  | StepOf<typeof snapshot>
  | StepOf<typeof faultsStep>
  | StepOf<typeof workloadStep>
  | StepOf<typeof settle>;
export type StepOp = Step['op'];
export const STEP_OPS: readonly StepOp[] = STEPS.map((s) => s.properties.op.const as StepOp);

const steps = raw<Step>({ type: 'object', required: ['op'], discriminator: { propertyName: 'op' }, oneOf: STEPS });

const everyMs = Type.Number({ exclusiveMinimum: 0, 'x-hint': 'mean milliseconds between two faults of this family' });
const family = <P extends Record<string, TSchema>>(extra: P) => Type.Object({ everyMs, ...extra }, { additionalProperties: false });
const durationMs = opt(Type.Number({ exclusiveMinimum: 0, default: DEFAULTS.family.durationMs }));
const downMs = opt(Type.Number({ minimum: 0, default: DEFAULTS.family.downMs }));
const FAMILIES = {
  'link-kill': family({}),
  'replica-kill': family({}),
  partition: family({
    durationMs,
    oneway: opt(Type.Number({ minimum: 0, maximum: 1, default: DEFAULTS.family.oneway, 'x-hint': 'the share of strikes that cut one direction only, between the master and another node (default 0)' })),
  }),
  'loss-burst': family({ durationMs, loss: opt(Type.Number({ exclusiveMinimum: 0, maximum: 0.9, default: DEFAULTS.family.loss })) }),
  crash: family({ downMs }),
  restart: family({ downMs, save: opt(Type.Boolean()) }),
  promotion: family({}),
  'orchestrated-failover': family({}),
};
export type FaultFamilyName = keyof typeof FAMILIES;
export const FAULT_FAMILY_NAMES = Object.keys(FAMILIES) as FaultFamilyName[];
/** Any family's settings (each family takes the fields it needs). */
export interface FaultFamily {
  everyMs: number;
  durationMs?: number;
  downMs?: number;
  loss?: number;
  save?: boolean;
  oneway?: number;
}

const WORKLOAD_COMMANDS = ['SET', 'INCR', 'APPEND', 'RPUSH', 'DEL', 'EXPIRE', 'MULTI'] as const;
const workload = Type.Object(
  {
    writesPerSec: opt(Type.Number({ minimum: 0, maximum: 100000, default: DEFAULTS.workload.writesPerSec })),
    burstMs: opt(Type.Number({ exclusiveMinimum: 0, 'x-hint': 'write only during bursts this long...' })),
    idleMs: opt(Type.Number({ minimum: 0, default: DEFAULTS.workload.idleMs, 'x-hint': '...separated by idle gaps this long' })),
    keys: opt(Type.Integer({ minimum: 1, default: DEFAULTS.workload.keys })),
    dbs: opt(Type.Integer({ minimum: 1, maximum: 16, default: DEFAULTS.workload.dbs, 'x-hint': 'spread writes over databases 0..dbs-1' })),
    valueSize: opt(Type.Integer({ minimum: 0, maximum: 1048576, default: DEFAULTS.workload.valueSize })),
    commands: opt(Type.Array(raw<(typeof WORKLOAD_COMMANDS)[number]>({ enum: WORKLOAD_COMMANDS }), { minItems: 1, default: DEFAULTS.workload.commands })),
    clients: opt(Type.Array(clientName, { minItems: 1, 'x-hint': 'run the workload on these application clients (each with its own random stream and unique values); without it, the orchestrator\'s master is written directly' })),
    wait: opt(Type.Object({ replicas: Type.Integer({ minimum: 0 }), timeoutMs: Type.Integer({ minimum: 0 }) }, { additionalProperties: false, 'x-hint': 'WAIT replicas timeoutMs after each acknowledged write (clients only)' })),
    reads: opt(Type.Number({ minimum: 0, maximum: 1, default: DEFAULTS.workload.reads, 'x-hint': 'the share of operations that read back a key the client wrote (clients only)' })),
  },
  { additionalProperties: false },
);
export type Workload = Static<typeof workload>;

const clientEntry = Type.Object(
  {
    near: opt(node),
    timeoutMs: opt(Type.Number({ exclusiveMinimum: 0, default: DEFAULTS.client.timeoutMs, 'x-hint': 'reply and connect timeout in milliseconds' })),
    discovery: opt(raw<'fixed' | 'follow-orchestrator' | 'sentinel'>({ enum: ['fixed', 'follow-orchestrator', 'sentinel'], 'x-hint': '"fixed" (always "node"), "follow-orchestrator" (ask the orchestrator for the master) or "sentinel" (ask the Sentinels in order); asked again after READONLY, a timeout or a reset' })),
    node: opt(node),
  },
  { additionalProperties: false },
);
export type ClientEntry = Static<typeof clientEntry>;

/** Per-master Sentinel settings (sentinel.conf names); `withDefaults` for the block every Sentinel reads. */
function sentinelSettings(withDefaults: boolean) {
  const d = (v: number) => (withDefaults ? { default: v } : {});
  return {
    quorum: opt(Type.Integer({ minimum: 1, ...d(DEFAULTS.sentinel.quorum), 'x-hint': 'Sentinels that must agree the master is down (ODOWN); a failover also needs a majority of all Sentinels' })),
    'down-after-milliseconds': opt(Type.Number({ exclusiveMinimum: 0, ...d(DEFAULTS.sentinel['down-after-milliseconds']) })),
    'failover-timeout': opt(Type.Number({ exclusiveMinimum: 0, ...d(DEFAULTS.sentinel['failover-timeout']) })),
    'parallel-syncs': opt(Type.Integer({ minimum: 1, ...d(DEFAULTS.sentinel['parallel-syncs']) })),
  };
}
/** One Sentinel: where it sits, and its own overrides of the `sentinel` block. */
const sentinelEntry = Type.Object({ near: opt(node), ...sentinelSettings(false) }, { additionalProperties: false });
export type SentinelEntry = Static<typeof sentinelEntry>;
const sentinelBlock = Type.Object(
  {
    'master-name': opt(Type.String({ pattern: '^[A-Za-z0-9_.-]+$', default: DEFAULTS.sentinel['master-name'] })),
    master: opt(node),
    ...sentinelSettings(true),
  },
  { additionalProperties: false, 'x-hint': 'what every Sentinel monitors: `sentinel monitor <master-name> <master> 6379 <quorum>` and its options' },
);

const nodeEntry = Type.Object({ replicaof: opt(node), config: opt(config), startAfterMs: opt(Type.Number({ minimum: 0 })) }, { additionalProperties: false });
export type NodeEntry = Static<typeof nodeEntry>;

export const ScenarioSchema = Type.Object(
  {
    $schema: opt(Type.String()),
    version: opt(Type.Literal(1)),
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', 'x-hint': 'a name of letters, digits, ".", "-" and "_"' }),
    description: opt(Type.String()),
    seed: opt(raw<number | string>({ type: ['integer', 'string'], 'x-hint': 'the default seed when none is given on the command line' })),
    parameters: opt(record(raw<number | string>({ type: ['number', 'string'] }), {
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      'x-hint': 'named values with their defaults, e.g. {"outage": 2000}; "$outage" anywhere else in the scenario stands for the value (replsim explore --vary outage=... changes it)',
    })),
    config: opt(config),
    network: opt(Type.Object({ latency: opt(duration), jitter: opt(duration), loss: opt(loss), bandwidth: opt(rate) }, { additionalProperties: false })),
    nodes: record(nodeEntry, { minProperties: 1, maxProperties: 64, propertyNames: node }),
    clients: opt(record(clientEntry, { maxProperties: 64, propertyNames: clientName, 'x-hint': 'application clients on the network, e.g. {"app1": {"near": "p"}}' })),
    sentinels: opt(record(sentinelEntry, { minProperties: 1, maxProperties: 16, propertyNames: node, 'x-hint': 'Sentinel processes on the network, e.g. {"s1": {"near": "p"}, "s2": {}, "s3": {}}' })),
    sentinel: opt(sentinelBlock),
    steps: opt(Type.Array(steps)),
    workload: opt(workload),
    faults: opt(
      Type.Object(
        {
          phaseMs: Type.Number({ exclusiveMinimum: 0 }),
          settleMs: opt(Type.Number({ exclusiveMinimum: 0, default: DEFAULTS.settleMs })),
          families: raw<Partial<Record<FaultFamilyName, FaultFamily>>>(Type.Object(Object.fromEntries(Object.entries(FAMILIES).map(([k, v]) => [k, opt(v)])), { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
    monitor: opt(Type.Object({ 'down-after-ms': Type.Number({ exclusiveMinimum: 0 }), near: opt(node) }, { additionalProperties: false })),
    properties: opt(record(Type.Boolean(), { 'x-hint': 'properties to turn off, e.g. {"acknowledged-writes": false}' })),
    realBackend: opt(Type.Object({
      differs: Type.String({ minLength: 1, 'x-hint': 'why a run on real redis-server processes cannot agree with the simulator (a timing race, no bandwidth emulation, ...)' }),
    }, { additionalProperties: false, 'x-hint': 'what is known about this scenario on the real backend, e.g. {"differs": "a 1 MB/s link, which the real backend cannot emulate"}' })),
  },
  { additionalProperties: false, $schema: 'http://json-schema.org/draft-07/schema#', $id: 'https://replsim.dev/scenario.schema.json', title: 'replsim scenario, format version 1' },
);
export type Scenario = Static<typeof ScenarioSchema>;

/** The JSON Schema as editors and other tools read it (scenarios/scenario.schema.json). */
export const schemaText = JSON.stringify(ScenarioSchema, null, 2) + '\n';

/** ajv's options for the loader's validator (schema-validator.ts), and for the build's precompiled copy of it. */
export const AJV_OPTIONS = { allErrors: true, discriminator: true, verbose: true, strict: false } as const;
