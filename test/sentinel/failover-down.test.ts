// failover.ts on a stub Sentinel, down detection and the election: sentinelCheckSubjectivelyDown(),
// sentinelCheckObjectivelyDown(), sentinelAskMasterStateToOtherSentinels() and its reply,
// sentinelVoteLeader(), sentinelGetLeader() (7.0.15's sentinel.c), boundary by boundary.

import { afterEach, describe, expect, it } from 'vitest';
import * as F from '../../sim/sentinel/failover.js';
import { Rng } from '../../sim/kernel/rng.js';
import { stub, expectPlainDetails, SEC, MY_ID } from './stub.js';

afterEach(expectPlainDetails);

const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);

describe('sentinelCheckSubjectivelyDown()', () => {
  it('a pending PING older than down-after (strictly) makes SDOWN, once, with its start time; an answer clears it', () => {
    const t = stub();
    const m = t.s.master.inst;
    m.link.actPingUs = t.now();
    // a young command link: not closed for its slow PING
    m.link.ccConnUs = t.now();
    t.advance(5 * SEC);
    F.checkSubjectivelyDown(t.s, m);
    expect(m.sdown).toBe(false);
    t.advance(1);
    F.checkSubjectivelyDown(t.s, m);
    expect(m.sdown).toBe(true);
    const since = t.now();
    expect(m.sdownSinceUs).toBe(since);
    t.advance(SEC);
    F.checkSubjectivelyDown(t.s, m);
    expect(m.sdownSinceUs).toBe(since);
    expect(t.names().filter((e) => e === '+sdown')).toEqual(['+sdown']);
    m.link.actPingUs = 0;
    F.checkSubjectivelyDown(t.s, m);
    expect(m.sdown).toBe(false);
    F.checkSubjectivelyDown(t.s, m);
    expect(t.names().filter((e) => e.endsWith('sdown'))).toEqual(['+sdown', '-sdown']);
  });

  it('with no PING pending, a disconnected link counts from the last valid reply; a connected one never goes down', () => {
    const t = stub();
    const m = t.s.master.inst;
    m.link.actPingUs = 0;
    m.link.lastAvailUs = t.now();
    t.advance(6 * SEC);
    F.checkSubjectivelyDown(t.s, m);
    expect(m.sdown).toBe(false);
    t.disconnect(m);
    F.checkSubjectivelyDown(t.s, m);
    expect(m.sdown).toBe(true);
    // the boundary: down-after since the last valid reply is not yet down
    const u = stub();
    const n = u.s.master.inst;
    u.disconnect(n);
    n.link.actPingUs = 0;
    n.link.lastAvailUs = u.now();
    u.advance(5 * SEC);
    F.checkSubjectivelyDown(u.s, n);
    expect(n.sdown).toBe(false);
    u.advance(1);
    F.checkSubjectivelyDown(u.s, n);
    expect(n.sdown).toBe(true);
  });

  it('a master that reports the replica role for down-after + 2 INFO periods is SDOWN; a replica reporting it is not', () => {
    const t = stub();
    const m = t.s.master.inst;
    m.link.actPingUs = 0;
    m.roleReported = 'slave';
    m.roleReportedUs = t.now();
    const r = t.slave('r1');
    r.link.actPingUs = 0;
    r.roleReportedUs = t.now();
    t.advance(5 * SEC + 20 * SEC);
    F.checkSubjectivelyDown(t.s, m);
    F.checkSubjectivelyDown(t.s, r);
    expect(m.sdown).toBe(false);
    t.advance(1);
    F.checkSubjectivelyDown(t.s, m);
    F.checkSubjectivelyDown(t.s, r);
    expect(m.sdown).toBe(true);
    expect(r.sdown).toBe(false);
  });

  it('keeps the command link while the connection is young, no PING is pending, or some reply came recently', () => {
    for (const c of [
      { conn: 15 * SEC, ping: 3 * SEC, pong: 3 * SEC },
      { conn: 20 * SEC, ping: 3 * SEC, pong: 3 * SEC - 1 - 0.5 * SEC },
      { conn: 20 * SEC, ping: 0, pong: 3 * SEC },
      { conn: 20 * SEC, ping: 2.5 * SEC, pong: 3 * SEC },
      { conn: 20 * SEC, ping: 3 * SEC, pong: 2.5 * SEC },
    ]) {
      const t = stub();
      const m = t.s.master.inst;
      t.advance(100 * SEC);
      const now = t.now();
      m.link.ccConnUs = now - c.conn;
      m.link.actPingUs = c.ping === 0 ? 0 : now - c.ping;
      m.link.lastPongUs = now - c.pong;
      F.checkSubjectivelyDown(t.s, m);
      expect(m.link.cc, JSON.stringify(c)).not.toBe(null);
    }
    const t = stub();
    const m = t.s.master.inst;
    t.advance(100 * SEC);
    m.link.ccConnUs = t.now() - 15 * SEC - 1;
    m.link.actPingUs = t.now() - 2.5 * SEC - 1;
    m.link.lastPongUs = t.now() - 2.5 * SEC - 1;
    F.checkSubjectivelyDown(t.s, m);
    expect(m.link.cc).toBe(null);
  });

  it('closes a Pub/Sub link connected > 15 s with no activity for > 3 hello periods (6 s), and keeps it otherwise', () => {
    for (const c of [
      { conn: 15 * SEC, idle: 7 * SEC, closed: false },
      { conn: 15 * SEC + 1, idle: 6 * SEC, closed: false },
      { conn: 15 * SEC + 1, idle: 6 * SEC + 1, closed: true },
    ]) {
      const t = stub();
      const m = t.s.master.inst;
      t.advance(100 * SEC);
      let closed = false;
      m.link.pc = { close: () => void (closed = true) } as never;
      m.link.pcConnUs = t.now() - c.conn;
      m.link.pcLastActivityUs = t.now() - c.idle;
      m.link.actPingUs = 0;
      F.checkSubjectivelyDown(t.s, m);
      expect(closed, JSON.stringify(c)).toBe(c.closed);
      expect(m.link.pc === null, JSON.stringify(c)).toBe(c.closed);
      // the command link is another matter
      expect(m.link.cc).not.toBe(null);
    }
  });
});

