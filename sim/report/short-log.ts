// `replsim run ... --log short`: one line per state change per node, for CI logs. Columns: time
// (simulated ms), node, role, replication id label (A, B, ... in order of first appearance; the
// same id has the same label on every node), offset, link, and what happened. Lines about the
// network or the fault schedule as a whole have `*` as node and `-` in the node's columns.

import { IdLabels, NodeStates, STATE_TYPES, type TraceLine } from './state.js';
import type { TraceEvent } from '../trace-events.js';

export const SHORT_LOG_HEADER = `${'time_ms'.padStart(12)}  ${'node'.padEnd(6)} ${'role'.padEnd(6)} ${'id'.padEnd(3)} ${'offset'.padStart(9)} ${'link'.padEnd(4)}  event`;

/** What happened, in a few words (the node's own columns say the rest). */
export function shortText(e: TraceLine, ids: IdLabels): string {
  const g = (k: string) => e[k] as string;
  switch (e.type) {
    case 'redis.start':
      return `start as ${e.role === 'master' ? 'master' : `replica of ${g('master_host')}`}${e.rdb_repl_id ? ` (RDB ${ids.label(g('rdb_repl_id'))}:${e.rdb_repl_offset})` : ''}, ${e.keys} keys`;
    case 'redis.stop':
      return e.how === 'crash' ? 'crash (kill -9)' : `shutdown${e.saved ? ', RDB saved' : ''}`;
    case 'host.crash':
      return `host ${g('host')} down`;
    case 'host.restart':
      return `host ${g('host')} up`;
    case 'host.pause':
      return `host ${g('host')} paused for ${(((e.until as number) - (e.t as number)) / 1000).toFixed(1)} ms`;
    case 'redis.role':
      return e.role === 'master' ? 'role master' : `role replica of ${g('master_host')}`;
    case 'redis.replid':
      return `new id ${ids.label(g('replid'))} (${g('reason')}), was ${ids.label(g('prev_replid'))}; replid2 ${e.second_repl_offset === -1 ? '-' : `${ids.label(g('replid2'))} up to ${e.second_repl_offset}`}`;
    case 'redis.link':
      return `link ${g('status')}${e.master_host ? ` (master ${g('master_host')})` : ''}`;
    case 'redis.sync':
      return `${e.kind === 'full' ? 'full sync loaded' : 'partial sync'} from ${g('master')} at ${ids.label(g('replid'))}:${e.offset}`;
    case 'redis.psync': {
      const req = e.requested_replid === '?' ? '? -1' : `${ids.label(g('requested_replid'))} ${e.requested_offset}`;
      return `PSYNC ${req} from ${g('replica')}: ${e.result === 'continue' ? '+CONTINUE' : 'FULLRESYNC'} (${g('reason')}), backlog ${e.repl_backlog_first_byte_offset}+${e.repl_backlog_histlen}`;
    }
    case 'redis.replica-drop':
      return `drop replica ${g('replica')}: ${g('reason')}`;
    case 'redis.timeout':
      return `timeout: ${g('what')}`;
    case 'redis.failover':
      return `FAILOVER ${g('state')}${e.target ? ` to ${g('target')}` : ''}`;
    case 'redis.failover-abort':
      return `FAILOVER aborted: ${g('reason')}`;
    case 'net.partition':
      return `partition ${(e.blocked as [string, string][]).map(([a, b]) => `${a}->${b}`).join(' ')}`;
    case 'net.heal':
      return `heal ${(e.unblocked as [string, string][]).map(([a, b]) => `${a}->${b}`).join(' ')}`;
    case 'x.fault':
      return `fault ${g('family')}${e.node ? ` on ${g('node')}` : ''}`;
    case 'x.orch.promote':
      return 'orchestrator promotes';
    case 'x.orch.repoint':
      return `orchestrator re-points${e.master ? ` to ${g('master')}` : ''}`;
    case 'x.orch.down':
      return 'orchestrator sees it down';
    default:
      return e.type;
  }
}

/** Follows a run event by event; `onEvent` returns the line for a state change, else null. */
export class ShortLog {
  private readonly states = new NodeStates();
  private readonly ids = new IdLabels();

  onEvent(e: TraceLine | TraceEvent): string | null {
    const ev = e as TraceLine;
    const node = this.states.apply(ev);
    if (!STATE_TYPES.has(ev.type)) return null;
    // a node's id gets its label when first seen, so labels follow the order of the run
    const text = shortText(ev, this.ids);
    const who = ev.type.startsWith('host.') ? (ev.host as string) : node;
    const s = who ? this.states.get(who) : undefined;
    const time = ((ev.t ?? 0) / 1000).toFixed(3).padStart(12);
    if (!who || !s) return `${time}  ${(who ?? '*').padEnd(6)} ${'-'.padEnd(6)} ${'-'.padEnd(3)} ${'-'.padStart(9)} ${'-'.padEnd(4)}  ${text}`;
    const role = s.running ? s.role : 'down';
    return `${time}  ${who.padEnd(6)} ${role.padEnd(6)} ${this.ids.label(s.replid).padEnd(3)} ${String(s.offset).padStart(9)} ${s.link.padEnd(4)}  ${text}`;
  }

  /** The labels given so far: label -> full id, for the legend printed after the log. */
  legend(): string[] {
    return this.ids.entries().map(([id, l]) => `${l.padStart(3)} = ${id}`);
  }
}
