// Scenario files: parse, validate against the scenario schema (sim/scenario/schema.ts, with ajv), check what a
// schema cannot (node references, redis.conf values, INFO field names), then resolve (resolve.ts: µs,
// bytes, defaults). Every problem becomes one UserError that names the JSON path and what would be valid.

import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { UserError } from '../errors.js';
import { buildConfig, canonicalConfigName, parseConfigValue } from '../redis/config.js';
import { INFO_FIELD_NAMES } from '../redis/info.js';
import { SUPPORTED_COMMANDS } from '../redis/dispatch.js';
import type { Scenario, Step } from './schema.js';
import { validateScenarioSchema as validate } from './schema-validator.js';
import { PROPERTY_NAMES } from '../../properties/index.js';
import { bindParameters } from './parameters.js';
import { resolveDocument, type ResolvedScenario } from './resolve.js';

export const EXPECTABLE_FIELDS: readonly string[] = [...INFO_FIELD_NAMES, 'digest', 'dbsize'];

/** `/steps/3/node` -> `steps[3].node` */
export function jsonPath(pointer: string): string {
  if (pointer === '') return '(top level)';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** "integer,string" -> "an integer or a string" */
function typeWords(types: string): string {
  const word = (t: string) => (t === 'null' ? 'null' : `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`);
  const ws = types.split(',').map(word);
  return ws.length > 1 ? `${ws.slice(0, -1).join(', ')} or ${ws.at(-1)}` : ws[0]!;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function hintOf(e: ErrorObject): string | undefined {
  const ps = e.parentSchema as Record<string, unknown> | undefined;
  return ps && typeof ps['x-hint'] === 'string' ? (ps['x-hint'] as string) : undefined;
}

/** The forms a oneOf allows, from each branch's hint or type: `a node name (...) or null`. */
function formsOf(e: ErrorObject): string | undefined {
  const branches = (e.parentSchema as { oneOf?: Record<string, unknown>[] } | undefined)?.oneOf;
  if (!branches) return undefined;
  const words = branches.map((b) => (typeof b['x-hint'] === 'string' ? b['x-hint'] : [b.type].flat().filter((t) => t !== undefined).join(' or ')));
  return words.every((w) => w !== '') ? words.join(' or ') : undefined;
}

/** Pick the error that says most about what the user got wrong, and word it. */
function formatErrors(errors: ErrorObject[], source: string): string {
  const rank = (e: ErrorObject) =>
    ({ discriminator: 0, additionalProperties: 1, required: 2, propertyNames: 3 } as Record<string, number>)[e.keyword] ?? 4;
  const depth = (e: ErrorObject) => e.instancePath.split('/').length;
  // the deepest location first (most specific), then the kind of problem
  const sorted = errors.filter((e) => e.keyword !== 'if').sort((a, b) => depth(b) - depth(a) || rank(a) - rank(b));
  const oneOfParents = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  let e = sorted[0]!;
  // a value that matched none of a oneOf's forms: say what the forms are, not each branch's failure
  const branchOfOneOf = sorted.find((x) => x.keyword === 'oneOf' && x.instancePath === e.instancePath);
  if (branchOfOneOf && oneOfParents.has(e.instancePath) && e.keyword !== 'additionalProperties') e = branchOfOneOf;
  const at = jsonPath(e.instancePath);
  const where = `${source}: ${at}`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const props = Object.keys(((e.parentSchema as Record<string, unknown>).properties as object) ?? {}).filter((k) => k !== '$schema');
      const path = e.instancePath === '' ? key : `${at}.${key}`;
      return `${source}: unknown key "${key}" at ${path}${props.length ? `; valid keys here: ${props.join(', ')}` : ''}`;
    }
    case 'required':
      return `${where}: missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'discriminator': {
      const ops = ((e.parentSchema as { oneOf: { properties: { op: { const: string } } }[] }).oneOf ?? []).map((s) => s.properties.op.const);
      const tag = (e.data as Record<string, unknown>).op;
      if (tag === undefined) return `${where}: missing required field "op"; valid ops: ${ops.join(', ')}`;
      return `${where}.op: unknown op ${JSON.stringify(tag)}; valid ops: ${ops.join(', ')}`;
    }
    case 'type':
      return `${where}: expected ${typeWords(String((e.params as { type: string | string[] }).type))}${hintOf(e) ? ` (${hintOf(e)})` : ''}, got ${describe(e.data)}`;
    case 'const':
      return `${where}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, got ${describe(e.data)}`;
    case 'enum':
      return `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(e.data)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${where}: ${describe(e.data)} is out of range: it ${e.message}`;
    case 'propertyNames': {
      // the name is the problem, not the object: point at it and use the name schema's hint
      const name = (e.params as { propertyName: string }).propertyName;
      const names = (e.parentSchema as { propertyNames?: Record<string, unknown> }).propertyNames ?? {};
      const hint = typeof names['x-hint'] === 'string' ? names['x-hint'] : `text matching ${String(names.pattern)}`;
      return `${source}: ${jsonPath(`${e.instancePath}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`)}: the name ${JSON.stringify(name)} is not valid: expected ${hint}`;
    }
    case 'pattern':
      return `${where}: ${describe(e.data)} is not valid: expected ${hintOf(e) ?? `text matching ${(e.params as { pattern?: string }).pattern}`}`;
    case 'oneOf':
      return `${where}: ${describe(e.data)} is not valid: expected ${hintOf(e) ?? formsOf(e) ?? 'one of the allowed forms'}`;
    case 'minItems':
    case 'maxItems':
    case 'minProperties':
    case 'maxProperties': {
      const limit = (e.params as { limit: number }).limit;
      const n = Array.isArray(e.data) ? e.data.length : Object.keys(e.data as object).length;
      const what = e.keyword.endsWith('Items') ? 'item' : 'entry';
      const plural = (k: number) => `${k} ${k === 1 ? what : what === 'item' ? 'items' : 'entries'}`;
      return `${where}: needs ${e.keyword.startsWith('min') ? 'at least' : 'at most'} ${plural(limit)}, got ${n}`;
    }
    default:
      return `${where}: ${e.message ?? 'is not valid'}`;
  }
}

/**
 * Offset of the first character at which `text` stops being JSON (text.length if it ends too
 * early), or -1 if it is valid. V8 gives no position for "Unexpected token" or "Unexpected end".
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const bad = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = () => {
    for (i++; ; i++) {
      const c = text.charCodeAt(i);
      if (i >= text.length || c < 0x20) bad();
      if (c === 34) return void i++;
      if (c === 92) {
        const esc = text[++i];
        if (esc === 'u') {
          for (let k = 0; k < 4; k++) if (!/[0-9a-fA-F]/.test(text[++i] ?? '')) bad();
        } else if (esc === undefined || !'"\\/bfnrt'.includes(esc)) bad();
      }
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        ws();
        if (c === '{') {
          if (text[i] !== '"') bad();
          str();
          ws();
          if (text[i] !== ':') bad();
          i++;
        }
        value();
        ws();
        if (text[i] === close) return void i++;
        if (text[i] !== ',') bad();
        i++;
      }
    }
    if (c === '"') return str();
    const word = ['true', 'false', 'null'].find((w) => w[0] === c);
    if (word) {
      for (const ch of word) if (text[i++] !== ch) (i--, bad());
      return;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) bad();
    i += m![0].length;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length);
    throw at;
  }
}

/** Where in the text a JSON.parse error points, as line:column. */
function jsonErrorPosition(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  const pos = m ? Number(m[1]) : jsonErrorOffset(text);
  if (pos < 0) return '';
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${col}`;
}

export function parseScenarioText(text: string, source: string): Scenario {
  return validateScenario(parseJsonText(text, source), source);
}

/** JSON.parse with a one-line UserError naming the line and column where the text stops being JSON. */
export function parseJsonText(text: string, source: string): unknown {
  // editors on Windows may start a UTF-8 file with a byte order mark, which JSON.parse rejects
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (err) {
    const msg = (err as Error).message
      .replace(/ (in|after) JSON at position \d+.*$/, (_, w: string) => (w === 'after' ? ' after the JSON value' : ''))
      .replace(/, .*is not valid JSON$/s, '') // V8 quotes the text around the error: drop it, the position says where
      .replace(/[\n\r\t]/g, (c) => JSON.stringify(c).slice(1, -1)); // "Unexpected token '\n'" on one line
    throw new UserError(`${source}: invalid JSON${jsonErrorPosition(body, (err as Error).message)}: ${msg}`);
  }
}

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read the scenario file (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message}); give a built-in scenario name (replsim list) or a path to a .json file`);
  }
  return parseScenarioText(text, path);
}

/** Steps that act on a process: they may name a Sentinel. */
const PROCESS_OPS = new Set(['crash', 'pause', 'restart']);

/**
 * The Sentinel blocks: names unique among nodes and clients, `near` and `master` name nodes, and no
 * second failover decider (the orchestrator's monitor or its failover family). Returns the names.
 */
function checkSentinels(sc: Scenario, source: string, nodes: string[], clients: string[], known: (n: unknown, path: string) => void): string[] {
  const names = Object.keys(sc.sentinels ?? {});
  if (sc.sentinel && names.length === 0) throw new UserError(`${source}: sentinel: settings for Sentinels, but no "sentinels" block declares any, e.g. "sentinels": {"s1": {}, "s2": {}, "s3": {}}`);
  for (const n of names) {
    if (nodes.includes(n)) throw new UserError(`${source}: sentinels.${n}: "${n}" is already a node; give the Sentinel another name`);
    if (clients.includes(n)) throw new UserError(`${source}: sentinels.${n}: "${n}" is already a client; give the Sentinel another name`);
    known(sc.sentinels![n]!.near, `sentinels.${n}.near`);
  }
  known(sc.sentinel?.master, 'sentinel.master');
  if (names.length > 0 && sc.monitor) throw new UserError(`${source}: monitor: the Sentinels detect failures in this scenario; drop "monitor" (the orchestrator's ideal failover) or the "sentinels" block`);
  if (names.length > 0 && sc.faults?.families['orchestrated-failover']) throw new UserError(`${source}: faults.families.orchestrated-failover: the Sentinels decide failovers in this scenario; use the crash, restart or partition families to make them fail over`);
  return names;
}

