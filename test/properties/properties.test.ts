// The six properties on whole runs: each one catches what it is for. Each violation branch on its
// own is in branches.test.ts; every built-in scenario passing is in test/scenarios/builtin.test.ts.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { loadBuiltin } from '../../sim/harness/sources.js';
import { Lineage } from '../../properties/lineage.js';
import type { Scenario } from '../../sim/scenario/types.js';
import type { TraceEvent } from '../../sim/trace-events.js';

const ID_A = 'a'.repeat(40);
const ID_B = 'b'.repeat(40);
const ID_C = 'c'.repeat(40);

describe('equal-id-offset-equal-data', () => {
  it('catches a write to a writable replica, naming both observations', () => {
    const sc: Scenario = {
      name: 'writable',
      config: { save: '', 'repl-ping-replica-period': 3600 },
      nodes: { p: {}, r1: { replicaof: 'p', config: { 'replica-read-only': 'no' } }, r2: { replicaof: 'p' } },
      steps: [{ op: 'wait-sync' }, { op: 'write', node: 'p', count: 3 }, { op: 'wait-sync' }, { op: 'command', node: 'r1', args: ['SET', 'local', 'x'] }, { op: 'sleep', ms: 2000 }],
    };
    const r = simulate(sc, { seed: 1 });
    const v = r.failures.find((f) => f.property === 'equal-id-offset-equal-data');
    expect(v).toBeDefined();
    expect(v!.message).toMatch(/both report replid [0-9a-f]{8} offset \d+, but their data differ/);
    expect(v!.message).toMatch(/writable replica/);
    expect(v!.node).toContain('r1');
    // the same write is "acknowledged" but never replicated: acknowledged-writes flags it as well
    expect(r.failures.some((f) => f.property === 'acknowledged-writes' && /no failover, crash or unsaved restart/.test(f.message))).toBe(true);
  });

});

describe('partial-sync-when-ancestor and the lineage oracle', () => {
  it('counts the missed partial sync of two failovers in a row (replid2 remembers one step)', () => {
    const r = simulate(loadBuiltin('two-failovers'), { seed: 1 });
    expect(r.status).toBe('pass');
    const p = r.properties['partial-sync-when-ancestor']!;
    expect(p.stats.missed_partial_syncs).toBe(1);
    expect(p.notes[0]).toMatch(/common ancestor existed and the backlog held the bytes/);
  });

  it('the lineage answers prefix questions through forks', () => {
    const l = new Lineage();
    const ev = (e: Record<string, unknown>) => l.onEvent(e as unknown as TraceEvent);
    ev({ t: 0, type: 'redis.start', node: 'p', role: 'master', master_host: null, replid: ID_A, replid2: '0'.repeat(40), master_repl_offset: 0, keys: 0, rdb_repl_id: null, rdb_repl_offset: null });
    ev({ t: 0, type: 'redis.start', node: 'q', role: 'master', master_host: null, replid: ID_C, replid2: '0'.repeat(40), master_repl_offset: 0, keys: 0, rdb_repl_id: null, rdb_repl_offset: null });
    ev({ t: 1, type: 'redis.replid', node: 'r', reason: 'replicaof-no-one', prev_replid: ID_A, replid: ID_B, replid2: ID_A, second_repl_offset: 101, master_repl_offset: 100 });
    expect(l.onLineage(ID_A, 100, ID_B, 500)).toBe(true); // at the fork point
    expect(l.onLineage(ID_A, 50, ID_B, 500)).toBe(true); // behind it
    expect(l.onLineage(ID_A, 114, ID_B, 500)).toBe(false); // ahead of it: the old master kept pinging
    expect(l.onLineage(ID_B, 501, ID_B, 500)).toBe(false); // ahead of the server itself
    expect(l.onLineage(ID_C, 10, ID_B, 500)).toBe(false); // another root history
  });
});

describe('convergence and acknowledged-writes', () => {
  it('a run that cannot settle in time fails as a liveness failure', () => {
    const sc: Scenario = {
      name: 'no-settle',
      config: { save: '', 'repl-backlog-size': '16kb' },
      network: { bandwidth: '1mbit' },
      nodes: { p: {}, r: { replicaof: 'p' } },
      // a 2 MB full sync over 1 Mbit/s takes 16 s; the settle step allows 1 s
      steps: [{ op: 'wait-sync' }, { op: 'isolate', node: 'r' }, { op: 'kill-replicas', node: 'p' }, { op: 'write', node: 'p', count: 2000, valueSize: 1000 }, { op: 'settle', timeoutMs: 1000 }],
    };
    const r = simulate(sc, { seed: 1 });
    expect(r.status).toBe('liveness');
    expect(r.failures[0]!.property).toBe('convergence');
  });

  it('counts writes lost across a failover as allowed, per event', () => {
    const r = simulate(loadBuiltin('failover-diverged'), { seed: 1 });
    expect(r.status).toBe('pass');
    const a = r.properties['acknowledged-writes']!;
    expect(a.stats.lost).toBe(10);
    expect(a.stats.lost_allowed).toBe(10);
    expect(a.notes[0]).toMatch(/10 acknowledged write\(s\) lost across the failover of r2/);
  });

  it('a coordinated FAILOVER loses nothing', () => {
    const r = simulate(loadBuiltin('failover-to'), { seed: 3 });
    expect(r.properties['acknowledged-writes']!.stats.lost).toBe(0);
    expect(r.properties['acknowledged-writes']!.stats.keys_checked).toBe(100);
  });

  it('a scenario can turn a property off', () => {
    const sc = { ...loadBuiltin('failover-clean'), properties: { 'stream-prefix': false } };
    expect(Object.keys(simulate(sc, { seed: 1 }).properties)).not.toContain('stream-prefix');
  });
});
