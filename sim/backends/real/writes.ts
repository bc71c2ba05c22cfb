// The writes of a real run, as the properties on what clients saw need them: every command a `write`
// or `command` step sent through the tool's connection to a node, with when it was sent and when its
// reply came, the database it ran in and its outcome. A transaction's commands are recorded at its
// EXEC, each with its own reply (as the simulator's command step does); the connection's database
// follows its SELECTs and starts at 0 on every new connection (a restart).
import { RespError, type RespValue } from './resp.js';

export type WriteOutcome = 'ok' | 'fail' | 'info';

export interface RealWrite {
  node: string;
  db: number;
  args: string[];
  /** µs since the run started: the command was sent, its reply came (EXEC's, for a queued one). */
  invoked: number;
  completed: number;
  /**
   * `ok`: acknowledged; `fail`: an error reply, or never sent (the node was down): not applied;
   * `info`: sent, but the connection went away before the reply: it may have been applied.
   */
  outcome: WriteOutcome;
  /**
   * What had happened when it was sent: each node's log size in bytes and the number of crashes the
   * runner had made. A log line within those bytes was written before the write was invoked.
   */
  seen: Seen;
}

export interface Seen {
  logs: Readonly<Record<string, number>>;
  kills: number;
}

/** What one connection is in: its database, and the commands a MULTI queued. */
interface ConnState {
  db: number;
  queued: { args: string[]; invoked: number; seen: Seen }[] | null;
}

const NOT_WRITES = new Set(['MULTI', 'EXEC', 'DISCARD', 'SELECT', 'WATCH', 'UNWATCH']);

export class WriteRecorder {
  readonly writes: RealWrite[] = [];
  private readonly conns = new WeakMap<object, ConnState>();

  private state(conn: object): ConnState {
    let s = this.conns.get(conn);
    if (!s) this.conns.set(conn, (s = { db: 0, queued: null }));
    return s;
  }

  /**
   * A command's reply on `conn` (the node's connection when it was sent; null: the node was down,
   * nothing was sent). `reply` undefined: the connection went away first. Replies on one connection
   * come in the order sent, so pipelined commands are noted in their order.
   */
  note(node: string, conn: object | null, args: readonly (string | number)[], invoked: number, seen: Seen, completed: number, reply: RespValue | 'exited' | undefined): void {
    const a = args.map(String);
    const name = (a[0] ?? '').toUpperCase();
    if (conn === null) {
      if (!NOT_WRITES.has(name)) this.writes.push({ node, db: 0, args: a, invoked, completed, outcome: 'fail', seen });
      return;
    }
    const s = this.state(conn);
    if (reply === 'QUEUED' && s.queued !== null) {
      s.queued.push({ args: a, invoked, seen });
      return;
    }
    const ok = reply !== undefined && reply !== 'exited' && !(reply instanceof RespError);
    switch (name) {
      case 'MULTI':
        if (ok) s.queued = [];
        return;
      case 'DISCARD':
        if (ok) s.queued = null;
        return;
      case 'SELECT':
        if (ok) s.db = Number(a[1]);
        return;
      case 'EXEC': {
        const queued = s.queued;
        s.queued = null;
        if (queued === null) return;
        // an EXEC refused (EXECABORT) ran nothing; one whose reply never came may have run all
        const replies = Array.isArray(reply) ? reply : null;
        if (replies === null && reply !== undefined) return;
        queued.forEach((q, i) => {
          const qname = q.args[0]!.toUpperCase();
          const r = replies?.[i];
          const qok = replies !== null && !(r instanceof RespError);
          if (qname === 'SELECT') {
            if (qok || replies === null) s.db = Number(q.args[1]);
          } else if (!NOT_WRITES.has(qname)) this.writes.push({ node, db: s.db, args: q.args, invoked: q.invoked, completed, outcome: replies === null ? 'info' : qok ? 'ok' : 'fail', seen: q.seen });
        });
        return;
      }
      default:
        if (NOT_WRITES.has(name)) return;
        this.writes.push({ node, db: s.db, args: a, invoked, completed, outcome: ok ? 'ok' : reply === undefined || reply === 'exited' ? 'info' : 'fail', seen });
    }
  }
}
