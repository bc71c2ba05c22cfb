// An application client: a process on its own host of the virtual network, talking RESP to Redis
// nodes over connections that partitions, loss, latency, resets and crashes act on. One operation at
// a time (a Jepsen process): the next waits for the previous one to complete. Each operation ends in
// the client's history (a `client.op` trace event) as ok, fail (an error reply, or never sent) or
// info (sent, then a timeout or a reset: it may or may not have been applied).
//
// Connections are cached per node; a reply timeout closes the connection (as redis-py's
// socket_timeout and ioredis's commandTimeout do), a failed connection backs off before the next
// attempt (100 ms doubling to 2 s), and an operation to a node in back-off fails at once without being
// sent. Discovery: `fixed` always talks to one node; `follow-orchestrator` asks the orchestrator for
// the master once and keeps the answer until a READONLY, a timeout or a reset makes it ask again.

import type { Scheduler } from '../kernel/scheduler.js';
import type { Trace } from '../kernel/trace.js';
import type { Network, Socket, SocketHandler } from '../net/network.js';
import type { NetCloseReason } from '../trace-events.js';
import type { ToMaster, ToReplica } from '../redis/link.js';
import { respCommandBytes } from '../redis/resp.js';
import { isError, replyText, type Reply } from '../redis/reply.js';
import { DEFAULTS } from '../scenario/schema.js';

export type Discovery = 'fixed' | 'follow-orchestrator' | 'sentinel';

export interface ClientSpec {
  /** The node whose partition group the client joins when a partition does not name it. */
  near?: string;
  /** Reply (and connect) timeout (default: the scenario format's, 1 s). */
  timeoutUs?: number;
  discovery?: Discovery;
  /** The node a `fixed` client talks to (default: `near`). */
  node?: string;
  /** The Sentinels a `sentinel` client asks, in order, and the master name it asks them for. */
  sentinels?: string[];
  masterName?: string;
}

const DEFAULT_CLIENT_TIMEOUT_US = DEFAULTS.client.timeoutMs * 1000;
const BACKOFF_MIN_US = 100_000;
const BACKOFF_MAX_US = 2_000_000;

/** What one command of an operation came back with. */
export type CommandResult =
  | { kind: 'reply'; reply: Reply; ackedBy?: string[] }
  /** Never sent: no node known, back-off, or the connection could not be opened. */
  | { kind: 'unsent'; why: string }
  /** Sent, and then the reply timed out or the connection closed. */
  | { kind: 'lost'; why: string };

interface Request {
  args: string[];
  done: (r: CommandResult) => void;
  timer: number | null;
}

class Conn {
  sock: Socket | null = null;
  open = false;
  /** Requests sent, waiting for their replies, in order. */
  readonly inflight: Request[] = [];
  /** Requests waiting for the connection to open. */
  readonly queued: Request[] = [];
  /** The database selected on this connection (by a SELECT the server accepted). */
  db = 0;
  constructor(readonly node: string) {}
}

/** How a client finds the node to send to (the orchestrator's master for follow-orchestrator). */
export type MasterHint = () => string | null;

export interface OpOptions {
  /** SELECT this database first (the connection keeps it for later operations). */
  db?: number;
  /** After an ok reply, WAIT numreplicas timeoutMs (recorded with the operation). */
  wait?: { replicas: number; timeoutMs: number };
  /** Send to this node rather than the discovered one. */
  node?: string;
}

export interface OpResult {
  outcome: 'ok' | 'fail' | 'info';
  reply: Reply | null;
  node: string | null;
  /** Error text for fail / info. */
  error: string | null;
  invokedUs: number;
  completedUs: number;
}

