// Property: over random sequences of writes, link kills, promotions and re-pointings on 3-5 nodes,
// every PSYNC decision follows the rule of masterTryPartialResynchronization(), and after settling,
// nodes with equal (replid, offset) hold equal data. Replay a failure with FC_SEED and FC_PATH.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { world, SEC, MS } from '../support/redis.js';
import { fcParams } from '../support/fc.js';
import type { TraceEvent } from '../../sim/trace-events.js';

type Op =
  | { op: 'write'; node: number; count: number }
  | { op: 'kill-link'; node: number }
  | { op: 'promote'; node: number }
  | { op: 'repoint'; node: number; to: number }
  | { op: 'sleep'; ms: number };

const opArb = (n: number): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({ op: fc.constant('write' as const), node: fc.nat(n - 1), count: fc.integer({ min: 1, max: 30 }) }),
    fc.record({ op: fc.constant('kill-link' as const), node: fc.nat(n - 1) }),
    fc.record({ op: fc.constant('promote' as const), node: fc.nat(n - 1) }),
    fc.record({ op: fc.constant('repoint' as const), node: fc.nat(n - 1), to: fc.nat(n - 1) }),
    fc.record({ op: fc.constant('sleep' as const), ms: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3000 })) }),
  );

const caseArb = fc.integer({ min: 3, max: 5 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    seed: fc.nat(1_000_000),
    pingPeriod: fc.constantFrom(1, 1, 10, 3600),
    backlog: fc.constantFrom('16kb', '1mb'),
    ops: fc.array(opArb(n), { minLength: 1, maxLength: 40 }),
  }),
);

/** The PSYNC rule, recomputed from what the serving node reported in its trace event. */
function expectedResult(e: Extract<TraceEvent, { type: 'redis.psync' }>): 'continue' | 'full' {
  const id = e.requested_replid.toLowerCase();
  const off = e.requested_offset;
  const idOk = id === e.master_replid || (id === e.master_replid2 && off <= e.second_repl_offset);
  const hasBacklog = e.repl_backlog_first_byte_offset > 0;
  const rangeOk = hasBacklog && off >= e.repl_backlog_first_byte_offset && off <= e.master_repl_offset + 1;
  return idOk && rangeOk ? 'continue' : 'full';
}

describe('PSYNC property over random topology changes', () => {
  it('PSYNC decisions follow the rule and equal (replid, offset) means equal data', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const names = Array.from({ length: c.n }, (_, i) => `n${i}`);
        const nodes: Record<string, { replicaof?: string }> = {};
        names.forEach((name, i) => (nodes[name] = i === 0 ? {} : { replicaof: 'n0' }));
        const w = world({ seed: c.seed, config: { save: '', 'repl-ping-replica-period': c.pingPeriod, 'repl-backlog-size': c.backlog }, nodes });
        w.waitSync();
        let writes = 0;
        const root = (name: string): string | null => {
          const { path, cycleAt } = w.masterChain(name);
          return cycleAt >= 0 ? null : path[path.length - 1]!;
        };
        for (const op of c.ops) {
          if (op.op === 'write') {
            // to the master at the root of the chosen node's chain
            const name = root(names[op.node]!);
            if (name !== null) for (let i = 0; i < op.count; i++) w.call(name, ['SET', `k${writes++ % 40}`, `v${writes}`]);
          } else if (op.op === 'kill-link') w.call(names[op.node]!, ['CLIENT', 'KILL', 'TYPE', 'master']);
          else if (op.op === 'promote') w.call(names[op.node]!, ['REPLICAOF', 'NO', 'ONE']);
          else if (op.op === 'repoint') {
            const [a, b] = [names[op.node]!, names[op.to]!];
            // never build a replication cycle: b's chain must not lead back to a
            if (a !== b && !w.masterChain(b).path.includes(a)) w.call(a, ['REPLICAOF', b]);
          } else w.runFor(op.ms * MS);
        }
        w.runFor(2 * SEC);
        expect(w.waitSync(120 * SEC)).toBe(true);
        for (const e of w.events()) if (e.type === 'redis.psync') expect({ ...e, result: expectedResult(e) }).toEqual(e);
        const byPos = new Map<string, string>();
        for (const name of names) {
          const node = w.node(name);
          const key = `${node.replid}:${node.masterReplOffset}`;
          const d = node.ds.digest();
          if (byPos.has(key)) expect(d).toBe(byPos.get(key));
          else byPos.set(key, d);
          // every replica ends with its chain's root data
          const r = root(name);
          if (r !== null) expect(d).toBe(w.node(r).ds.digest());
        }
      }),
      fcParams(60),
    );
  });
});
