// failover.ts on a stub Sentinel, the failover state machine: sentinelFailoverStateMachine() and its
// states (wait start, select, SLAVEOF NO ONE, wait promotion, reconfigure, detect end),
// sentinelAbortFailover(), sentinelFailoverSwitchToPromotedSlave(), sentinelResetMaster() and
// sentinelResetMasterAndChangeAddress() (7.0.15's sentinel.c), boundary by boundary.

import { afterEach, describe, expect, it } from 'vitest';
import * as F from '../../sim/sentinel/failover.js';
import { stub, expectPlainDetails, SEC, MY_ID, type Stub } from './stub.js';

afterEach(expectPlainDetails);

const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

/** A failover in `state`, started now, with replicas r1 (promoted from send_slaveof_noone on), r2, r3. */
function failing(state: 'wait_start' | 'select_slave' | 'send_slaveof_noone' | 'wait_promotion' | 'reconf_slaves', o: { failoverTimeoutUs?: number; parallelSyncs?: number } = {}) {
  const t = stub({ cfg: { ...(o.failoverTimeoutUs ? { failoverTimeoutUs: o.failoverTimeoutUs } : {}), parallelSyncs: o.parallelSyncs ?? 1 } });
  t.advance(100 * SEC);
  const m = t.s.master;
  m.inst.sdown = true;
  m.inst.odown = true;
  m.inst.sdownSinceUs = t.now();
  const r1 = t.slave('r1', { slaveReplOffset: 900 });
  const r2 = t.slave('r2');
  const r3 = t.slave('r3');
  F.startFailover(t.s);
  m.failoverState = state;
  if (state !== 'wait_start' && state !== 'select_slave') {
    r1.promoted = true;
    m.promoted = r1;
  }
  return { t, m, r1, r2, r3 };
}

const aborted = (t: Stub) => [t.s.master.inProgress, t.s.master.failoverState, t.s.master.promoted];

describe('sentinelFailoverStateMachine()', () => {
  it('does nothing without a failover in progress, whatever the state says', () => {
    const { t, m } = failing('select_slave');
    m.inProgress = false;
    const n = t.events().length;
    F.failoverStateMachine(t.s);
    expect(m.failoverState).toBe('select_slave');
    expect(t.events()).toHaveLength(n);
  });
});

describe('wait_start', () => {
  it('the elected leader (votes may spell our id in capitals) moves to select_slave', () => {
    const { t, m } = failing('wait_start');
    t.peer('s2', B, { leader: MY_ID.toUpperCase(), leaderEpoch: 1 });
    t.peer('s3', C);
    t.advance(SEC);
    F.failoverStateMachine(t.s);
    expect([m.failoverState, m.failoverStateChangeUs]).toEqual(['select_slave', t.now()]);
    const ev = t.events().filter((e) => e.event === '+elected-leader' || e.event === '+failover-state-select-slave');
    expect(ev.map((e) => [e.event, e.detail, e.failover_epoch])).toEqual([
      ['+elected-leader', '', 1],
      ['+failover-state-select-slave', '', undefined],
    ]);
  });

  it('not elected: waits, and aborts after min(10 s, failover-timeout) from the start time, strictly', () => {
    for (const [timeoutUs, waitUs] of [[20 * SEC, 10 * SEC], [4 * SEC, 4 * SEC]] as const) {
      const { t, m } = failing('wait_start', { failoverTimeoutUs: timeoutUs });
      t.peer('s2', B);
      t.peer('s3', C);
      t.advance(m.failoverStartUs + waitUs - t.now());
      F.failoverStateMachine(t.s);
      expect([m.inProgress, m.failoverState], String(timeoutUs)).toEqual([true, 'wait_start']);
      t.advance(1);
      F.failoverStateMachine(t.s);
      expect(aborted(t), String(timeoutUs)).toEqual([false, 'none', null]);
      expect(t.names().at(-1)).toBe('-failover-abort-not-elected');
      expect(m.failoverStateChangeUs).toBe(t.now());
    }
  });

  it('another Sentinel elected: this one does not go on, and gives up at the election timeout', () => {
    const { t, m } = failing('wait_start');
    t.peer('s2', B, { leader: B, leaderEpoch: 1 });
    t.peer('s3', C, { leader: B, leaderEpoch: 1 });
    F.failoverStateMachine(t.s);
    expect(m.failoverState).toBe('wait_start');
    expect(t.names()).not.toContain('+elected-leader');
    // our vote went to the winner (and pushed our own start back)
    expect(m.leader).toBe(B);
    t.advance(m.failoverStartUs + 10 * SEC + 1 - t.now());
    F.failoverStateMachine(t.s);
    expect(aborted(t)).toEqual([false, 'none', null]);
  });

  it('SENTINEL FAILOVER (forced) goes on without being elected', () => {
    const { t, m } = failing('wait_start');
    m.forced = true;
    t.peer('s2', B, { leader: B, leaderEpoch: 1 });
    t.peer('s3', C, { leader: B, leaderEpoch: 1 });
    F.failoverStateMachine(t.s);
    expect(m.failoverState).toBe('select_slave');
    expect(t.events().find((e) => e.event === '+elected-leader')!.detail).toBe('forced');
  });
});