describe('sentinelCheckObjectivelyDown()', () => {
  it('counts this Sentinel and every peer whose last reply said down; ODOWN at quorum, with the count in the event', () => {
    const t = stub({ cfg: { quorum: 3 } });
    const m = t.s.master;
    const b = t.peer('s2', B);
    const c = t.peer('s3', C);
    t.peer('s4', D);
    m.inst.sdown = true;
    b.masterDown = true;
    F.checkObjectivelyDown(t.s);
    expect(m.inst.odown).toBe(false);
    c.masterDown = true;
    t.advance(SEC);
    F.checkObjectivelyDown(t.s);
    expect(m.inst.odown).toBe(true);
    expect(m.inst.odownSinceUs).toBe(t.now());
    const odown = t.events().filter((e) => e.event === '+odown');
    expect(odown.map((e) => e.detail)).toEqual(['#quorum 3/3']);
    t.advance(SEC);
    F.checkObjectivelyDown(t.s);
    expect(t.events().filter((e) => e.event === '+odown')).toHaveLength(1);
    expect(m.inst.odownSinceUs).toBe(t.now() - SEC);
  });

  it('needs SDOWN here: peers saying down are not enough; ODOWN ends with -odown when SDOWN does', () => {
    const t = stub({ cfg: { quorum: 1 } });
    const m = t.s.master;
    t.peer('s2', B, { masterDown: true });
    t.peer('s3', C, { masterDown: true });
    F.checkObjectivelyDown(t.s);
    expect(m.inst.odown).toBe(false);
    m.inst.sdown = true;
    F.checkObjectivelyDown(t.s);
    expect(m.inst.odown).toBe(true);
    expect(t.events().find((e) => e.event === '+odown')!.detail).toBe('#quorum 3/1');
    m.inst.sdown = false;
    F.checkObjectivelyDown(t.s);
    expect(m.inst.odown).toBe(false);
    F.checkObjectivelyDown(t.s);
    expect(t.names().filter((e) => e.endsWith('odown'))).toEqual(['+odown', '-odown']);
  });
});

