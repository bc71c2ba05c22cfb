// parseRedisLog() and mergeLogEvents() on logs of real redis-server 7.0.15 (test/fixtures/real-logs,
// captured by capture.sh there): every decision line becomes one event, fields as the lines give them.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeLogEvents, parseRedisLog, type LogEvent } from '../../../sim/backends/real/log-events.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'real-logs');
const PORTS: Record<number, string> = { 23101: 'm', 23102: 'r1', 23103: 'r2', 23104: 'x' };
const nameOf = (host: string, port: number) => (host === '127.0.0.1' ? PORTS[port] ?? null : null);
const text = (set: string, node: string) => readFileSync(join(DIR, `${set}-${node}.log`), 'utf8');
const parse = (set: string, node: string) => parseRedisLog(text(set, node), { node, nameOf });
const merged = (set: string, nodes: string[]) => mergeLogEvents(nodes.map((n) => parse(set, n)));
const SETS: Record<string, string[]> = { promotion: ['m', 'r1', 'r2', 'x'], backlog: ['m', 'r1', 'r2'], 'failover-abort': ['m', 'r1', 'x'] };

type Of<T extends LogEvent['type']> = Extract<LogEvent, { type: T }>;
const ofType = <T extends LogEvent['type']>(evs: LogEvent[], type: T, node?: string) => evs.filter((e): e is Of<T> => e.type === type && (node === undefined || e.node === node));
/** The event's fields but those that locate it (t, ms, line). */
const fields = (e: LogEvent) => {
  const { t: _t, ms: _ms, line: _l, ...rest } = e;
  return rest;
};

const DECISION = /Partial resynchronization not accepted|Full resync requested by replica|Unable to partial resync with replica|Partial resynchronization request from .* accepted/;

