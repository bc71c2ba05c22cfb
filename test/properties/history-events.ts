// Hand-made trace events for the properties on what clients saw: node starts, role changes, stops,
// client operations (client.op) and local writes (x.write), and a property set to feed them to.
import { PropertySet, type PropertyName } from '../../properties/index.js';
import type { FinalView } from '../../properties/types.js';
import type { TraceEvent } from '../../sim/trace-events.js';

export type Ev = Record<string, unknown>;
const Z = '0'.repeat(40);
const A = 'a'.repeat(40);

export const start = (node: string, role: 'master' | 'slave', t = 0, master_host: string | null = role === 'slave' ? 'n1' : null): Ev => ({ t, type: 'redis.start', node, role, master_host, replid: A, replid2: Z, master_repl_offset: 0, keys: 0, rdb_repl_id: null, rdb_repl_offset: null });
export const promote = (node: string, t: number): Ev => ({ t, type: 'redis.role', node, role: 'master', master_host: null });
export const demote = (node: string, master: string, t: number): Ev => ({ t, type: 'redis.role', node, role: 'slave', master_host: master });
export const crash = (node: string, t: number): Ev => ({ t, type: 'redis.stop', node, how: 'crash', saved: false });
export const shutdown = (node: string, t: number, saved: boolean): Ev => ({ t, type: 'redis.stop', node, how: 'shutdown', saved });
export const failoverState = (node: string, state: string, target: string | null, t: number): Ev => ({ t, type: 'redis.failover', node, state, target });

/** n1 master, n2 and n3 its replicas, from t=0. */
export const cluster: Ev[] = [start('n1', 'master'), start('n2', 'slave'), start('n3', 'slave')];

let ids = 0;
/** A client operation, recorded when it completes (t = done). */
export function op(client: string, node: string | null, args: string[], invoked: number, done: number, outcome: 'ok' | 'fail' | 'info' = 'ok', extra: { reply?: string; wait?: string[]; db?: number } = {}): Ev {
  const e: Ev = { t: done, type: 'client.op', client, id: ++ids, node, invoked, args, db: extra.db ?? 0, outcome, reply: extra.reply ?? (outcome === 'ok' ? 'OK' : outcome === 'fail' ? '-READONLY' : 'timeout') };
  if (extra.wait) e.wait = { replicas: extra.wait.length, acked_by: extra.wait };
  return e;
}
export const set = (client: string, node: string, key: string, value: string, invoked: number, done: number, outcome: 'ok' | 'fail' | 'info' = 'ok', wait?: string[]) => op(client, node, ['SET', key, value], invoked, done, outcome, wait ? { wait } : {});
export const get = (client: string, node: string, key: string, reply: string, invoked: number, done: number) => op(client, node, ['GET', key], invoked, done, 'ok', { reply });
/** A write of a node's local scenario client. */
export const local = (node: string, key: string, value: string, t: number, cmd = 'SET', acked = true): Ev => ({ t, type: 'x.write', node, db: 0, cmd, key, value: cmd === 'SET' ? value : null, acked });

/** The final master and what it holds. */
export const finalView = (master: string | null, data: Record<string, string>): FinalView => ({ master, get: (node, _db, key) => (node === master ? (data[key] ?? null) : null) });

/** Feed the events to a full property set and return one property, its report and its messages. */
export function feed<N extends PropertyName>(name: N, events: Ev[], view: FinalView = finalView(null, {})) {
  const set = new PropertySet();
  for (const e of events) set.onEvent(e as unknown as TraceEvent);
  set.finish(view);
  const p = set.get(name)!;
  return { property: p, messages: p.violations.map((v) => v.message), report: set.report()[name]! };
}