export class NetClient {
  private readonly conns = new Map<string, Conn>();
  private readonly backoff = new Map<string, { untilUs: number; failures: number }>();
  /** The node discovery settled on, until something makes it ask again. */
  private cached: string | null = null;
  /** A `sentinel` client is asking its Sentinels (operations wait), or has asked for the next one. */
  private discovering = false;
  private asked = false;
  private readonly queue: { args: string[][]; opts: OpOptions; done: (r: OpResult) => void }[] = [];
  private nextOp = 1;
  /** Commands a server answered QUEUED, waiting for the EXEC or DISCARD of a later operation. */
  private txQueued: string[][] = [];
  /** The operation in flight, null when idle; calling it ends the operation (endRun()). */
  private current: ((outcome: OpResult['outcome'], reply: Reply | null, error: string | null) => void) | null = null;
  /** The last value number handed out (nextValue()): unique in the run, whatever runs the client. */
  private valueSeq = 0;
  readonly timeoutUs: number;
  readonly discovery: Discovery;

  constructor(
    readonly name: string,
    readonly spec: ClientSpec,
    private readonly sched: Scheduler,
    private readonly net: Network,
    private readonly trace: Trace,
    private readonly masterHint: MasterHint,
  ) {
    this.timeoutUs = spec.timeoutUs ?? DEFAULT_CLIENT_TIMEOUT_US;
    this.discovery = spec.discovery ?? (spec.node !== undefined ? 'fixed' : 'follow-orchestrator');
  }

  /** The node the next operation goes to, or null when none is known. */
  target(): string | null {
    if (this.discovery === 'fixed') return this.spec.node ?? this.spec.near ?? null;
    if (this.discovery === 'sentinel') return this.cached;
    this.cached ??= this.masterHint();
    return this.cached;
  }

  /**
   * Ask the Sentinels in order for the master's address (SENTINEL get-master-addr-by-name, as
   * redis-py's and ioredis's Sentinel clients do), the first answer wins; then run the waiting
   * operation (which fails with "no master known" when none answered).
   */
  private askSentinels(i: number): void {
    const list = this.spec.sentinels ?? [];
    if (i >= list.length) {
      this.discovering = false;
      this.asked = true;
      return this.runNext();
    }
    this.send(list[i]!, ['SENTINEL', 'get-master-addr-by-name', this.spec.masterName ?? 'mymaster'], (r) => {
      if (r.kind === 'reply' && Array.isArray(r.reply) && typeof r.reply[0] === 'string') {
        this.cached = r.reply[0];
        this.discovering = false;
        this.asked = true;
        return this.runNext();
      }
      this.askSentinels(i + 1);
    });
  }

  /** Forget the discovered node (READONLY, timeout, reset): the next operation asks again. */
  rediscover(): void {
    this.cached = null;
  }

  /** A number for the next value this client writes: 1, 2, ... over the whole run. */
  nextValue(): number {
    return ++this.valueSeq;
  }

  /**
   * Run one operation: its commands in order on one connection (a MULTI ... EXEC is one operation),
   * stopping at the first that is not answered. `done` gets the outcome of the operation, judged by
   * the last command's reply (an EXEC's array, a SET's OK); each plain SET, and each command of an
   * executed transaction, is recorded in the history.
   */
  op(commands: string[][], opts: OpOptions, done: (r: OpResult) => void): void {
    this.queue.push({ args: commands, opts, done });
    this.runNext();
  }