describe('parseRedisLog', () => {
  it('one redis.psync per decision line, on the line that made it, each after a "Replica ... asks for synchronization"', () => {
    let total = 0;
    for (const [set, nodes] of Object.entries(SETS)) {
      for (const node of nodes) {
        const lines = text(set, node).split('\n');
        const decisionLines = lines.flatMap((l, i) => (DECISION.test(l) ? [i + 1] : []));
        const psyncs = ofType(parse(set, node), 'redis.psync');
        expect(psyncs.map((e) => e.line), `${set}-${node}`).toEqual(decisionLines);
        for (const e of psyncs) expect(lines[e.line - 2]).toMatch(/asks for synchronization$/);
        total += psyncs.length;
      }
    }
    expect(total).toBeGreaterThanOrEqual(15);
  });

  it('a refused PSYNC carries what its line says: the ids of a mismatch, the offsets of the second id, the offset wanted from the backlog', () => {
    const m = parse('promotion', 'm');
    const mismatch = ofType(m, 'redis.psync')[0]!;
    const line = text('promotion', 'm').split('\n')[mismatch.line - 1]!;
    const ids = [...line.matchAll(/'(\w{40})'/g)].map((x) => x[1]);
    expect(fields(mismatch)).toEqual({
      node: 'm', type: 'redis.psync', replica: 'r1', result: 'full', reason: 'replication ID mismatch',
      requested_replid: ids[0], master_replid: ids[1], master_replid2: ids[2],
    });
    const second = ofType(parse('promotion', 'r1'), 'redis.psync').find((e) => e.reason.startsWith('requested offset for second ID'))!;
    expect(second).toMatchObject({ replica: 'm', result: 'full', requested_offset: 105, second_repl_offset: 78 });
    expect(second.reason).toBe('requested offset for second ID was 105, but I can reply up to 78');
    const lack = ofType(parse('backlog', 'm'), 'redis.psync').find((e) => e.reason.startsWith('lack of backlog'))!;
    expect(lack).toMatchObject({ replica: 'r1', result: 'full', requested_offset: 1 });
  });

  it('an accepted PSYNC gives the offset asked, the backlog bytes sent and so the master offset', () => {
    const accepted = ofType(parse('promotion', 'm'), 'redis.psync').find((e) => e.result === 'continue')!;
    expect(accepted).toMatchObject({ replica: 'r1', requested_offset: 51, backlog_bytes: 0, master_repl_offset: 50, reason: 'replid match' });
    // the master had no second id, so the primary one matched, from its own log alone
  });

  it('promotion: link down, the id shift with replid2 and its offset, then the role; the reason from the line that caused it', () => {
    const r1 = parse('promotion', 'r1');
    const shift = ofType(r1, 'redis.replid').find((e) => e.reason === 'replicaof-no-one')!;
    const i = r1.indexOf(shift);
    expect(fields(r1[i - 1]!)).toEqual({ node: 'r1', type: 'redis.link', master_host: 'm', status: 'down' });
    expect(fields(r1[i + 1]!)).toEqual({ node: 'r1', type: 'redis.role', role: 'master', master_host: null });
    expect(shift.second_repl_offset).toBe(78);
    expect(shift.master_repl_offset).toBe(77);
    expect(shift.prev_replid).toBe(shift.replid2);
    // the FAILOVER's target promotes itself on PSYNC ... FAILOVER
    const r2 = parse('promotion', 'r2');
    expect(ofType(r2, 'redis.replid').map((e) => e.reason)).toEqual(['full-sync', 'continue-new-id', 'psync-failover']);
  });

  it('a replica: role at REPLICAOF, the request, the full sync with its id at the end of the load, link up; a cron reconnect is no role change', () => {
    const r1 = parse('promotion', 'r1');
    const firstSync = r1.findIndex((e) => e.type === 'redis.sync');
    expect(r1.slice(0, firstSync + 2).map(fields)).toEqual([
      { node: 'r1', type: 'redis.start', role: 'master', master_host: null, pid: 3690 },
      { node: 'r1', type: 'redis.role', role: 'slave', master_host: 'm' },
      { node: 'r1', type: 'x.psync-request', master: 'm', requested_replid: '77db81c89e35dc5fdd2a552fc55163feffbe1610', requested_offset: 1, answer: 'full' },
      {
        node: 'r1', type: 'redis.replid', reason: 'full-sync', prev_replid: '77db81c89e35dc5fdd2a552fc55163feffbe1610',
        replid: 'efdb8ea38903cb71cc06c4b5a0c79b596b8b938b', replid2: '0'.repeat(40), second_repl_offset: -1, master_repl_offset: 0,
      },
      { node: 'r1', type: 'redis.sync', master: 'm', kind: 'full', replid: 'efdb8ea38903cb71cc06c4b5a0c79b596b8b938b', offset: 0 },
      { node: 'r1', type: 'redis.link', master_host: 'm', status: 'up' },
    ]);
    // "Reconnecting to MASTER" after CLIENT KILL: a request, no role event
    expect(ofType(r1, 'redis.role').map((e) => `${e.role} ${e.master_host}`)).toEqual(['slave m', 'master null', 'slave r2']);
  });

  it('+CONTINUE with a new id: the old id becomes replid2 up to the offset asked', () => {
    const r2 = parse('promotion', 'r2');
    const req = ofType(r2, 'x.psync-request').find((e) => e.answer === 'continue-new-id')!;
    const change = ofType(r2, 'redis.replid').find((e) => e.reason === 'continue-new-id')!;
    expect(change).toMatchObject({ prev_replid: req.requested_replid, replid2: req.requested_replid, second_repl_offset: req.requested_offset, master_repl_offset: req.requested_offset - 1 });
    const sync = ofType(r2, 'redis.sync').find((e) => e.kind === 'continue')!;
    expect(sync).toMatchObject({ master: 'r1', replid: change.replid, offset: req.requested_offset - 1 });
  });

  it('a replica started with --replicaof: one start with its master, no role event', () => {
    const r2 = parse('backlog', 'r2');
    const starts = ofType(r2, 'redis.start');
    expect(starts.map((e) => [e.role, e.master_host])).toEqual([['master', null], ['slave', 'm']]);
    const after = r2.slice(r2.indexOf(starts[1]!));
    expect(ofType(after, 'redis.role').map((e) => e.role)).toEqual(['master']); // its later REPLICAOF NO ONE
    expect(ofType(r2, 'redis.stop').map((e) => e.saved)).toEqual([true, false]); // SHUTDOWN SAVE, then NOSAVE
  });

  it('the backlog freed by its TTL: a new id the log does not print', () => {
    const ttl = ofType(parse('backlog', 'm'), 'redis.replid').find((e) => e.reason === 'backlog-ttl')!;
    expect(ttl.replid).toBeUndefined();
    expect(ttl.replid2).toBe('0'.repeat(40));
    expect(ttl.prev_replid).toMatch(/^[0-9a-f]{40}$/);
  });

  it('FAILOVER: requested, in progress, done on +CONTINUE; one that times out waiting; one refused in progress, promoted back', () => {
    const states = (evs: LogEvent[]) => evs.flatMap((e) => (e.type === 'redis.failover' ? [`${e.state} ${e.target}`] : e.type === 'redis.failover-abort' ? [`abort: ${e.reason}`] : []));
    expect(states(parse('promotion', 'r1'))).toEqual(['waiting-for-sync r2', 'failover-in-progress r2', 'no-failover null']);
    expect(states(parse('backlog', 'm'))).toEqual(['waiting-for-sync r1', 'abort: Replica never caught up before timeout', 'no-failover null']);
    const m = parse('failover-abort', 'm');
    expect(states(m)).toEqual(['waiting-for-sync r1', 'failover-in-progress r1', 'abort: Failover target rejected psync request', 'no-failover null']);
    const abort = m.findIndex((e) => e.type === 'redis.failover-abort');
    expect(m.slice(abort + 1).map((e) => (e.type === 'redis.replid' ? e.reason : e.type))).toEqual(['failover-aborted', 'redis.role', 'redis.failover', 'redis.stop']);
    expect(ofType(m, 'x.psync-request').at(-1)!.answer).toBe('error');
    // the target, a replica of x by then, refused without promoting itself: no psync-failover shift
    expect(ofType(parse('failover-abort', 'r1'), 'redis.replid').map((e) => e.reason)).toEqual(['full-sync', 'full-sync']);
  });

  it('t counts µs from the first line (or originMs), ms is the line clock read as UTC', () => {
    const lines = text('promotion', 'm').split('\n');
    const msOf = (line: string) => {
      const s = /^\d+:[A-Z] (\d\d) Dec (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3})/.exec(line)!.slice(1).map(Number);
      return Date.UTC(s[1]!, 11, s[0]!, s[2]!, s[3]!, s[4]!, s[5]!);
    };
    const origin = msOf(lines[0]!);
    const evs = parse('promotion', 'm');
    for (const e of evs) {
      expect(e.ms).toBe(msOf(lines[e.line - 1]!));
      expect(e.t).toBe((e.ms - origin) * 1000);
    }
    expect(evs[0]!.t).toBeGreaterThan(0); // its start is not the first line
    const shifted = parseRedisLog(text('promotion', 'm'), { node: 'm', nameOf, originMs: evs[0]!.ms - 5 });
    expect(shifted[0]!.t).toBe(5000);
  });

  it('lines of children, unknown lines and garbage give nothing; an address no node owns stays host:port', () => {
    const log = [
      '     _._    ',
      '12:C 03 Dec 2026 06:34:14.605 * DB saved on disk',
      '9:M 03 Dec 2026 06:34:14.589 * Replica 10.0.0.9:7000 asks for synchronization',
      '9:M 03 Dec 2026 06:34:14.589 * Full resync requested by replica 10.0.0.9:7000',
      '9:M 03 Dec 2026 06:34:14.590 * Something else entirely',
      'not a log line',
    ].join('\n');
    expect(parseRedisLog(log, { node: 'n', nameOf }).map(fields)).toEqual([
      { node: 'n', type: 'redis.psync', replica: '10.0.0.9:7000', result: 'full', reason: 'full resync requested by replica', requested_replid: '?', requested_offset: -1 },
    ]);
  });
});