const NODE_FIELDS: Record<string, string[]> = {
  node: [],
  from: [],
  to: [],
  primary: [],
  replicaof: [],
};

/** A scenario as written (parameters bound: what artifacts, shrink and trace headers keep) and as the simulator runs it. */
export interface LoadedScenario {
  document: Scenario;
  resolved: ResolvedScenario;
}

/** Validation, then resolution, once: the document and the resolved scenario. */
export function loadScenario(input: unknown, source = 'scenario'): LoadedScenario {
  const document = checkDocument(input, source);
  return { document, resolved: resolveDocument(document) };
}

/** The document, typed, once everything has been checked (resolution included, so that no value is refused later). */
export function validateScenario(input: unknown, source = 'scenario'): Scenario {
  return loadScenario(input, source).document;
}

/** Schema validation, then the checks a schema cannot express. */
function checkDocument(input: unknown, source: string): Scenario {
  // "$name" references take their parameter's value (the default, unless bound before)
  const doc = bindParameters(input, {}, source);
  if (!validate(doc)) throw new UserError(formatErrors(validate.errors ?? [], source));
  const sc = doc as Scenario;
  const names = Object.keys(sc.nodes);
  const known = (n: unknown, path: string) => {
    if (typeof n === 'string' && !names.includes(n)) throw new UserError(`${source}: ${path}: unknown node "${n}"; nodes in this scenario: ${names.join(', ')}`);
  };
  // each top-level value on its own, so that a bad one is reported even when every node overrides it
  for (const [k, v] of Object.entries(sc.config ?? {})) {
    try {
      parseConfigValue(k, v, `config.${k}`);
    } catch (err) {
      throw err instanceof UserError ? new UserError(`${source}: ${err.message}`) : err;
    }
  }
  for (const n of names) {
    const spec = sc.nodes[n]!;
    known(spec.replicaof, `nodes.${n}.replicaof`);
    if (spec.replicaof === n) throw new UserError(`${source}: nodes.${n}.replicaof: a node cannot replicate itself`);
    let cfg;
    try {
      cfg = buildConfig({ ...(sc.config ?? {}), ...(spec.config ?? {}) }, `nodes.${n}.config`);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const inNode = spec.config && Object.keys(spec.config).some((k) => err.message.startsWith(`nodes.${n}.config.${k}`));
      throw new UserError(`${source}: ${inNode ? err.message : err.message.replace(`nodes.${n}.config`, 'config')}`);
    }
    // "replicaof" (or "slaveof") given as a config setting names a node too; nodes.<n>.replicaof wins
    if (spec.replicaof === undefined && cfg.replicaof !== null) {
      const key = (c: object | undefined) => Object.keys(c ?? {}).find((k) => canonicalConfigName(k) === 'replicaof');
      const own = key(spec.config);
      const path = own !== undefined ? `nodes.${n}.config.${own}` : `config.${key(sc.config)}`;
      known(cfg.replicaof, path);
      if (cfg.replicaof === n) throw new UserError(`${source}: ${path}: node ${n} cannot replicate itself${own === undefined ? ` (override it there with "nodes": {"${n}": {"config": {"replicaof": null}}})` : ''}`);
    }
  }
  for (const n of names) {
    const seen = [n];
    for (let m = sc.nodes[seen.at(-1)!]?.replicaof; typeof m === 'string'; m = sc.nodes[m]?.replicaof) {
      if (m === n) throw new UserError(`${source}: nodes.${n}.replicaof: ${[...seen, n].join(' -> ')} is a cycle of replicas; at least one of them must start as a master (no "replicaof")`);
      if (seen.includes(m)) break;
      seen.push(m);
    }
  }
  const clients = Object.keys(sc.clients ?? {});
  for (const c of clients) {
    const spec = sc.clients![c]!;
    if (names.includes(c)) throw new UserError(`${source}: clients.${c}: "${c}" is already a node; give the client another name`);
    known(spec.near, `clients.${c}.near`);
    known(spec.node, `clients.${c}.node`);
    if (spec.discovery === 'fixed' && spec.node === undefined && spec.near === undefined) throw new UserError(`${source}: clients.${c}.discovery: "fixed" needs the node to talk to: add "node" (or "near")`);
    if (spec.discovery === 'follow-orchestrator' && spec.node !== undefined) throw new UserError(`${source}: clients.${c}.node: a "follow-orchestrator" client finds the master itself; drop "node" or use "discovery": "fixed"`);
    if (spec.discovery === 'sentinel' && sc.sentinels === undefined) throw new UserError(`${source}: clients.${c}.discovery: "sentinel" needs Sentinels: add a top-level "sentinels" block, e.g. {"s1": {}, "s2": {}, "s3": {}}`);
    if (spec.discovery === 'sentinel' && spec.node !== undefined) throw new UserError(`${source}: clients.${c}.node: a "sentinel" client asks the Sentinels for the master; drop "node" or use "discovery": "fixed"`);
  }
  const sentinels = checkSentinels(sc, source, names, clients, known);
  const knownClient = (c: unknown, path: string) => {
    if (typeof c === 'string' && !clients.includes(c)) throw new UserError(`${source}: ${path}: unknown client "${c}"; ${clients.length > 0 ? `clients in this scenario: ${clients.join(', ')}` : 'declare it in a top-level "clients" block, e.g. {"clients": {"' + c + '": {"near": "' + names[0] + '"}}}'}`);
  };
  (sc.workload?.clients ?? []).forEach((c, j) => knownClient(c, `workload.clients[${j}]`));
  if (sc.workload && !sc.workload.clients) {
    for (const k of ['wait', 'reads'] as const) if (sc.workload[k] !== undefined) throw new UserError(`${source}: workload.${k}: needs "clients" (the workload's application clients)`);
  }
  known(sc.monitor?.near, 'monitor.near');
  for (const name of Object.keys(sc.properties ?? {})) {
    if (!(PROPERTY_NAMES as readonly string[]).includes(name)) throw new UserError(`${source}: properties.${name}: unknown property; properties: ${PROPERTY_NAMES.join(', ')}`);
  }
  (sc.steps ?? []).forEach((step: Step, i) => {
    const p = `steps[${i}]`;
    const s = step as unknown as Record<string, unknown>;
    // a process step (crash, pause, restart) may name a Sentinel instead of a node
    const sentinelStep = PROCESS_OPS.has(step.op) && sentinels.includes(s.node as string);
    if (sentinelStep && step.op === 'restart' && step.replicaof !== undefined) throw new UserError(`${source}: ${p}.replicaof: ${s.node as string} is a Sentinel; only a node restarts as a replica`);
    // a one-way cut is between hosts: Sentinels and clients are hosts too
    const host = (key: string) => step.op === 'partition-oneway' && (key === 'from' || key === 'to') && (sentinels.includes(s[key] as string) || clients.includes(s[key] as string));
    for (const key of Object.keys(NODE_FIELDS)) if (key in s && s[key] !== null && !(key === 'node' && sentinelStep) && !host(key)) known(s[key], `${p}.${key}`);
    for (const key of ['nodes', 'between'] as const) if (Array.isArray(s[key])) (s[key] as string[]).forEach((n, j) => known(n, `${p}.${key}[${j}]`));
    if (Array.isArray(s.groups)) (s.groups as string[][]).forEach((g, j) => g.forEach((n, k) => (clients.includes(n) || sentinels.includes(n) ? undefined : known(n, `${p}.groups[${j}][${k}]`))));
    if (sentinels.length > 0 && step.op === 'orchestrated-failover') throw new UserError(`${source}: ${p}: the Sentinels decide failovers in this scenario; drop the step (crash or pause the master to make them fail over)`);
    knownClient(s.client, `${p}.client`);
    if ((step.op === 'write' || step.op === 'command') && step.node === undefined && step.client === undefined) {
      throw new UserError(`${source}: ${p}: needs "node" (the node's local client) or "client" (an application client from "clients")`);
    }
    if (step.op === 'workload' && !sc.workload) throw new UserError(`${source}: ${p}: a "workload" step needs a top-level "workload" block (writesPerSec, clients ...)`);
    if (step.op === 'expect' || step.op === 'run-until') {
      const fields = Object.keys(s).filter((k) => !['op', 'node', 'comment', 'timeoutMs'].includes(k));
      if (fields.length === 0) throw new UserError(`${source}: ${p}: name at least one field to check, e.g. {"op": "${step.op}", "node": "${s.node}", "master_link_status": "up"}`);
      for (const fld of fields) {
        const m = s[fld] as { changedSince?: number } | null;
        if (m !== null && typeof m === 'object' && m.changedSince !== undefined && m.changedSince >= i) {
          throw new UserError(`${source}: ${p}.${fld}.changedSince: ${m.changedSince} is not an earlier step; give the index of a step before this one (0..${i - 1})`);
        }
        if (!EXPECTABLE_FIELDS.includes(fld) && !/^slave\d+$/.test(fld)) {
          throw new UserError(`${source}: ${p}.${fld}: unknown field; fields that can be checked: ${EXPECTABLE_FIELDS.join(', ')}`);
        }
      }
    }
    if (step.op === 'snapshot') {
      for (const fld of step.fields ?? []) {
        if (!EXPECTABLE_FIELDS.includes(fld) && !/^slave\d+$/.test(fld)) throw new UserError(`${source}: ${p}.fields: unknown field "${fld}"; fields that can be recorded: ${EXPECTABLE_FIELDS.join(', ')}`);
      }
    }
    if (step.op === 'expect-equal') {
      for (const fld of step.fields) {
        if (!EXPECTABLE_FIELDS.includes(fld)) throw new UserError(`${source}: ${p}.fields: unknown field "${fld}"; fields that can be compared: ${EXPECTABLE_FIELDS.join(', ')}`);
      }
    }
    if (step.op === 'partition') {
      const groupOf = new Map<string, number>();
      step.groups.forEach((g, j) => g.forEach((n, k) => {
        const other = groupOf.get(n);
        if (other !== undefined) throw new UserError(`${source}: ${p}.groups[${j}][${k}]: node "${n}" is already in groups[${other}]; a node belongs to one side of a partition (use partition-oneway for asymmetric cuts)`);
        groupOf.set(n, j);
      }));
    }
    if (step.op === 'partition-oneway' && step.from === step.to) {
      throw new UserError(`${source}: ${p}.to: a node cannot be cut off from itself; name two different nodes in "from" and "to", got "${step.from}" twice`);
    }
    if (step.op === 'network' && step.oneway && !step.between) {
      throw new UserError(`${source}: ${p}.oneway: needs "between": [from, to] to say which direction`);
    }
    if (step.op === 'network' && step.between && step.between[0] === step.between[1]) {
      throw new UserError(`${source}: ${p}.between: name two different nodes, got "${step.between[0]}" twice`);
    }
    if (step.op === 'command') {
      const name = String(step.args[0]).toUpperCase();
      if (!SUPPORTED_COMMANDS.includes(name)) throw new UserError(`${source}: ${p}.args[0]: unknown or unsupported command "${step.args[0]}"; supported: ${SUPPORTED_COMMANDS.join(', ')}`);
    }
    if (step.op === 'faults' && !sc.faults) throw new UserError(`${source}: ${p}: a "faults" step needs a top-level "faults" block describing the fault families`);
    if (step.op === 'failover' && step.force && (step.to === undefined || step.timeoutMs === undefined)) {
      throw new UserError(`${source}: ${p}: "force" needs both "to" and "timeoutMs", as FAILOVER ... FORCE does`);
    }
  });
  return sc;
}