  /** Start the next queued operation, unless one is in flight (`current`). */
  private runNext(): void {
    if (this.current !== null || this.discovering) return;
    if (this.discovery === 'sentinel' && this.cached === null && !this.asked && this.queue.length > 0 && this.queue[0]!.opts.node === undefined) {
      this.discovering = true;
      return this.askSentinels(0);
    }
    this.asked = false;
    const next = this.queue.shift();
    if (!next) return;
    const invokedUs = this.sched.nowUs;
    const node = next.opts.node ?? this.target();
    const finish = (outcome: OpResult['outcome'], reply: Reply | null, error: string | null, wait?: { replicas: number; acked_by: string[] }) => {
      if (this.current !== finish) return; // already ended (the run ended with it in flight)
      this.current = null;
      const r: OpResult = { outcome, reply, node, error, invokedUs, completedUs: this.sched.nowUs };
      this.record(next.args, db, r, wait);
      next.done(r);
      this.runNext();
    };
    this.current = finish;
    // the database the operation runs in: its SELECT's, else the one the connection is on
    const db = next.opts.db ?? (node !== null ? this.conns.get(node)?.db ?? 0 : 0);
    if (node === null) return finish('fail', null, 'no master known');
    const cmds = next.opts.db !== undefined ? [['SELECT', String(next.opts.db)], ...next.args] : next.args;
    let i = 0;
    const txStart = cmds.findIndex((c) => c[0]!.toUpperCase() === 'MULTI');
    const inTx = txStart >= 0;
    const step = (res: CommandResult): void => {
      const isLast = i === cmds.length - 1;
      // only the last command can have applied anything (a SELECT or a queued command alone cannot)
      if (res.kind === 'unsent') return finish('fail', null, res.why);
      if (res.kind === 'lost') return finish(isLast ? 'info' : 'fail', null, res.why);
      const reply = res.reply;
      // a command refused while a transaction queues (READONLY, NOREPLICAS ...) makes EXEC abort:
      // send the rest, so that EXEC ends the transaction on the connection
      const queueing = inTx && i > txStart && !isLast;
      if (isError(reply) && reply.message.startsWith('READONLY')) this.rediscover();
      if (isError(reply) && !queueing) {
        // a refused SELECT, MULTI or EXEC: the operation did not happen
        return finish('fail', reply, reply.message);
      }
      if (!isLast) {
        i++;
        return this.send(node, cmds[i]!, step);
      }
      const w = next.opts.wait;
      if (!w) return finish('ok', reply, null);
      // the write is acknowledged; WAIT only adds how many replicas have it
      this.send(node, ['WAIT', String(w.replicas), String(w.timeoutMs)], (wr) => {
        const acked = wr.kind === 'reply' && typeof wr.reply === 'number' ? { replicas: wr.reply, acked_by: wr.ackedBy ?? [] } : undefined;
        finish('ok', reply, null, acked);
      }, w.timeoutMs * 1000);
    };
    this.send(node, cmds[0]!, step);
  }

  private record(commands: string[][], db: number, r: OpResult, wait?: { replicas: number; acked_by: string[] }): void {
    // each event is written out field by field in one order (t, type, client, node, invoked, db,
    // outcome, id, args, reply, wait): the trace hash and the JSON line follow it
    const t = r.completedUs;
    const client = this.name;
    const node = r.node;
    const invoked = r.invokedUs;
    const reply = r.outcome === 'ok' ? replyText(r.reply) : r.error ?? replyText(r.reply);
    const last = commands[commands.length - 1]!;
    const lastName = last[0]!.toUpperCase();
    // a transaction's commands are recorded one by one at EXEC, each with EXEC's reply for it: in
    // one operation (MULTI ... EXEC), or across operations (a command answered QUEUED waits for
    // the EXEC or DISCARD that ends it)
    let tx: string[][] | null = null;
    if (commands[0]![0]!.toUpperCase() === 'MULTI') tx = commands.slice(1, -1);
    else if (r.outcome === 'ok' && r.reply === 'QUEUED') {
      this.txQueued.push(last);
      return;
    } else if ((lastName === 'EXEC' || lastName === 'DISCARD') && this.txQueued.length > 0) {
      tx = this.txQueued;
      this.txQueued = [];
    }
    if (tx) {
      const replies = lastName === 'EXEC' && r.outcome === 'ok' && Array.isArray(r.reply) ? r.reply : null;
      const dropped = lastName === 'DISCARD' && r.outcome === 'ok';
      tx.forEach((args, k) => {
        const one = replies ? replies[k]! : null;
        const outcome = replies ? (isError(one) ? 'fail' : 'ok') : dropped ? 'fail' : r.outcome;
        this.trace.emit({ t, type: 'client.op', client, node, invoked, db, outcome, id: this.nextOp++, args, reply: replies ? replyText(one) : dropped ? 'DISCARD' : reply });
      });
    } else if (wait) {
      this.trace.emit({ t, type: 'client.op', client, node, invoked, db, outcome: r.outcome, id: this.nextOp++, args: last, reply, wait });
    } else {
      this.trace.emit({ t, type: 'client.op', client, node, invoked, db, outcome: r.outcome, id: this.nextOp++, args: last, reply });
    }
  }

