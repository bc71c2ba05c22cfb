// The real backend's events, read from a redis-server 7.0.15 log (loglevel notice): PSYNC decisions,
// replication id changes, roles, links, syncs, FAILOVER, stops, with the simulator's type and field
// names (sim/trace-events.ts). A field the log does not give is left out; mergeLogEvents() joins nodes.

type Role = 'master' | 'slave';

/** What every event read from a log carries: `t` µs since the origin, `ms` the line's clock, its line number. */
export type LogBase = {
  t: number;
  /** The line's timestamp in ms since 1970, its local time read as UTC (epoch ms when the server runs with TZ=UTC). */
  ms: number;
  node: string;
  /** 1-based line number in the log file. */
  line: number;
};

export type LogEvent = LogBase &
  (
    | { type: 'redis.start'; role: Role; master_host?: string | null; pid: number }
    /** `crash`: a SIGKILL, which the process cannot log: the runner adds it (line 0). */
    | { type: 'redis.stop'; how: 'shutdown' | 'crash'; saved: boolean }
    | { type: 'redis.role'; role: Role; master_host: string | null }
    | {
        type: 'redis.replid';
        reason: string;
        prev_replid?: string;
        replid?: string;
        replid2: string;
        second_repl_offset?: number;
        master_repl_offset?: number;
      }
    | {
        type: 'redis.psync';
        replica: string;
        result: 'continue' | 'full';
        reason: string;
        requested_replid?: string;
        requested_offset?: number;
        master_replid?: string;
        master_replid2?: string;
        second_repl_offset?: number;
        master_repl_offset?: number;
        /** +CONTINUE: the backlog bytes sent ("Sending N bytes of backlog"). */
        backlog_bytes?: number;
      }
    | { type: 'redis.sync'; master: string; kind: 'full' | 'continue'; replid?: string; offset?: number }
    | { type: 'redis.link'; master_host: string | null; status: 'up' | 'down' }
    | { type: 'redis.replica-drop'; replica: string; reason?: string }
    | { type: 'redis.timeout'; what: string }
    | { type: 'redis.failover'; state: 'waiting-for-sync' | 'failover-in-progress' | 'no-failover'; target: string | null }
    | { type: 'redis.failover-abort'; reason: string }
    /**
     * The replica's side of a PSYNC (no simulator event has it): what it asked `master` for, and the
     * answer, which tells which id a +CONTINUE matched (mergeLogEvents() hands it to the master's event).
     */
    | {
        type: 'x.psync-request';
        master: string | null;
        requested_replid: string;
        requested_offset: number;
        answer?: 'continue' | 'continue-new-id' | 'full' | 'error';
      }
  );

export interface ParseOptions {
  node: string;
  /** The node an address in the log belongs to, or null (the event then names "host:port"). */
  nameOf(host: string, port: number): string | null;
  /** The ms that `t` counts from; default: the first line's. */
  originMs?: number;
}

const ZERO_ID = '0'.repeat(40);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// pid:role dd Mon yyyy hh:mm:ss.mmm level message (serverLogRaw(); role C X S M, level . - * #)
const LINE = /^(\d+):([CXSM]) (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) [.\-*#] (.*)$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

interface Line {
  pid: number;
  role: string;
  ms: number;
  msg: string;
  no: number;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const m = LINE.exec(raw.replace(/\r$/, ''));
    if (!m) return;
    const month = MONTHS.indexOf(m[4]!) + 1;
    if (month === 0) return;
    const days = daysFromCivil(Number(m[5]), month, Number(m[3]));
    const ms = ((days * 24 + Number(m[6])) * 60 + Number(m[7])) * 60_000 + Number(m[8]) * 1000 + Number(m[9]);
    out.push({ pid: Number(m[1]), role: m[2]!, ms, msg: m[10]!, no: i + 1 });
  });
  return out;
}

