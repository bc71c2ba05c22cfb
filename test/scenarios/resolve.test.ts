// The resolved scenario (sim/scenario/resolve.ts): made once by the loader, in µs and bytes, every
// default of the DEFAULTS table applied; and one module per step op under sim/scenario/steps/.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { loadScenario, validateScenario } from '../../sim/scenario/load.js';
import { ScenarioSchema, STEP_OPS } from '../../sim/scenario/schema.js';
import { STEP_HANDLERS } from '../../sim/scenario/steps/index.js';
import { builtinNames, loadBuiltin } from '../../sim/harness/sources.js';
import { swarmScenario } from '../../sim/scenario/swarm.js';
import { simulate } from '../../sim/harness/simulate.js';
import { MemorySink } from '../../sim/kernel/trace.js';
import { UserError } from '../../sim/errors.js';

type Doc = Record<string, any>;

const STEPS_DIR = new URL('../../sim/scenario/steps/', import.meta.url);

function base(extra: Doc = {}): Doc {
  return { name: 'res', nodes: { p: {}, r: { replicaof: 'p' } }, ...extra };
}

const resolved = (doc: Doc) => loadScenario(doc, 'res.json').resolved;

/** Every key anywhere in a value, with its path. */
function keysOf(v: unknown, path = ''): [string, unknown][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => keysOf(x, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [[`${path}.${k}`, x] as [string, unknown], ...keysOf(x, `${path}.${k}`)]);
  return [];
}

describe('one module per step op', () => {
  it('each op of the schema has its own steps/<op>.ts, and the table runs the function that module exports', async () => {
    const files = readdirSync(STEPS_DIR).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
    for (const op of STEP_OPS) {
      expect(files, `steps/${op}.ts`).toContain(op);
      const mod = (await import(new URL(`${op}.ts`, STEPS_DIR).href)) as Record<string, unknown>;
      const exported = Object.values(mod).filter((x) => typeof x === 'function');
      expect(exported, `steps/${op}.ts exports one handler`).toHaveLength(1);
      expect(STEP_HANDLERS[op], `the table's handler for ${op}`).toBe(exported[0]);
    }
    // the rest are shared helpers, not ops
    expect(files.filter((f) => !(STEP_OPS as readonly string[]).includes(f)).sort()).toEqual(['client-ops', 'context', 'fields', 'index', 'verdicts']);
  });
});