describe('sentinelAskMasterStateToOtherSentinels()', () => {
  it('asks connected peers once a second while SDOWN, with * before a failover and our id during one', () => {
    const t = stub();
    const m = t.s.master;
    const b = t.peer('s2', B);
    const c = t.peer('s3', C);
    t.disconnect(c);
    t.advance(10 * SEC);
    F.askOtherSentinels(t.s, false);
    expect(t.sent).toEqual([]);
    m.inst.sdown = true;
    F.askOtherSentinels(t.s, false);
    expect(t.sentTo('s2')).toEqual([`SENTINEL is-master-down-by-addr p 6379 0 *`]);
    expect(t.sentTo('s3')).toEqual([]);
    t.sent[0]!.reply([1, '*', 0]);
    expect(b.lastMasterDownReplyUs).toBe(t.now());
    // answered now: not again within a second, unless forced
    t.advance(SEC - 1);
    F.askOtherSentinels(t.s, false);
    expect(t.sent).toHaveLength(1);
    t.s.currentEpoch = 4;
    m.failoverState = 'wait_start';
    F.askOtherSentinels(t.s, true);
    expect(t.sentTo('s2')[1]).toBe(`SENTINEL is-master-down-by-addr p 6379 4 ${MY_ID}`);
    expect(t.sentTo('s3')).toEqual([]);
    // a second after the last reply: asked again
    t.advance(1);
    F.askOtherSentinels(t.s, false);
    expect(t.sent).toHaveLength(3);
  });

  it('a well-formed reply sets the down flag and, unless *, the vote; malformed replies change nothing', () => {
    const t = stub();
    t.s.master.inst.sdown = true;
    const b = t.peer('s2', B);
    t.advance(10 * SEC);
    const asked = t.now();
    F.askOtherSentinels(t.s, true);
    const reply = t.sent.at(-1)!.reply;
    for (const bad of [null, 'OK', [1, C], [1, C, 3, 4], ['1', C, 3], [1, 7, 3], [1, C, '3']] as const) {
      t.advance(1);
      reply(bad as never);
      expect(b.masterDown).toBe(false);
      expect(b.leader).toBe(null);
      expect(b.lastMasterDownReplyUs).toBeLessThan(asked);
    }
    reply([1, '*', 0]);
    expect(b.masterDown).toBe(true);
    expect(b.leader).toBe(null);
    expect(b.lastMasterDownReplyUs).toBe(t.now());
    reply([1, C, 3]);
    expect([b.leader, b.leaderEpoch]).toEqual([C, 3]);
    reply([0, '*', 0]);
    expect(b.masterDown).toBe(false);
    expect([b.leader, b.leaderEpoch]).toEqual([C, 3]);
    reply([2, D, 5]);
    expect(b.masterDown).toBe(false);
    expect([b.leader, b.leaderEpoch]).toEqual([D, 5]);
  });

  it('forgets a peer\'s down flag and vote once its last reply is more than 5 ask periods old, even when not asking', () => {
    const t = stub();
    const b = t.peer('s2', B);
    t.advance(10 * SEC);
    b.lastMasterDownReplyUs = t.now();
    b.masterDown = true;
    b.leader = C;
    t.advance(5 * SEC);
    F.askOtherSentinels(t.s, false);
    expect([b.masterDown, b.leader]).toEqual([true, C]);
    t.advance(1);
    F.askOtherSentinels(t.s, false);
    expect([b.masterDown, b.leader]).toEqual([false, null]);
    expect(t.sent).toEqual([]);
  });
});

describe('sentinelVoteLeader()', () => {
  it('adopts a higher epoch, votes once per epoch, and answers with the vote it holds', () => {
    const t = stub();
    const m = t.s.master;
    expect(F.voteLeader(t.s, 3, B)).toEqual([B, 3]);
    expect(t.s.currentEpoch).toBe(3);
    expect(t.events().filter((e) => e.event === '+new-epoch').map((e) => e.detail)).toEqual(['3']);
    expect(t.events().filter((e) => e.event === '+vote-for-leader').map((e) => e.detail)).toEqual([`${B} 3`]);
    expect(F.voteLeader(t.s, 3, C)).toEqual([B, 3]);
    // an older epoch: no vote, no epoch change
    expect(F.voteLeader(t.s, 2, C)).toEqual([B, 3]);
    expect(t.s.currentEpoch).toBe(3);
    expect(m.leader).toBe(B);
    // the vote and the epoch are in sentinel.conf
    const conf = t.s.ctx.disk.read<{ currentEpoch: number; leader: string; leaderEpoch: number }>('sentinel.conf')!.data;
    expect([conf.currentEpoch, conf.leader, conf.leaderEpoch]).toEqual([3, B, 3]);
    expect(t.events().filter((e) => e.event === '+new-epoch')).toHaveLength(1);
  });

  it('no vote for an epoch below the current one, even if this Sentinel has never voted', () => {
    const t = stub();
    t.s.currentEpoch = 5;
    expect(F.voteLeader(t.s, 4, B)).toEqual([null, 0]);
    expect(F.voteLeader(t.s, 5, B)).toEqual([B, 5]);
  });

  it('voting for another Sentinel pushes our own failover start to now + up to a second; voting for ourselves does not', () => {
    const t = stub();
    const m = t.s.master;
    m.failoverStartUs = 7;
    F.voteLeader(t.s, 1, MY_ID.toUpperCase());
    expect(m.failoverStartUs).toBe(7);
    const starts = new Set<number>();
    for (let e = 2; e < 40; e++) {
      F.voteLeader(t.s, e, B);
      expect(m.failoverStartUs).toBeGreaterThanOrEqual(t.now());
      expect(m.failoverStartUs).toBeLessThan(t.now() + SEC);
      expect(m.failoverStartUs % 1000).toBe(0);
      starts.add(m.failoverStartUs - t.now());
    }
    expect(starts.size).toBeGreaterThan(20);
  });

  it('the push is rand() % SENTINEL_MAX_DESYNC (1000) ms: the next draw of its stream, in [0, 999]', () => {
    const t = stub();
    for (let e = 1; e < 30; e++) {
      const copy = Rng.restoreStream(t.s.ctx.rng.saveState());
      F.voteLeader(t.s, e, B);
      expect(t.s.master.failoverStartUs - t.now()).toBe(copy.int(0, 999) * 1000);
    }
  });
});

