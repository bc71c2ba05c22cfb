// The properties a real run judges (sim/backends/real/judge.ts), fed recorded observations: log text as
// redis-server 7.0.15 writes it, the writes with their replies and what had been logged when each was
// sent, the per-step INFO readings. Each property must pass the honest record and fail a violating one.
import { describe, expect, it } from 'vitest';
import { judgeReal, asTraceWrite, type RealJudgeInput, type RealObservation } from '../../sim/backends/real/judge.js';
import { WriteRecorder, type RealWrite } from '../../sim/backends/real/writes.js';
import { parseRedisLog, mergeLogEvents } from '../../sim/backends/real/log-events.js';
import { RespError } from '../../sim/backends/real/resp.js';

const ORIGIN = Date.UTC(2026, 11, 3, 12, 0, 0, 0);
const HOSTS: Record<string, string> = { '10.0.0.1': 'm', '10.0.0.2': 'r' };
const nameOf = (h: string) => HOSTS[h] ?? null;

/** One log line at `ms` after ORIGIN, as serverLogRaw() writes it. */
function line(pid: number, role: string, ms: number, msg: string): string {
  const d = new Date(ORIGIN + ms);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${pid}:${role} ${p2(d.getUTCDate())} Dec 2026 ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')} * ${msg}`;
}

/** A node's log: its lines, and the size in bytes of its first n lines (what a snapshot taken then saw). */
class Log {
  readonly lines: string[] = [];
  add(l: string): this {
    this.lines.push(l);
    return this;
  }
  bytes(n = this.lines.length): number {
    return Buffer.byteLength(this.lines.slice(0, n).map((l) => `${l}\n`).join(''));
  }
  text(): Buffer {
    return Buffer.from(this.lines.map((l) => `${l}\n`).join(''));
  }
}

function input(logs: Record<string, Log>, o: Partial<RealJudgeInput> = {}): RealJudgeInput {
  const perNode = Object.entries(logs).map(([node, l]) => parseRedisLog(l.text().toString('utf8'), { node, nameOf, originMs: ORIGIN }));
  return {
    logs: new Map(Object.entries(logs).map(([node, l], i) => [node, { events: perNode[i]!, text: l.text() }])),
    merged: mergeLogEvents(perNode, { originMs: ORIGIN }),
    writes: [], observations: [], statResets: [], final: { master: null, values: new Map() }, enabled: {},
    ...o,
  };
}

const ID1 = 'a'.repeat(40);
const ID2 = 'b'.repeat(40);
const PROMOTE = `Setting secondary replication ID to ${ID1}, valid up to offset: 200. New replication ID is ${ID2}`;

