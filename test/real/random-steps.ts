// Random step sequences for the randomized differential test: fast-check's raw choices, turned into
// steps that keep the topology a forest, run on a Cluster (simulated or real) with a snapshot after each.
import fc from 'fast-check';
import type { Config, Script } from './clusters.js';

const NODES = ['a', 'b', 'c', 'd'];
const KINDS = ['write', 'write', 'mixed', 'expire', 'promote', 'repoint', 'kill-link', 'kill-replicas', 'restart', 'away'] as const;

interface RawOp {
  kind: (typeof KINDS)[number];
  a: number;
  b: number;
  n: number;
  db: number;
  save: boolean;
}
export interface Raw {
  nodes: number;
  /** a 16kb backlog (so that a node away for long needs a full sync) rather than the default 1mb */
  smallBacklog: boolean;
  /** 7.0's default diskless full sync (with no delay, so a sequence stays short) rather than the disk-based one */
  diskless: boolean;
  parents: number[];
  ops: RawOp[];
}

export const arbRaw: fc.Arbitrary<Raw> = fc.record({
  nodes: fc.integer({ min: 2, max: 4 }),
  smallBacklog: fc.boolean(),
  diskless: fc.boolean(),
  parents: fc.array(fc.nat(4), { minLength: 3, maxLength: 3 }),
  ops: fc.array(
    fc.record({ kind: fc.constantFrom(...KINDS), a: fc.nat(11), b: fc.nat(11), n: fc.integer({ min: 1, max: 40 }), db: fc.nat(2), save: fc.boolean() }),
    { minLength: 1, maxLength: 10 },
  ),
});

export type Step =
  | { op: 'replicaof'; node: string; primary: string | null }
  | { op: 'write'; node: string; db: number; count: number; valueSize: number }
  | { op: 'mixed'; node: string; db: number; n: number }
  | { op: 'expire'; node: string; db: number; keys: number }
  | { op: 'kill-link'; node: string }
  | { op: 'kill-replicas'; node: string }
  | { op: 'restart'; node: string; save: boolean; replicaof: string | null }
  | { op: 'away'; node: string; save: boolean; replicaof: string | null; writer: string; count: number; valueSize: number };

/** Turn fast-check's raw choices into steps that keep the topology a forest (no replication cycles). */
export function interpret(raw: Raw): { nodes: string[]; config: Config; steps: Step[] } {
  const nodes = NODES.slice(0, raw.nodes);
  const parent = new Map<string, string | null>(nodes.map((n) => [n, null]));
  const steps: Step[] = [];
  const inSubtree = (root: string, n: string | null): boolean => {
    for (let x = n; x !== null; x = parent.get(x)!) if (x === root) return true;
    return false;
  };
  const pick = <T>(xs: T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);
  nodes.slice(1).forEach((n, i) => {
    const p = raw.parents[i]! % (i + 2); // one of the nodes before it, or none
    if (p <= i) {
      parent.set(n, nodes[p]!);
      steps.push({ op: 'replicaof', node: n, primary: nodes[p]! });
    }
  });
  for (const o of raw.ops) {
    const replicas = nodes.filter((n) => parent.get(n) !== null);
    const masters = nodes.filter((n) => parent.get(n) === null);
    if (o.kind === 'write') {
      steps.push({ op: 'write', node: pick(masters, o.a)!, db: o.db, count: o.n, valueSize: 1 + o.b * 13 });
    } else if (o.kind === 'mixed') {
      steps.push({ op: 'mixed', node: pick(masters, o.a)!, db: o.db, n: o.n });
    } else if (o.kind === 'expire') {
      steps.push({ op: 'expire', node: pick(masters, o.a)!, db: o.db, keys: 1 + (o.n % 5) });
    } else if (o.kind === 'promote' || o.kind === 'kill-link') {
      const node = pick(replicas, o.a);
      if (node === undefined) continue;
      if (o.kind === 'promote') parent.set(node, null);
      steps.push(o.kind === 'promote' ? { op: 'replicaof', node, primary: null } : { op: 'kill-link', node });
    } else if (o.kind === 'repoint') {
      const node = pick(nodes, o.a)!;
      const target = pick(nodes.filter((t) => !inSubtree(node, t) && t !== parent.get(node)), o.b);
      if (target === undefined) continue;
      parent.set(node, target);
      steps.push({ op: 'replicaof', node, primary: target });
    } else if (o.kind === 'kill-replicas') {
      const node = pick(nodes.filter((n) => replicas.some((r) => parent.get(r) === n)), o.a);
      if (node !== undefined) steps.push({ op: 'kill-replicas', node });
    } else if (o.kind === 'restart') {
      const node = pick(nodes, o.a)!;
      steps.push({ op: 'restart', node, save: o.save, replicaof: parent.get(node)! });
    } else {
      // down while another master takes writes, then back: a partial sync if the backlog still holds them
      const node = pick(nodes, o.a)!;
      let root = node;
      while (parent.get(root) !== null) root = parent.get(root)!;
      const writer = root !== node ? root : pick(masters.filter((m) => m !== node), o.b); // a replica's own root writes
      if (writer === undefined) continue;
      steps.push({ op: 'away', node, save: o.save, replicaof: parent.get(node)!, writer, count: o.n, valueSize: 1 + o.b * 400 });
    }
  }
  const config: Config = {
    ...(raw.smallBacklog ? { 'repl-backlog-size': '16kb' } : {}),
    ...(raw.diskless ? { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0 } : {}),
  };
  return { nodes, config, steps };
}