type PsyncRequest = Extract<LogEvent, { type: 'x.psync-request' }>;
type FailoverState = Extract<LogEvent, { type: 'redis.failover' }>['state'];
type Body = LogEvent extends infer E ? (E extends LogEvent ? Omit<E, keyof LogBase> : never) : never;

/** Lines replicationUnsetMaster() logs between a cause (a failover request, an abort) and the id shift. */
const UNSET_MASTER_LINES = /^(Connection with master lost\.|Caching the disconnected master state\.|Discarding previously cached master state\.)$/;

/** The events of one node's log, in log order. */
export function parseRedisLog(text: string, opts: ParseOptions): LogEvent[] {
  const lines = splitLines(text);
  const origin = opts.originMs ?? lines[0]?.ms ?? 0;
  const out: LogEvent[] = [];
  const addr = (host: string, port: number) => opts.nameOf(host, port) ?? `${host}:${port}`;
  const hostPort = (s: string): string => {
    const i = s.lastIndexOf(':');
    return i < 0 ? s : addr(s.slice(0, i), Number(s.slice(i + 1)));
  };

  // what this process is known to be: reset by every start (ids are random at boot, or from an RDB)
  let mainPid = -1;
  let role: Role | null = null;
  let master: string | null = null;
  let replid: string | null = null;
  let replid2: string | null = null;
  const fo = { state: 'no-failover' as FailoverState }; // an object: TS does not narrow it across closures
  let pendingStart: { line: Line } | null = null;
  let asking: string | null = null; // "Replica X asks for synchronization" awaiting its decision
  let request = null as PsyncRequest | null;
  let fullFrom: { replid: string; offset: number } | null = null;
  let shiftCause: 'psync-failover' | 'failover-aborted' | null = null;
  let dropReason: { replica: string; reason: string } | null = null;
  let savingOnShutdown = false;
  let savedOnShutdown = false;
  let cur: Line;

  const emit = (body: Body): void => {
    if (pendingStart && body.type !== 'redis.start') flushStart(undefined);
    out.push({ t: (cur.ms - origin) * 1000, ms: cur.ms, node: opts.node, line: cur.no, ...body } as LogEvent);
  };
  const flushStart = (masterHost: string | null | undefined): void => {
    const p = pendingStart!;
    pendingStart = null;
    const ev = { t: (p.line.ms - origin) * 1000, ms: p.line.ms, node: opts.node, line: p.line.no, type: 'redis.start' as const, role: role!, pid: mainPid };
    out.push(masterHost === undefined ? ev : { ...ev, master_host: masterHost });
  };
  const setRole = (r: Role, m: string | null): void => {
    if (role !== r || master !== m) emit({ type: 'redis.role', role: r, master_host: m });
    role = r;
    master = m;
  };
  const failoverState = (state: FailoverState, target: string | null): void => {
    fo.state = state;
    emit({ type: 'redis.failover', state, target });
  };

  for (const l of lines) {
    cur = l;
    const msg = l.msg;
    let m: RegExpExecArray | null;
    if (msg.startsWith('oO0OoO0OoO0Oo Redis is starting')) {
      if (pendingStart) flushStart(undefined);
      mainPid = l.pid;
      role = null;
      master = null;
      replid = replid2 = null;
      fo.state = 'no-failover';
      asking = null;
      request = null;
      fullFrom = null;
      shiftCause = null;
      savingOnShutdown = savedOnShutdown = false;
      continue;
    }
    if (l.role === 'C' || l.role === 'X' || (mainPid !== -1 && l.pid !== mainPid)) continue; // children, Sentinel
    if (mainPid === -1) mainPid = l.pid; // a log that starts mid-process
    if (shiftCause !== null && !UNSET_MASTER_LINES.test(msg) && !msg.startsWith('Setting secondary replication ID')) shiftCause = null;

    if (msg === 'Ready to accept connections') {
      role = l.role === 'S' ? 'slave' : 'master';
      pendingStart = { line: l };
      if (role === 'master') flushStart(null);
    } else if ((m = /^(?:Re)?[Cc]onnecting to MASTER (\S+):(\d+)(?: after failure)?$/.exec(msg))) {
      const to = addr(m[1]!, Number(m[2]));
      if (pendingStart) {
        master = to;
        flushStart(to);
      } else setRole('slave', to);
    } else if ((m = /^Replica (\S+) asks for synchronization$/.exec(msg))) {
      asking = hostPort(m[1]!);
    } else if ((m = /^Partial resynchronization not accepted: Replication ID mismatch \(Replica asked for '(\w+)', my replication IDs are '(\w+)' and '(\w+)'\)$/.exec(msg))) {
      replid = m[2]!;
      replid2 = m[3]!;
      emit({ type: 'redis.psync', replica: asking ?? '?', result: 'full', reason: 'replication ID mismatch', requested_replid: m[1]!, master_replid: m[2]!, master_replid2: m[3]! });
      asking = null;
    } else if ((m = /^Partial resynchronization not accepted: Requested offset for second ID was (-?\d+), but I can reply up to (-?\d+)$/.exec(msg))) {
      const reason = `requested offset for second ID was ${m[1]}, but I can reply up to ${m[2]}`;
      emit({ type: 'redis.psync', replica: asking ?? '?', result: 'full', reason, requested_offset: Number(m[1]), second_repl_offset: Number(m[2]) });
      asking = null;
    } else if ((m = /^Full resync requested by replica (\S+)$/.exec(msg))) {
      emit({ type: 'redis.psync', replica: hostPort(m[1]!), result: 'full', reason: 'full resync requested by replica', requested_replid: '?', requested_offset: -1 });
      asking = null;
    } else if ((m = /^Unable to partial resync with replica (\S+) for lack of backlog \(Replica request was: (-?\d+)\)\.$/.exec(msg))) {
      emit({ type: 'redis.psync', replica: hostPort(m[1]!), result: 'full', reason: `lack of backlog (wanted ${m[2]})`, requested_offset: Number(m[2]) });
      asking = null;
    } else if ((m = /^Partial resynchronization request from (\S+) accepted\. Sending (\d+) bytes of backlog starting from offset (-?\d+)\.$/.exec(msg))) {
      const bytes = Number(m[2]);
      const from = Number(m[3]);
      // with no second id only the primary one can have matched; otherwise the replica's side tells
      const reason = replid2 === ZERO_ID ? 'replid match' : 'accepted';
      emit({ type: 'redis.psync', replica: hostPort(m[1]!), result: 'continue', reason, requested_offset: from, backlog_bytes: bytes, master_repl_offset: from + bytes - 1 });
      asking = null;
    } else if ((m = /^Replication backlog created, my new replication IDs are '(\w+)' and '(\w+)'$/.exec(msg))) {
      const prev = replid;
      replid = m[1]!;
      replid2 = m[2]!;
      emit({ type: 'redis.replid', reason: 'first-replica', ...(prev !== null ? { prev_replid: prev } : {}), replid, replid2, second_repl_offset: -1 });
    } else if ((m = /^Setting secondary replication ID to (\w+), valid up to offset: (-?\d+)\. New replication ID is (\w+)$/.exec(msg))) {
      // shiftReplicationId() runs only in replicationUnsetMaster(): this is the promotion
      replid2 = m[1]!;
      replid = m[3]!;
      const second = Number(m[2]);
      emit({ type: 'redis.replid', reason: shiftCause ?? 'replicaof-no-one', prev_replid: replid2, replid, replid2, second_repl_offset: second, master_repl_offset: second - 1 });
      setRole('master', null);
      if (shiftCause === 'failover-aborted') failoverState('no-failover', null);
      shiftCause = null;
    } else if (msg.startsWith('Failover request received for replid ')) {
      shiftCause = 'psync-failover';
    } else if ((m = /^Replication backlog freed after \d+ seconds without connected replicas\.$/.exec(msg))) {
      const prev = replid;
      replid = null; // changeReplicationId(): a new random id the log does not print
      replid2 = ZERO_ID;
      emit({ type: 'redis.replid', reason: 'backlog-ttl', ...(prev !== null ? { prev_replid: prev } : {}), replid2: ZERO_ID, second_repl_offset: -1 });
    } else if ((m = /^Trying a partial resynchronization \(request (\w+):(-?\d+)\)\.$/.exec(msg))) {
      emit({ type: 'x.psync-request', master, requested_replid: m[1]!, requested_offset: Number(m[2]) });
      if (replid === null) replid = m[1]!; // a replica's cached master carries its own id
      request = out[out.length - 1] as PsyncRequest;
    } else if (msg === 'Partial resynchronization not possible (no cached master)') {
      emit({ type: 'x.psync-request', master, requested_replid: '?', requested_offset: -1 });
      request = out[out.length - 1] as PsyncRequest;
    } else if ((m = /^Full resync from master: (\w+):(-?\d+)$/.exec(msg))) {
      fullFrom = { replid: m[1]!, offset: Number(m[2]) };
      if (request) request.answer = 'full';
      if (fo.state === 'failover-in-progress') failoverState('no-failover', null);
    } else if (msg === 'Successful partial resynchronization with master.') {
      if (request) request.answer = 'continue';
    } else if ((m = /^Master replication ID changed to (\w+)$/.exec(msg))) {
      const prev = request?.requested_replid;
      replid2 = prev ?? null;
      replid = m[1]!;
      if (request) request.answer = 'continue-new-id';
      const off = request?.requested_offset;
      emit({
        type: 'redis.replid', reason: 'continue-new-id', ...(prev !== undefined ? { prev_replid: prev } : {}), replid, replid2: prev ?? '?',
        ...(off !== undefined ? { second_repl_offset: off, master_repl_offset: off - 1 } : {}),
      });
    } else if (msg === 'MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.') {
      if (request && request.requested_replid !== '?' && request.answer === 'continue') replid = request.requested_replid;
      const off = request?.requested_offset;
      emit({ type: 'redis.sync', master: master ?? '?', kind: 'continue', ...(replid !== null ? { replid } : {}), ...(off !== undefined ? { offset: off - 1 } : {}) });
      emit({ type: 'redis.link', master_host: master, status: 'up' });
      if (fo.state === 'failover-in-progress') failoverState('no-failover', null);
      request = null;
    } else if (msg === 'MASTER <-> REPLICA sync: Finished with success') {
      const prev = replid;
      if (fullFrom) {
        replid = fullFrom.replid;
        replid2 = ZERO_ID;
        emit({ type: 'redis.replid', reason: 'full-sync', ...(prev !== null ? { prev_replid: prev } : {}), replid, replid2, second_repl_offset: -1, master_repl_offset: fullFrom.offset });
      }
      emit({ type: 'redis.sync', master: master ?? '?', kind: 'full', ...(fullFrom ? { replid: fullFrom.replid, offset: fullFrom.offset } : {}) });
      emit({ type: 'redis.link', master_host: master, status: 'up' });
      fullFrom = null;
      request = null;
    } else if (/^(Master is currently unable to PSYNC|Master does not support PSYNC|Unexpected reply to PSYNC)/.test(msg)) {
      if (request) request.answer = 'error';
    } else if (msg === 'Connection with master lost.') {
      emit({ type: 'redis.link', master_host: master, status: 'down' });
    } else if ((m = /^Connection with replica (\S+) lost\.$/.exec(msg))) {
      const replica = hostPort(m[1]!);
      const reason = dropReason?.replica === replica ? dropReason.reason : undefined;
      emit({ type: 'redis.replica-drop', replica, ...(reason !== undefined ? { reason } : {}) });
      dropReason = null;
    } else if ((m = /^Disconnecting timedout replica \((streaming|full) sync\): (\S+)$/.exec(msg))) {
      dropReason = { replica: hostPort(m[2]!), reason: m[1] === 'full' ? 'timeout (full sync)' : 'timeout' };
    } else if (msg === 'Timeout connecting to the MASTER...') {
      emit({ type: 'redis.timeout', what: 'connecting to master' });
    } else if (msg.startsWith('Timeout receiving bulk data from MASTER...')) {
      emit({ type: 'redis.timeout', what: 'receiving bulk data from master' });
    } else if (msg === 'MASTER timeout: no data nor PING received...') {
      emit({ type: 'redis.timeout', what: 'master: no data nor PING received' });
    } else if ((m = /^FAILOVER requested to (?:(\S+):(\d+)|any replica)\.$/.exec(msg))) {
      failoverState('waiting-for-sync', m[1] !== undefined ? addr(m[1], Number(m[2])) : null);
    } else if ((m = /^(?:Failover target (\S+):(\d+) is synced, failing over|FAILOVER to (\S+):(\d+) time out exceeded, failing over)\.$/.exec(msg))) {
      failoverState('failover-in-progress', m[1] !== undefined ? addr(m[1], Number(m[2])) : addr(m[3]!, Number(m[4])));
    } else if ((m = /^FAILOVER to (?:\S+:\d+|any replica) aborted: (.*)$/.exec(msg))) {
      const inProgress = fo.state === 'failover-in-progress';
      emit({ type: 'redis.failover-abort', reason: m[1]! });
      if (inProgress) shiftCause = 'failover-aborted'; // the promotion's lines follow; no-failover after them
      else failoverState('no-failover', null);
    } else if (msg === 'Saving the final RDB snapshot before exiting.') {
      savingOnShutdown = true;
    } else if (msg === 'DB saved on disk' && savingOnShutdown) {
      savedOnShutdown = true;
    } else if (/ is now ready to exit, bye bye\.\.\.$/.test(msg)) {
      emit({ type: 'redis.stop', how: 'shutdown', saved: savedOnShutdown });
    }
  }
  if (pendingStart) {
    cur = pendingStart.line;
    flushStart(undefined);
  }
  return out;
}

