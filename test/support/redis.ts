// Helpers for Redis-model tests: a world to drive by hand, INFO field access, background writers and
// convergence checks. A test drives a simulated cluster one of two ways: a scenario through simulate()
// (the whole run, judged by the properties), or world() here (call nodes, run the clock, read state).

import { expect } from 'vitest';
import { World, type WorldOptions } from '../../sim/cluster/world.js';
import type { Seed } from '../../sim/kernel/rng.js';
import { MemorySink } from '../../sim/kernel/trace.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import { RespConnection } from '../../sim/clients/connection.js';
import type { Reply } from '../../sim/redis/reply.js';

export const SEC = 1_000_000;
export const MS = 1_000;

/** A world that records its trace in memory (seed 1 unless given). */
export function world(opts: Omit<WorldOptions, 'seed' | 'sink'> & { seed?: Seed }): World & { events: () => TraceEvent[] } {
  const sink = new MemorySink();
  const w = new World({ seed: 1, ...opts, sink }) as World & { events: () => TraceEvent[] };
  w.events = () => sink.lines.map((l) => JSON.parse(l) as TraceEvent);
  return w;
}

export function f(w: World, node: string, field: string): string | number {
  const v = w.info(node)[field];
  if (v === undefined) throw new Error(`INFO of ${node} has no field ${field}`);
  return v;
}

export function counters(w: World, nodes: string[]): Record<string, { full: number; ok: number; err: number }> {
  const out: Record<string, { full: number; ok: number; err: number }> = {};
  for (const n of nodes) out[n] = { full: f(w, n, 'sync_full') as number, ok: f(w, n, 'sync_partial_ok') as number, err: f(w, n, 'sync_partial_err') as number };
  return out;
}

/** SET <prefix><i> every everyUs until untilUs (absolute), from the node's client while it is a master. */
export function startWriter(w: World, node: string, o: { everyUs: number; untilUs: number; prefix?: string; valueSize?: number; keys?: number }): { writes: number } {
  const state = { writes: 0 };
  const value = 'v'.repeat(o.valueSize ?? 8);
  const tick = () => {
    if (w.sched.nowUs > o.untilUs) return;
    if (w.isRunning(node) && w.node(node).isMaster) {
      const i = state.writes++;
      w.call(node, ['SET', `${o.prefix ?? 'key:'}${o.keys ? i % o.keys : i}`, value]);
    }
    w.sched.after(o.everyUs, tick, null);
  };
  w.sched.after(0, tick, null);
  return state;
}

/** Every listed node has the same replid, offset and digest. */
export function expectConverged(w: World, nodes: string[]): void {
  const first = nodes[0]!;
  const want = { id: f(w, first, 'master_replid'), off: f(w, first, 'master_repl_offset'), digest: w.node(first).ds.digest() };
  for (const n of nodes.slice(1)) {
    expect({ node: n, id: f(w, n, 'master_replid'), off: f(w, n, 'master_repl_offset'), digest: w.node(n).ds.digest() }).toEqual({ node: n, ...want });
  }
}

export function psyncs(w: World & { events: () => TraceEvent[] }) {
  return w.events().filter((e): e is Extract<TraceEvent, { type: 'redis.psync' }> => e.type === 'redis.psync');
}

type TracedWorld = ReturnType<typeof world>;
/** The trace event(s) whose type can be T (one declaration covers both redis.stream and redis.applied). */
export type EventOf<T extends TraceEvent['type']> = TraceEvent extends infer E ? (E extends { type: infer U } ? (T extends U ? E : never) : never) : never;

/** The trace events of one type (of one node), from the `from`-th event on (see mark()). */
export function eventsOf<T extends TraceEvent['type']>(w: TracedWorld, type: T, node?: string, from = 0): EventOf<T>[] {
  return w.events().slice(from).filter((e): e is EventOf<T> => e.type === type && (node === undefined || (e as { node?: string }).node === node));
}

/** How many trace events so far: a `from` for eventsOf(). */
export const mark = (w: TracedWorld) => w.events().length;

/** MSET n keys of size bytes each, in batches, on a node. */
export function fill(w: World, node: string, n: number, size: number, prefix = 'k'): void {
  const v = 'x'.repeat(size);
  for (let i = 0; i < n; i += 100) {
    const args: string[] = ['MSET'];
    for (let j = i; j < Math.min(n, i + 100); j++) args.push(`${prefix}${j}`, v);
    w.command(node, args);
  }
}

/** Commands sent in turn on one new connection, as a replica's handshake sends them; their replies. */
export function rawCommands(w: World, to: string, cmds: string[][]): (Reply | null)[] {
  if (!w.net.hostNames().includes('cli')) w.net.addHost('cli');
  const c = new RespConnection(w.net, 'cli', to, 10 * SEC, {});
  const out: (Reply | null)[] = [];
  for (const args of cmds) {
    let r: Reply | null | undefined;
    c.command(args, (x) => (r = x));
    w.runUntil(() => r !== undefined, 10 * SEC);
    out.push(r ?? null);
  }
  return out;
}