describe('acknowledged-writes on a real run', () => {
  // m is master, r its replica; r is promoted (REPLICAOF NO ONE) at 100 ms, then m takes b1 at 200 ms,
  // then m is made r's replica at 300 ms: b1 is lost across m's demotion, as the simulator says
  const world = (demote: boolean) => {
    const m = new Log().add(line(1, 'M', 0, 'Ready to accept connections'));
    const r = new Log().add(line(2, 'S', 0, 'Ready to accept connections')).add(line(2, 'S', 1, 'Connecting to MASTER 10.0.0.1:6379'));
    const beforePromotion = { m: m.bytes(), r: r.bytes() };
    r.add(line(2, 'M', 100, PROMOTE));
    const afterPromotion = { m: m.bytes(), r: r.bytes() };
    if (demote) m.add(line(1, 'S', 300, 'Connecting to MASTER 10.0.0.2:6379'));
    const write = (key: string, at: number, seen: Record<string, number>): RealWrite => ({ node: 'm', db: 0, args: ['SET', key, `v-${key}`], invoked: at * 1000, completed: at * 1000 + 200, outcome: 'ok', seen: { logs: seen, kills: 0 } });
    const a1 = write('a1', 50, beforePromotion);
    const b1 = write('b1', 200, afterPromotion);
    const final = { master: 'r', values: new Map([[`0\u0000a1`, 'v-a1'], [`0\u0000b1`, null]]) };
    return { m, r, a1, b1, final, beforePromotion };
  };

  it('a write acknowledged by the old master after the promotion is lost across its demotion: allowed, attributed as the simulator attributes it', () => {
    const w = world(true);
    const { reports, violations } = judgeReal(input({ m: w.m, r: w.r }, { writes: [w.a1, w.b1], final: w.final }));
    expect(violations).toEqual([]);
    expect(reports['acknowledged-writes']).toMatchObject({ violations: 0, checked: 2, stats: { acknowledged: 2, present: 1, lost: 1, lost_allowed: 1 } });
    expect(reports['acknowledged-writes']!.notes).toEqual([expect.stringMatching(/^1 acknowledged write\(s\) lost across the demotion of m at .* \(acknowledged by m; allowed: asynchronous replication\)$/)]);
    expect(reports['split-brain']!.stats).toMatchObject({ writes_checked: 2, split_brain_writes: 1 });
  });

  it('the same loss with nothing in the logs to excuse it is a violation', () => {
    const w = world(false);
    const { reports, violations } = judgeReal(input({ m: w.m, r: w.r }, { writes: [w.a1, w.b1], final: w.final }));
    expect(reports['acknowledged-writes']).toMatchObject({ violations: 1, stats: { lost: 1, lost_allowed: 0 } });
    expect(violations).toHaveLength(1);
    expect(violations[0]!.message).toMatch(/^SET b1 v-b1 \(db 0\) was acknowledged by m at .* but the final master r has no such key/);
  });

  it('what a write saw logged when it was sent places the events, not the clocks: a promotion it did not see may have come after it', () => {
    const w = world(true);
    // b1 sent before r's log had the promotion line, although that line's clock is earlier
    const b1 = { ...w.b1, seen: { logs: w.beforePromotion, kills: 0 } };
    const { reports } = judgeReal(input({ m: w.m, r: w.r }, { writes: [w.a1, b1], final: w.final }));
    expect(reports['acknowledged-writes']!.notes).toEqual([expect.stringMatching(/lost across the failover of r at/)]);
  });

  it('a crash the runner made counts for the writes sent after it', () => {
    const m = new Log().add(line(1, 'M', 0, 'Ready to accept connections')).add(line(1, 'M', 400, 'Ready to accept connections'));
    const seen = { logs: { m: m.bytes(1) }, kills: 0 };
    const a1: RealWrite = { node: 'm', db: 0, args: ['SET', 'a1', 'x'], invoked: 100_000, completed: 100_100, outcome: 'ok', seen };
    const crash = { t: 0, ms: ORIGIN + 300, node: 'm', line: 0, type: 'redis.stop' as const, how: 'crash' as const, saved: false };
    const base = input({ m });
    const judged = (kills: number, withCrash: boolean) =>
      judgeReal({ ...base, merged: withCrash ? mergeLogEvents([base.logs.get('m')!.events, [crash]], { originMs: ORIGIN }) : base.merged, writes: [{ ...a1, seen: { ...seen, kills } }], final: { master: 'm', values: new Map() } }).reports['acknowledged-writes']!;
    expect(judged(0, true)).toMatchObject({ violations: 0, stats: { lost: 1, lost_allowed: 1 } });
    expect(judged(0, true).notes).toEqual([expect.stringMatching(/lost across the crash of m/)]);
    // sent after the crash (the snapshot counted it): the crash excuses nothing, but m's return as master does not either
    expect(judged(1, true)).toMatchObject({ violations: 1 });
    expect(judged(0, false)).toMatchObject({ violations: 1 });
  });

  it('a scenario may turn a property off', () => {
    const w = world(false);
    const { reports, violations } = judgeReal(input({ m: w.m, r: w.r }, { writes: [w.a1, w.b1], final: w.final, enabled: { 'acknowledged-writes': false } }));
    expect(Object.keys(reports)).toEqual(['counter-sanity', 'split-brain']);
    expect(violations).toEqual([]);
  });
});