/** The steps as a script for both clusters: settled after each step, with a snapshot. */
export function stepsScript(nodes: string[], config: Config, steps: Step[]): Script {
  return { nodes, config, run: async (c, { call, snap }) => {
    const sets = async (node: string, count: number, valueSize: number) => {
      const v = 'v'.repeat(valueSize);
      for (let k = 1; k <= count; k++) await call(node, ['SET', `k${k}`, v]);
    };
    await c.waitSync();
    for (const [i, s] of steps.entries()) {
      if (s.op === 'replicaof') await c.replicaof(s.node, s.primary);
      else if (s.op === 'write') {
        await call(s.node, ['SELECT', s.db]);
        await sets(s.node, s.count, s.valueSize);
      } else if (s.op === 'mixed') {
        await call(s.node, ['SELECT', s.db]);
        for (const args of [['MULTI'], ['SET', 'k1', 'x'.repeat(s.n)], ['INCR', 'counter'], ['APPEND', 'log', 'y'.repeat(s.n)], ['RPUSH', 'list', 'a', 'b'], ['EXEC']]) await call(s.node, args);
        await call(s.node, ['DEL', 'k2', 'missing']);
        await call(s.node, ['MSET', 'k3', 'a', 'k4', 'b']);
        await call(s.node, ['INCR', 'counter']);
      } else if (s.op === 'expire') {
        await call(s.node, ['SELECT', s.db]);
        for (let k = 1; k <= s.keys; k++) await call(s.node, ['PEXPIRE', `k${k}`, 10]);
        await c.sleep(1000); // active expiry deletes them (and replicates the DELs) within a few cron ticks
      } else if (s.op === 'kill-link') await call(s.node, ['CLIENT', 'KILL', 'TYPE', 'master']);
      else if (s.op === 'kill-replicas') await call(s.node, ['CLIENT', 'KILL', 'TYPE', 'replica']);
      else {
        // a master shutting down sends REPLCONF GETACK (37 bytes) unless every replica has acknowledged
        // its offset, which replicas do once a second: wait for that, so the bytes don't depend on timing
        await c.sleep(1500); // (a second and a half: margin for a loaded machine)
        await c.shutdown(s.node, s.save);
        if (s.op === 'away') await sets(s.writer, s.count, s.valueSize);
        await c.restart(s.node, { replicaof: s.replicaof });
      }
      await c.sleep(300); // nodes dropped by an id change reconnect at once
      await c.waitSync();
      await snap(`step ${i + 1}: ${JSON.stringify(s)}`);
    }
  } };
}