/** A log of lines as serverLogRaw() writes them, one per 10 ms from 10:00:00.000 (role letter, message). */
function log(pid: number, lines: [string, string][]): string {
  return lines.map(([role, msg], i) => `${pid}:${role} 03 Dec 2026 10:00:${String(Math.floor(i / 100)).padStart(2, '0')}.${String((i % 100) * 10).padStart(3, '0')} * ${msg}`).join('\n');
}
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('lines the fixtures do not have (formats from 7.0.15\'s source)', () => {
  it('a PSYNC FAILOVER the replica refused leaves no cause behind: a later promotion is REPLICAOF NO ONE', () => {
    const evs = parseRedisLog(log(5, [
      ['C', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'],
      ['S', 'Ready to accept connections'],
      ['S', 'Connecting to MASTER 127.0.0.1:23101'],
      ['S', `Failover request received for replid ${A}.`],
      ['S', 'Replica 127.0.0.1:23103 asks for synchronization'],
      ['S', 'Full resync requested by replica 127.0.0.1:23103'],
      ['S', 'Connection with master lost.'],
      ['S', `Setting secondary replication ID to ${A}, valid up to offset: 10. New replication ID is ${B}`],
      ['M', "MASTER MODE enabled (user request from 'id=3')"],
    ]), { node: 'r1', nameOf });
    expect(ofType(evs, 'redis.replid').map((e) => e.reason)).toEqual(['replicaof-no-one']);
    expect(ofType(evs, 'redis.start').map((e) => e.master_host)).toEqual(['m']);
    expect(ofType(evs, 'redis.role').map((e) => e.role)).toEqual(['master']);
  });

  it('a +CONTINUE at a master with a second id is a replid match when the replica kept its id', () => {
    const master = parseRedisLog(log(5, [
      ['C', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'],
      ['M', 'Ready to accept connections'],
      ['M', `Setting secondary replication ID to ${A}, valid up to offset: 10. New replication ID is ${B}`],
      ['M', 'Replica 127.0.0.1:23102 asks for synchronization'],
      ['M', 'Partial resynchronization request from 127.0.0.1:23102 accepted. Sending 5 bytes of backlog starting from offset 20.'],
    ]), { node: 'm', nameOf });
    const replica = parseRedisLog(log(6, [
      ['C', 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'],
      ['S', 'Ready to accept connections'],
      ['S', 'Connecting to MASTER 127.0.0.1:23101'],
      ['S', `Trying a partial resynchronization (request ${B}:20).`],
      ['S', 'Successful partial resynchronization with master.'],
      ['S', 'MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.'],
    ]), { node: 'r1', nameOf });
    expect(ofType(master, 'redis.psync')[0]).toMatchObject({ reason: 'accepted', requested_offset: 20, backlog_bytes: 5, master_repl_offset: 24 });
    const [p] = ofType(mergeLogEvents([master, replica]), 'redis.psync');
    expect(p).toMatchObject({ reason: 'replid match', requested_replid: B });
    expect(ofType(replica, 'redis.sync')[0]).toMatchObject({ kind: 'continue', master: 'm', replid: B, offset: 19 });
  });

  it('timeouts, a replica dropped for a timeout, FAILOVER to any replica', () => {
    const evs = parseRedisLog(log(5, [
      ['M', 'Disconnecting timedout replica (streaming sync): 127.0.0.1:23102'],
      ['M', 'Connection with replica 127.0.0.1:23102 lost.'],
      ['M', 'Connection with replica 127.0.0.1:23103 lost.'],
      ['M', 'FAILOVER requested to any replica.'],
      ['M', 'Failover target 127.0.0.1:23103 is synced, failing over.'],
      ['S', 'Timeout connecting to the MASTER...'],
      ['S', "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value."],
      ['S', 'MASTER timeout: no data nor PING received...'],
    ]), { node: 'm', nameOf });
    expect(evs.map(fields)).toEqual([
      { node: 'm', type: 'redis.replica-drop', replica: 'r1', reason: 'timeout' },
      { node: 'm', type: 'redis.replica-drop', replica: 'r2' },
      { node: 'm', type: 'redis.failover', state: 'waiting-for-sync', target: null },
      { node: 'm', type: 'redis.failover', state: 'failover-in-progress', target: 'r2' },
      { node: 'm', type: 'redis.timeout', what: 'connecting to master' },
      { node: 'm', type: 'redis.timeout', what: 'receiving bulk data from master' },
      { node: 'm', type: 'redis.timeout', what: 'master: no data nor PING received' },
    ]);
  });
});

describe('mergeLogEvents', () => {
  it('orders all nodes by the clock and counts t from the earliest line', () => {
    const evs = merged('promotion', SETS.promotion!);
    expect(evs.length).toBe(SETS.promotion!.reduce((n, node) => n + parse('promotion', node).length, 0));
    for (let i = 1; i < evs.length; i++) expect(evs[i]!.ms).toBeGreaterThanOrEqual(evs[i - 1]!.ms);
    expect(evs[0]!.t).toBe(0);
    for (const e of evs) expect(e.t).toBe((e.ms - evs[0]!.ms) * 1000);
  });

  it('each PSYNC gets the id its replica asked with, and an accepted one which id matched', () => {
    for (const [set, nodes] of Object.entries(SETS)) {
      const evs = merged(set, nodes);
      for (const p of ofType(evs, 'redis.psync')) {
        const req = ofType(evs, 'x.psync-request', p.replica).filter((r) => r.master === p.node && r.ms <= p.ms).at(-1)!;
        expect(p.requested_replid, `${set} ${p.node} line ${p.line}`).toBe(req.requested_replid);
        expect(p.requested_offset).toBe(req.requested_offset);
        if (p.result === 'continue') expect(p.reason).toBe(req.answer === 'continue-new-id' ? 'replid2 match' : 'replid match');
      }
    }
    const reasons = ofType(merged('promotion', SETS.promotion!), 'redis.psync').filter((e) => e.result === 'continue').map((e) => e.reason);
    expect(reasons.filter((r) => r === 'replid2 match').length).toBeGreaterThanOrEqual(3);
  });

  it('an accepted PSYNC whose replica log is missing stays "accepted" when the master has a second id', () => {
    const evs = mergeLogEvents([parse('promotion', 'r1')]);
    const accepted = ofType(evs, 'redis.psync').filter((e) => e.result === 'continue');
    expect(accepted.map((e) => e.reason)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(accepted.every((e) => e.requested_replid === undefined)).toBe(true);
  });
});