describe('sentinelGetLeader()', () => {
  it('wins with a majority of all known Sentinels and at least quorum votes, counting only votes in the current epoch', () => {
    const t = stub({ cfg: { quorum: 2 } });
    t.s.currentEpoch = 1;
    const b = t.peer('s2', B, { leader: MY_ID, leaderEpoch: 1 });
    t.peer('s3', C, { leader: C, leaderEpoch: 1 });
    const d = t.peer('s4', D, { leader: MY_ID, leaderEpoch: 0 });
    t.peer('s5', 'e'.repeat(40));
    // 5 voters: 3 needed; ours goes to the most voted (a tie: the first counted, us): 2 votes
    expect(F.getLeader(t.s, 1)).toBe(null);
    expect(t.s.master.leader).toBe(MY_ID);
    d.leaderEpoch = 1;
    expect(F.getLeader(t.s, 1)).toBe(MY_ID);
    b.leaderEpoch = 2;
    expect(F.getLeader(t.s, 1)).toBe(null);
  });

  it('this Sentinel votes for the most voted peer when it has not voted, else for itself; its vote counts only in the asked epoch', () => {
    const t = stub({ cfg: { quorum: 2 } });
    t.s.currentEpoch = 2;
    t.peer('s2', B, { leader: C, leaderEpoch: 2 });
    t.peer('s3', C, { leader: C, leaderEpoch: 2 });
    expect(F.getLeader(t.s, 2)).toBe(C);
    expect(t.s.master.leader).toBe(C);
    const u = stub({ cfg: { quorum: 1 } });
    u.peer('s2', B);
    u.peer('s3', C);
    // only our own vote: 1 of 3 is no majority
    expect(F.getLeader(u.s, 1)).toBe(null);
    expect(u.s.master.leader).toBe(MY_ID);
    // a vote held for epoch 3 does not count for a question about epoch 2
    const v = stub({ cfg: { quorum: 1 } });
    v.s.currentEpoch = 3;
    v.s.master.leader = B;
    v.s.master.leaderEpoch = 3;
    expect(F.getLeader(v.s, 2)).toBe(null);
    // alone, with quorum 1: our own vote is a majority of one
    const w = stub({ cfg: { quorum: 1 } });
    expect(F.getLeader(w.s, 1)).toBe(MY_ID);
    // peers whose vote was forgotten (no leader) in this epoch count for nobody: our vote goes to C
    const x = stub({ cfg: { quorum: 2 } });
    x.s.currentEpoch = 1;
    x.peer('s2', B, { leader: C, leaderEpoch: 1 });
    x.peer('s3', C, { leader: null, leaderEpoch: 1 });
    x.peer('s4', D, { leader: null, leaderEpoch: 1 });
    expect(F.getLeader(x.s, 1)).toBe(null);
    expect(x.s.master.leader).toBe(C);
  });

  it('our own vote, cast earlier for another, does not take the lead from one with more votes', () => {
    const t = stub({ cfg: { quorum: 2 } });
    t.s.currentEpoch = 1;
    t.s.master.leader = B;
    t.s.master.leaderEpoch = 1;
    t.peer('s2', B, { leader: C, leaderEpoch: 1 });
    t.peer('s3', C, { leader: C, leaderEpoch: 1 });
    expect(F.getLeader(t.s, 1)).toBe(C);
    expect(t.s.master.leader).toBe(B);
  });

  it('a majority that is below quorum does not win', () => {
    const t = stub({ cfg: { quorum: 3 } });
    t.s.currentEpoch = 1;
    t.peer('s2', B, { leader: MY_ID, leaderEpoch: 1 });
    t.peer('s3', C);
    expect(F.getLeader(t.s, 1)).toBe(null);
    t.s.master.quorum = 2;
    expect(F.getLeader(t.s, 1)).toBe(MY_ID);
  });
});