describe('counter-sanity on a real run', () => {
  const obs = (node: string, t: number, full: number, ok: number, err: number, logFrom: number, logTo = logFrom): RealObservation => ({
    event: { t, type: 'redis.obs', node, why: 'step', role: 'master', replid: ID1, offset: 100, digest: 'd', meaningful: true, sync_full: full, sync_partial_ok: ok, sync_partial_err: err },
    logFrom, logTo,
  });
  const m = new Log()
    .add(line(1, 'M', 0, 'Ready to accept connections'))
    .add(line(1, 'M', 10, 'Replica 10.0.0.2:6379 asks for synchronization'))
    .add(line(1, 'M', 10, 'Full resync requested by replica 10.0.0.2:6379'))
    .add(line(1, 'M', 20, 'Replica 10.0.0.2:6379 asks for synchronization'))
    .add(line(1, 'M', 20, `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${ID2}', my replication IDs are '${ID1}' and '${'0'.repeat(40)}')`))
    .add(line(1, 'M', 30, 'Replica 10.0.0.2:6379 asks for synchronization'))
    .add(line(1, 'M', 30, 'Partial resynchronization request from 10.0.0.2:6379 accepted. Sending 0 bytes of backlog starting from offset 101.'))
    .add(line(3, 'C', 40, 'oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo'))
    .add(line(3, 'M', 40, 'Ready to accept connections'));

  it('INFO stats read between the log lines agree with the PSYNC decisions logged before them, a restart resetting them', () => {
    const readings = [obs('m', 5, 0, 0, 0, m.bytes(1)), obs('m', 15, 1, 0, 0, m.bytes(3)), obs('m', 25, 2, 0, 1, m.bytes(5)), obs('m', 35, 2, 1, 1, m.bytes(7)), obs('m', 45, 0, 0, 0, m.bytes(9))];
    const { reports, violations } = judgeReal(input({ m }, { observations: readings }));
    expect(violations).toEqual([]);
    expect(reports['counter-sanity']).toEqual({ violations: 0, checked: 5, stats: { readings_checked: 5 }, notes: [] });
  });

  it('a counter that did not move with its decision is a violation', () => {
    // the ID mismatch was a PSYNC with an id: sync_partial_err must have moved with sync_full
    const { reports, violations } = judgeReal(input({ m }, { observations: [obs('m', 25, 2, 0, 0, m.bytes(5))] }));
    expect(reports['counter-sanity']!.violations).toBe(1);
    expect(violations[0]!.message).toMatch(/^m reports sync_partial_ok=0 sync_full=2 sync_partial_err=0, but it served 0 partial and 2 full syncs \(1 of them after a failed PSYNC with an id\)/);
  });

  it('a reading taken while a decision was logged is not judged (which came first is unknown)', () => {
    const { reports } = judgeReal(input({ m }, { observations: [obs('m', 25, 1, 0, 0, m.bytes(4), m.bytes(5))] }));
    expect(reports['counter-sanity']).toMatchObject({ violations: 0, checked: 0 });
    expect(reports['counter-sanity']!.notes).toEqual(['1 observation(s) not judged: a line that moves a sync counter was logged while they were read']);
  });

  it('CONFIG RESETSTAT zeroes what is expected', () => {
    const resets = [{ node: 'm', t: 22, logFrom: m.bytes(5), logTo: m.bytes(5) }];
    const ok = judgeReal(input({ m }, { observations: [obs('m', 35, 0, 1, 0, m.bytes(7))], statResets: resets }));
    expect(ok.violations).toEqual([]);
    const without = judgeReal(input({ m }, { observations: [obs('m', 35, 0, 1, 0, m.bytes(7))] }));
    expect(without.violations).toHaveLength(1);
  });
});

describe('the writes a real run records', () => {
  const seen = { logs: {}, kills: 0 };
  it('a transaction at its EXEC, each in the database its queued SELECTs chose; a lost EXEC reply leaves them indeterminate', () => {
    const rec = new WriteRecorder();
    const conn = {};
    const note = (args: string[], reply: Parameters<WriteRecorder['note']>[6], t = 1) => rec.note('m', conn, args, t, seen, t + 1, reply);
    note(['SELECT', '1'], 'OK');
    note(['SET', 'a', '1'], 'OK');
    note(['MULTI'], 'OK');
    note(['SET', 'b', '2'], 'QUEUED');
    note(['SELECT', '2'], 'QUEUED');
    note(['INCR', 'c'], 'QUEUED');
    note(['EXEC'], ['OK', 'OK', new RespError('ERR value is not an integer')], 5);
    note(['MULTI'], 'OK');
    note(['SET', 'd', '4'], 'QUEUED');
    note(['EXEC'], undefined, 7);
    rec.note('m', {}, ['SET', 'e', '5'], 9, seen, 10, 'OK'); // a new connection: db 0
    rec.note('m', null, ['SET', 'f', '6'], 11, seen, 11, undefined); // the node was down
    expect(rec.writes.map((w) => [w.args.join(' '), w.db, w.outcome, w.completed])).toEqual([
      ['SET a 1', 1, 'ok', 2], ['SET b 2', 1, 'ok', 6], ['INCR c', 2, 'fail', 6], ['SET d 4', 2, 'info', 8], ['SET e 5', 0, 'ok', 10], ['SET f 6', 0, 'fail', 11],
    ]);
  });

  it('as the simulator records them: a command it has as its command step does, any other that may change keys as a FLUSHALL', () => {
    const w = (...args: string[]): RealWrite => ({ node: 'm', db: 0, args, invoked: 1, completed: 2, outcome: 'ok', seen });
    expect(asTraceWrite(w('SET', 'k', 'v'))).toMatchObject({ type: 'x.write', cmd: 'SET', key: 'k', value: 'v', acked: true, invoked: 1, t: 2 });
    expect(asTraceWrite(w('SET', 'k', 'v', 'NX'))).toMatchObject({ cmd: 'SET-OPTIONS', value: null });
    expect(asTraceWrite(w('INCR', 'k'))).toMatchObject({ cmd: 'INCR', key: 'k' });
    expect(asTraceWrite(w('HSET', 'h', 'f', 'v'))).toMatchObject({ cmd: 'FLUSHALL' });
    expect(asTraceWrite(w('GET', 'k'))).toBeNull();
    expect(asTraceWrite(w('INFO', 'replication'))).toBeNull();
    expect(asTraceWrite(w('DEBUG', 'RELOAD', 'NOSAVE'))).toBeNull();
  });
});