  /**
   * The run is over: an operation still in flight is indeterminate (it may have been applied, its
   * reply never came), and one still queued never started.
   */
  endRun(): void {
    this.queue.length = 0;
    this.current?.('info', null, 'the run ended before the reply');
  }

  // ---- connections ----

  private send(node: string, args: string[], done: (r: CommandResult) => void, extraTimeoutUs = 0): void {
    const b = this.backoff.get(node);
    let c = this.conns.get(node);
    if (!c) {
      if (b && b.untilUs > this.sched.nowUs) {
        if (this.cached === node) this.rediscover(); // the orchestrator may know a better node by now
        return done({ kind: 'unsent', why: `reconnecting to ${node} (back-off until ${(b.untilUs / 1000).toFixed(3)} ms)` });
      }
      c = this.connect(node);
    }
    const req: Request = { args, done, timer: null };
    if (!c.open) {
      c.queued.push(req);
      return;
    }
    this.transmit(c, req, extraTimeoutUs);
  }

  private transmit(c: Conn, req: Request, extraTimeoutUs = 0): void {
    c.inflight.push(req);
    const msg: ToMaster = { k: 'cmd', args: req.args };
    this.net.send(c.sock!, msg, respCommandBytes(req.args));
    req.timer = this.sched.after(this.timeoutUs + extraTimeoutUs, () => {
      req.timer = null;
      this.drop(c, `no reply from ${c.node} within ${(this.timeoutUs + extraTimeoutUs) / 1000} ms`, true);
    }, null);
  }

  private connect(node: string): Conn {
    const c = new Conn(node);
    this.conns.set(node, c);
    const handler: SocketHandler = {
      onOpen: () => {
        c.open = true;
        this.backoff.delete(node);
        const waiting = c.queued.splice(0);
        for (const r of waiting) this.transmit(c, r);
      },
      onMessage: (_s, payload) => {
        const m = payload as ToReplica;
        if (m.k !== 'client-reply') return;
        const req = c.inflight.shift();
        if (!req) return;
        if (req.timer !== null) this.sched.cancel(req.timer);
        if (req.args[0]!.toUpperCase() === 'SELECT' && !isError(m.reply)) c.db = Number(req.args[1]);
        req.done({ kind: 'reply', reply: m.reply, ...(m.ackedBy ? { ackedBy: m.ackedBy } : {}) });
      },
      onClose: (_s, reason: NetCloseReason) => this.drop(c, `connection to ${node} ${reason === 'closed' ? 'closed by the server' : reason}`, false),
    };
    c.sock = this.net.connect(this.name, node, handler, this.timeoutUs);
    return c;
  }

  /** The connection is gone (or we give up on it): everything on it fails, the node backs off. */
  private drop(c: Conn, why: string, closeIt: boolean): void {
    if (this.conns.get(c.node) !== c) return;
    this.conns.delete(c.node);
    if (closeIt && c.sock && c.sock.state !== 'closed') this.net.close(c.sock);
    if (!c.open) {
      const prev = this.backoff.get(c.node)?.failures ?? 0;
      this.backoff.set(c.node, { untilUs: this.sched.nowUs + Math.min(BACKOFF_MIN_US * 2 ** prev, BACKOFF_MAX_US), failures: prev + 1 });
    }
    if (this.discovery !== 'fixed' && this.cached === c.node) this.rediscover();
    for (const r of c.inflight.splice(0)) {
      if (r.timer !== null) this.sched.cancel(r.timer);
      r.done({ kind: 'lost', why });
    }
    for (const r of c.queued.splice(0)) r.done({ kind: 'unsent', why });
    // the server forgot a transaction with the connection (an EXEC lost above recorded its commands)
    this.txQueued = [];
  }
}