describe('resolved scenario', () => {
  it('built-ins and 60 swarm scenarios: no duration left in ms or as text, one resolved step per step, same ops in order', () => {
    const docs = [...builtinNames().filter((n) => n !== 'swarm').map((n) => loadBuiltin(n)), ...Array.from({ length: 60 }, (_, i) => swarmScenario(i + 1))];
    let us = 0;
    for (const doc of docs) {
      const { document, resolved: rs } = loadScenario(doc, doc.name);
      expect(rs.steps.map((s) => s.op)).toEqual((document.steps ?? []).map((s) => s.op));
      for (const [path, v] of keysOf(rs)) {
        // FAILOVER's TIMEOUT and WAIT's timeout are the commands' own arguments, in ms as Redis takes them
        const step = /^\.steps\[(\d+)\]\.timeoutMs$/.exec(path);
        const commandArg = path === '.workload.wait.timeoutMs' || (step !== null && rs.steps[Number(step[1])]!.op === 'failover');
        if (!commandArg) expect(path, `${doc.name}: ${path}`).not.toMatch(/Ms$|-ms$|\.ms$/);
        if (/Us$/.test(path)) {
          us++;
          expect(typeof v === 'number' && v >= 0, `${doc.name}: ${path} = ${JSON.stringify(v)}`).toBe(true);
        }
      }
    }
    expect(us).toBeGreaterThan(docs.length);
  });

  it('a duration resolves to the same µs however it is written: a bare number of ms, "ms", "us", "s"', () => {
    for (const ms of [0, 1, 7, 250, 1500, 60_000]) {
      const forms = [ms, `${ms}ms`, `${ms * 1000}us`, `${ms / 1000}s`];
      const seen = forms.map((latency) => resolved(base({ network: { latency }, steps: [{ op: 'network', jitter: latency }] })));
      for (const rs of seen) {
        expect(rs.network.latencyUs).toBe(seen[0]!.network.latencyUs);
        expect(rs.steps[0]).toEqual(seen[0]!.steps[0]);
      }
      // and a step's time agrees with the network's: the same text, the same µs
      expect(seen[0]!.steps[0]).toMatchObject({ op: 'network', change: { jitterUs: seen[0]!.network.latencyUs } });
      // a sleep and a pause of that many ms last as long as the latency
      const steps = resolved(base({ steps: [{ op: 'sleep', ms }, { op: 'pause', node: 'p', ms }] })).steps;
      expect(steps).toEqual([{ op: 'sleep', durationUs: seen[0]!.network.latencyUs }, { op: 'pause', node: 'p', durationUs: seen[0]!.network.latencyUs }]);
    }
  });

  it('a bandwidth resolves to the same bytes per second however it is written', () => {
    const forms = ['8mbit', '1MB', '1000KB', '8000kbit', 1_000_000];
    const seen = forms.map((bandwidth) => resolved(base({ network: { bandwidth }, steps: [{ op: 'network', bandwidth }] })));
    for (const rs of seen) {
      expect(rs.network.bandwidthBytesPerSec).toBe(seen.at(-1)!.network.bandwidthBytesPerSec);
      expect(rs.steps[0]).toEqual({ op: 'network', change: { bandwidthBytesPerSec: seen.at(-1)!.network.bandwidthBytesPerSec }, oneway: false });
    }
  });

  // each case: a document leaving the fields out, and the same with the schema's `default` of each written
  const defaultCases: [string[], Doc, Doc][] = [
    [['steps.write.count', 'steps.write.prefix', 'steps.write.valueSize', 'steps.write.intervalMs'], { steps: [{ op: 'write', node: 'p' }] }, {}],
    [['steps.wait-sync.timeoutMs'], { steps: [{ op: 'wait-sync' }] }, {}],
    [['steps.run-until.timeoutMs'], { steps: [{ op: 'run-until', node: 'r', master_link_status: 'up' }] }, {}],
    [['steps.settle.timeoutMs'], { steps: [{ op: 'settle' }] }, {}],
    [['workload.writesPerSec', 'workload.idleMs', 'workload.reads', 'workload.keys', 'workload.dbs', 'workload.valueSize', 'workload.commands'], { clients: { c: { near: 'p' } }, workload: { burstMs: 100, clients: ['c'] } }, {}],
    [['clients.timeoutMs'], { clients: { c: { near: 'p' } } }, {}],
    [['sentinel.master-name', 'sentinel.quorum', 'sentinel.down-after-milliseconds', 'sentinel.failover-timeout', 'sentinel.parallel-syncs'], { sentinels: { s1: {}, s2: {} }, sentinel: {} }, {}],
    [['faults.settleMs', 'faults.families.partition.durationMs', 'faults.families.partition.oneway', 'faults.families.loss-burst.durationMs', 'faults.families.loss-burst.loss', 'faults.families.crash.downMs', 'faults.families.restart.downMs'],
      { faults: { phaseMs: 1000, families: { partition: { everyMs: 100 }, 'loss-burst': { everyMs: 100 }, crash: { everyMs: 100 }, restart: { everyMs: 100 } } } }, {}],
  ];

  /** Where the schema declares a default: "workload.keys", "steps.write.count", "faults.families.crash.downMs", "clients.timeoutMs". */
  function schemaDefaults(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    const walk = (s: any, path: string): void => {
      if (s === null || typeof s !== 'object') return;
      if ('default' in s && path !== '') out.set(path, s.default);
      if (s.properties) for (const [k, v] of Object.entries(s.properties)) walk(v, path ? `${path}.${k}` : k);
      if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties, path);
      if (s.items) walk(s.items, path);
      for (const b of s.oneOf ?? []) walk(b, b.properties?.op?.const ? `${path}.${b.properties.op.const}` : path);
    };
    walk(ScenarioSchema, '');
    return out;
  }

  /** The document with the schema's default written at `path` (steps.<op>.f: in every step of that op). */
  function writeDefault(doc: Doc, path: string, value: unknown): void {
    const [head, ...rest] = path.split('.');
    if (head === 'steps') {
      for (const s of doc.steps) if (s.op === rest[0]) s[rest[1]!] = value;
    } else if (head === 'clients') {
      for (const c of Object.values(doc.clients) as Doc[]) c[rest[0]!] = value;
    } else if (head === 'faults' && rest[0] === 'families') {
      doc.faults.families[rest[1]!][rest[2]!] = value;
    } else {
      doc[head!][rest[0]!] = value;
    }
  }

  it('every default the schema declares is what the resolver applies: leaving a field out resolves as writing its default', () => {
    const declared = schemaDefaults();
    expect([...declared.keys()].sort()).toEqual(defaultCases.flatMap(([paths]) => paths).sort());
    for (const [paths, extra] of defaultCases) {
      const without = base(structuredClone(extra));
      const withDefaults = base(structuredClone(extra));
      for (const p of paths) writeDefault(withDefaults, p, structuredClone(declared.get(p)));
      expect(resolved(without), paths.join(', ')).toEqual(resolved(withDefaults));
      // and writing something else changes the resolved form (the field is read at all)
      for (const p of paths) {
        const other = base(structuredClone(extra));
        const d = declared.get(p);
        writeDefault(other, p, typeof d === 'number' ? (d === 0 ? 1 : d < 1 ? d / 2 : d + 1) : typeof d === 'string' ? `${d}x` : ['INCR']);
        expect(resolved(other), p).not.toEqual(resolved(without));
      }
    }
  });

  it('a value only the resolver can refuse is refused at load, before the run writes anything, with the same message', () => {
    // the step after a run-until that fails: a run never reaches it, yet the file is refused up front
    const doc = base({ steps: [{ op: 'run-until', node: 'r', master_link_status: 'never', timeoutMs: 10 }, { op: 'network', bandwidth: '0MB' }] });
    expect(() => validateScenario(doc, 'res.json')).toThrow(new UserError('steps[1].bandwidth: expected a bandwidth like "1gbit", "100mbit" or "10MB", got "0MB"'));
    const sink = new MemorySink();
    expect(() => simulate(doc, { seed: 1, sink })).toThrow(UserError);
    expect(sink.lines).toEqual([]);
    expect(() => validateScenario(base({ network: { bandwidth: '0gbit' } }), 'res.json')).toThrow(new UserError('network.bandwidth: expected a bandwidth like "1gbit", "100mbit" or "10MB", got "0gbit"'));
  });

  it('the trace header keeps the document as written (parameters bound), not the resolved form', () => {
    const doc = base({ parameters: { lat: '2ms' }, network: { latency: '$lat' }, steps: [{ op: 'sleep', ms: 5 }] });
    const sink = new MemorySink();
    simulate(doc, { seed: 1, sink });
    const header = JSON.parse(sink.lines[0]!) as { resolved: Doc };
    expect(header.resolved).toEqual(validateScenario(doc, 'scenario'));
    expect(header.resolved.network.latency).toBe('2ms');
  });
});