describe('select_slave', () => {
  it('promotes the best candidate: +selected-slave with the candidates, then send_slaveof_noone', () => {
    const { t, m, r1 } = failing('select_slave');
    t.advance(SEC);
    F.failoverStateMachine(t.s);
    expect(m.promoted).toBe(r1);
    expect(r1.promoted).toBe(true);
    expect([m.failoverState, m.failoverStateChangeUs]).toEqual(['send_slaveof_noone', t.now()]);
    const [sel, next] = t.events().slice(-2);
    expect(sel!.event).toBe('+selected-slave');
    expect(sel!.instance).toContain('slave r1:6379');
    expect(sel!.failover_epoch).toBe(1);
    expect(sel!.candidates).toEqual([
      { host: 'r1', priority: 100, offset: 900, runid: 'r1'.padEnd(40, '0') },
      { host: 'r2', priority: 100, offset: 0, runid: 'r2'.padEnd(40, '0') },
      { host: 'r3', priority: 100, offset: 0, runid: 'r3'.padEnd(40, '0') },
    ]);
    expect([next!.event, next!.instance]).toEqual(['+failover-state-send-slaveof-noone', sel!.instance]);
  });

  it('no usable replica: -failover-abort-no-good-slave, and the failover is over', () => {
    const { t, m, r1, r2, r3 } = failing('select_slave');
    for (const r of [r1, r2, r3]) r.slavePriority = 0;
    m.forced = true;
    F.failoverStateMachine(t.s);
    expect(aborted(t)).toEqual([false, 'none', null]);
    expect(m.forced).toBe(false);
    expect(t.names().at(-1)).toBe('-failover-abort-no-good-slave');
  });
});

describe('send_slaveof_noone', () => {
  it('sends SLAVEOF NO ONE to the promoted replica and waits for the promotion', () => {
    const { t, m } = failing('send_slaveof_noone');
    t.advance(SEC);
    F.failoverStateMachine(t.s);
    expect(t.sentTo('r1')).toContain('SLAVEOF NO ONE');
    expect([m.failoverState, m.failoverStateChangeUs]).toEqual(['wait_promotion', t.now()]);
    expect(t.events().at(-1)!.event).toBe('+failover-state-wait-promotion');
    expect(t.events().at(-1)!.instance).toContain('slave r1:6379');
  });

  it('a disconnected promoted replica: retried until failover-timeout passes, then the failover aborts and the flag is cleared', () => {
    const { t, m, r1 } = failing('send_slaveof_noone');
    t.disconnect(r1);
    t.advance(20 * SEC);
    F.failoverStateMachine(t.s);
    expect(m.failoverState).toBe('send_slaveof_noone');
    expect(t.sentTo('r1')).toEqual([]);
    t.advance(1);
    F.failoverStateMachine(t.s);
    expect(aborted(t)).toEqual([false, 'none', null]);
    expect(r1.promoted).toBe(false);
    expect(t.names().at(-1)).toBe('-failover-abort-slave-timeout');
  });
});

describe('wait_promotion', () => {
  it('aborts when the promotion is not seen within failover-timeout, strictly', () => {
    const { t, m, r1 } = failing('wait_promotion');
    m.failoverStateChangeUs = t.now();
    t.advance(20 * SEC);
    F.failoverStateMachine(t.s);
    expect(m.failoverState).toBe('wait_promotion');
    t.advance(1);
    F.failoverStateMachine(t.s);
    expect(aborted(t)).toEqual([false, 'none', null]);
    expect(r1.promoted).toBe(false);
    expect(t.names().at(-1)).toBe('-failover-abort-slave-timeout');
  });
});