/**
 * The logs of all nodes as one sequence: ordered by the lines' clock (ties keep the order of
 * `perNode`, then each log's own order), `t` counted from `originMs` (default: the earliest event).
 * Each master's +CONTINUE is paired with the replica's request to it (the replica's latest
 * x.psync-request to that master at or before it), which gives the requested id and which id
 * matched ('replid match' when the replica kept its id, 'replid2 match' when the master's answer
 * changed it).
 */
export function mergeLogEvents(perNode: readonly (readonly LogEvent[])[], opts: { originMs?: number } = {}): LogEvent[] {
  const all = perNode.flatMap((evs, n) => evs.map((e, i) => ({ e: { ...e } as LogEvent, n, i })));
  all.sort((a, b) => a.e.ms - b.e.ms || a.n - b.n || a.i - b.i);
  const origin = opts.originMs ?? all[0]?.e.ms ?? 0;
  const merged = all.map(({ e }) => {
    e.t = (e.ms - origin) * 1000;
    return e;
  });
  const used = new Set<LogEvent>();
  for (const e of merged) {
    if (e.type !== 'redis.psync') continue;
    // the replica logs its request before sending it, so at or before the master's line (one clock)
    let req: PsyncRequest | null = null;
    for (const r of merged) {
      if (r.ms > e.ms) break;
      if (r.type === 'x.psync-request' && r.node === e.replica && r.master === e.node && !used.has(r)) req = r;
    }
    if (!req) continue;
    used.add(req);
    if (e.requested_replid === undefined) e.requested_replid = req.requested_replid;
    if (e.requested_offset === undefined) e.requested_offset = req.requested_offset;
    if (e.result === 'continue' && e.reason === 'accepted') {
      if (req.answer === 'continue') e.reason = 'replid match';
      else if (req.answer === 'continue-new-id') e.reason = 'replid2 match';
    }
  }
  return merged;
}