describe('reconf_slaves (sentinelFailoverReconfNextSlave() and sentinelFailoverDetectEnd())', () => {
  it('re-points parallel-syncs replicas at a time, counting those in SENT or INPROG', () => {
    const { t, r2, r3 } = failing('reconf_slaves');
    F.failoverStateMachine(t.s);
    expect(t.sentTo('r2')).toContain('SLAVEOF r1 6379');
    expect(t.sentTo('r3')).toEqual([]);
    expect([r2.reconfSent, r2.reconfSentUs]).toEqual([true, t.now()]);
    expect(t.names().filter((e) => e === '+slave-reconf-sent')).toHaveLength(1);
    // r2 in INPROG still holds the only slot
    r2.reconfSent = false;
    r2.reconfInprog = true;
    F.failoverStateMachine(t.s);
    expect(t.sentTo('r3')).toEqual([]);
    r2.reconfInprog = false;
    r2.reconfDone = true;
    F.failoverStateMachine(t.s);
    expect(t.sentTo('r3')).toContain('SLAVEOF r1 6379');
    expect(r3.reconfSent).toBe(true);
    // the promoted replica is never re-pointed
    expect(t.sentTo('r1')).toEqual([]);
  });

  it('with parallel-syncs 2, two at once; a disconnected replica is skipped, even with its command connection up', () => {
    const { t, r2, r3 } = failing('reconf_slaves', { parallelSyncs: 2 });
    const r4 = t.slave('r4');
    // its Pub/Sub connection was closed: the link is disconnected (instanceLinkCloseConnection())
    r2.link.disconnected = true;
    F.failoverStateMachine(t.s);
    expect([r2.reconfSent, r3.reconfSent, r4.reconfSent]).toEqual([false, true, true]);
    expect(t.sentTo('r2')).toEqual([]);
  });

  it('a replica in SENT for more than 10 s counts as done (-slave-reconf-sent-timeout) and is sent SLAVEOF again, when a slot lets the loop reach it', () => {
    const { t, r2, r3 } = failing('reconf_slaves', { parallelSyncs: 2 });
    r2.reconfSent = true;
    r2.reconfSentUs = t.now();
    r3.reconfDone = true;
    t.advance(10 * SEC);
    F.failoverStateMachine(t.s);
    expect([r2.reconfSent, r2.reconfDone]).toEqual([true, false]);
    t.advance(1);
    F.failoverStateMachine(t.s);
    // sentinel.c goes on to the SENT/INPROG check with SENT cleared: a new SLAVEOF, SENT and DONE both set
    expect([r2.reconfSent, r2.reconfDone, r2.reconfSentUs]).toEqual([true, true, t.now()]);
    expect(t.names().filter((e) => e.includes('slave-reconf'))).toEqual(['-slave-reconf-sent-timeout', '+slave-reconf-sent']);
    expect(t.sentTo('r2').filter((c) => c === 'SLAVEOF r1 6379')).toHaveLength(1);
    // every other replica is done: the failover ends
    expect(t.s.master.failoverState).toBe('update_config');
  });

  it('ends (+failover-end, update_config) once every replica but the promoted one is done or SDOWN', () => {
    const { t, m, r2, r3 } = failing('reconf_slaves');
    r2.reconfDone = true;
    r3.reconfInprog = true;
    F.failoverStateMachine(t.s);
    expect(m.failoverState).toBe('reconf_slaves');
    r3.sdown = true;
    t.advance(SEC);
    F.failoverStateMachine(t.s);
    expect([m.failoverState, m.failoverStateChangeUs]).toEqual(['update_config', t.now()]);
    expect(t.names().at(-1)).toBe('+failover-end');
    expect(t.names()).not.toContain('+failover-end-for-timeout');
  });

  it('does not end while the promoted replica is SDOWN, even with every other replica done', () => {
    const { t, m, r1, r2, r3 } = failing('reconf_slaves');
    r1.sdown = true;
    r2.reconfDone = true;
    r3.reconfDone = true;
    t.advance(30 * SEC);
    F.failoverStateMachine(t.s);
    expect(m.failoverState).toBe('reconf_slaves');
    expect(t.names()).not.toContain('+failover-end');
  });

  it('after failover-timeout in reconf_slaves it ends anyway, with a best-effort SLAVEOF to replicas not done, sent, or disconnected', () => {
    const { t, m, r2, r3 } = failing('reconf_slaves', { parallelSyncs: 2 });
    const r4 = t.slave('r4');
    const r5 = t.slave('r5');
    // the slots are full, so reconfNextSlave sends nothing itself
    r2.reconfSent = true;
    r2.reconfSentUs = t.now() + 15 * SEC;
    r3.reconfInprog = true;
    r4.reconfDone = true;
    // disconnected with its command connection still up (its Pub/Sub connection was closed)
    r5.link.disconnected = true;
    const r6 = t.slave('r6');
    m.failoverStateChangeUs = t.now();
    t.advance(20 * SEC);
    F.failoverStateMachine(t.s);
    expect(m.failoverState).toBe('reconf_slaves');
    t.advance(1);
    F.failoverStateMachine(t.s);
    expect(t.names().slice(-4)).toEqual(['+failover-end-for-timeout', '+failover-end', '+slave-reconf-sent-be', '+slave-reconf-sent-be']);
    // INPROG is not skipped by the best-effort pass (sentinel.c skips PROMOTED, RECONF_DONE, RECONF_SENT only)
    expect(t.events().slice(-2).map((e) => e.instance!.split(' ')[1])).toEqual(['r3:6379', 'r6:6379']);
    expect(m.failoverState).toBe('update_config');
    expect(t.sentTo('r6')).toContain('SLAVEOF r1 6379');
    expect(r6.reconfSent).toBe(true);
    expect(t.sentTo('r3')).toContain('SLAVEOF r1 6379');
    for (const h of ['r1', 'r2', 'r4', 'r5']) expect(t.sentTo(h), h).toEqual([]);
  });
});

describe('the switch to the promoted replica, and SENTINEL RESET', () => {
  it('+switch-master names both addresses and the config epoch; the old master and other replicas become replicas of the new one', () => {
    const { t, m } = failing('reconf_slaves');
    m.configEpoch = 1;
    m.failoverState = 'update_config';
    const peer = t.peer('s2', B);
    F.switchToPromoted(t.s);
    const sw = t.events().find((e) => e.event === '+switch-master')!;
    expect([sw.detail, sw.config_epoch]).toEqual(['mymaster p 6379 r1 6379', 1]);
    expect(m.inst.host).toBe('r1');
    expect([...m.slaves.keys()]).toEqual(['r2:6379', 'r3:6379', 'p:6379']);
    expect([...m.sentinels.values()]).toEqual([peer]);
    expect(peer.link.cc).not.toBe(null);
    expect([m.inProgress, m.failoverState, m.promoted, m.failoverStartUs, m.failoverStateChangeUs]).toEqual([false, 'none', null, 0, 0]);
    expect(t.names()).not.toContain('+reset-master');
    expect(t.s.ctx.disk.read<{ masterHost: string; replicas: string[] }>('sentinel.conf')!.data).toMatchObject({ masterHost: 'r1', replicas: ['r2', 'r3', 'p'] });
  });

  it('with no promoted replica the address stays, and so do the replicas (the master is not added as one)', () => {
    const t = stub();
    t.slave('r1');
    F.switchToPromoted(t.s);
    expect(t.events().find((e) => e.event === '+switch-master')!.detail).toBe('mymaster p 6379 p 6379');
    expect(t.s.master.inst.host).toBe('p');
    expect([...t.s.master.slaves.keys()]).toEqual(['r1:6379']);
  });

  it('sentinelResetMaster(): closes every link, forgets replicas and Sentinels, clears the failover and the vote', () => {
    const { t, m, r1, r2 } = failing('wait_promotion');
    const peer = t.peer('s2', B);
    m.forced = true;
    m.leader = MY_ID;
    m.leaderEpoch = 1;
    const closed: string[] = [];
    const pc = (name: string) => ({ close: () => void closed.push(name) }) as never;
    r1.link.pc = pc('r1 pc');
    m.inst.link.pc = pc('master pc');
    const ccs = [m.inst.link.cc!, r1.link.cc!, r2.link.cc!, peer.link.cc!];
    m.inst.lastPubUs = 123;
    m.inst.infoRefreshUs = 456;
    m.inst.link.lastReconnUs = 789;
    t.advance(SEC);
    F.resetMaster(t.s, false, true);
    expect(ccs.map((c) => c.isClosed)).toEqual([true, true, true, true]);
    expect(closed.sort()).toEqual(['master pc', 'r1 pc']);
    expect([m.slaves.size, m.sentinels.size]).toEqual([0, 0]);
    expect([m.leader, m.leaderEpoch, m.inProgress, m.forced, m.failoverState, m.promoted, m.failoverStartUs]).toEqual([null, 1, false, false, 'none', null, 0]);
    expect([m.inst.sdown, m.inst.odown, m.inst.link.actPingUs, m.inst.roleReportedUs]).toEqual([false, false, t.now(), t.now()]);
    expect([m.inst.lastPubUs, m.inst.infoRefreshUs, m.inst.link.lastReconnUs]).toEqual([123, 456, 789]);
    expect(t.events().at(-1)!.event).toBe('+reset-master');
    // still named as sentinel.c names a master
    expect(t.events().at(-1)!.instance).toBe('master mymaster p 6379');
  });
});
