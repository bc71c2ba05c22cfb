// failover.ts on a stub Sentinel, starting a failover and picking a replica: sentinelStartFailover(),
// sentinelStartFailoverIfNeeded(), sentinelSelectSlave() and compareSlavesForPromotion(),
// sentinelSendSlaveOf(), sentinelGetCurrentMasterAddress() (7.0.15's sentinel.c), boundary by boundary.

import { afterEach, describe, expect, it } from 'vitest';
import * as F from '../../sim/sentinel/failover.js';
import { Rng } from '../../sim/kernel/rng.js';
import { stub, expectPlainDetails, SEC } from './stub.js';

afterEach(expectPlainDetails);

describe('sentinelStartFailover() and sentinelStartFailoverIfNeeded()', () => {
  it('a start takes the next epoch, enters wait_start now, and delays the start by a whole number of ms under a second', () => {
    const t = stub();
    const m = t.s.master;
    t.s.currentEpoch = 4;
    F.startFailover(t.s);
    expect([m.failoverState, m.inProgress, m.failoverEpoch, t.s.currentEpoch]).toEqual(['wait_start', true, 5, 5]);
    expect(m.failoverStateChangeUs).toBe(t.now());
    expect(m.failoverStartUs).toBeGreaterThanOrEqual(t.now());
    expect(m.failoverStartUs).toBeLessThan(t.now() + SEC);
    expect(m.failoverStartUs % 1000).toBe(0);
    const ev = t.events().slice(-2);
    expect(ev.map((e) => [e.event, e.detail, e.failover_epoch])).toEqual([
      ['+new-epoch', '5', undefined],
      ['+try-failover', '', 5],
    ]);
    // the delay is drawn: over many starts it is not always the same
    const delays = new Set<number>();
    for (let i = 0; i < 20; i++) {
      F.startFailover(t.s);
      delays.add(m.failoverStartUs - t.now());
    }
    expect(delays.size).toBeGreaterThan(10);
    // rand() % SENTINEL_MAX_DESYNC ms: the next draw of the Sentinel's stream, in [0, 999]
    for (let i = 0; i < 20; i++) {
      const copy = Rng.restoreStream(t.s.ctx.rng.saveState());
      F.startFailover(t.s);
      expect(m.failoverStartUs - t.now()).toBe(copy.int(0, 999) * 1000);
    }
  });

  it('starts only with ODOWN, none in progress, and 2 × failover-timeout since the last start (at exactly 2 ×, it starts)', () => {
    const t = stub();
    const m = t.s.master;
    t.advance(100 * SEC);
    expect(F.startFailoverIfNeeded(t.s)).toBe(false);
    m.inst.odown = true;
    m.failoverStartUs = t.now() - 40 * SEC + 1;
    expect(F.startFailoverIfNeeded(t.s)).toBe(false);
    expect(m.inProgress).toBe(false);
    t.advance(1);
    m.inProgress = true;
    expect(F.startFailoverIfNeeded(t.s)).toBe(false);
    expect(t.names()).not.toContain('+try-failover');
    m.inProgress = false;
    expect(F.startFailoverIfNeeded(t.s)).toBe(true);
    expect(m.inProgress).toBe(true);
    expect(t.names()).toContain('+try-failover');
  });
});

describe('sentinelSelectSlave()', () => {
  it('orders by lower priority, then larger offset, then smaller run id (case-insensitive)', () => {
    const t = stub();
    t.slave('r1', { slavePriority: 100, slaveReplOffset: 500 });
    t.slave('r2', { slavePriority: 10, slaveReplOffset: 100 });
    t.slave('r3', { slavePriority: 100, slaveReplOffset: 900 });
    t.slave('r4', { slavePriority: 100, slaveReplOffset: 500, runid: 'B'.repeat(40) });
    t.slave('r5', { slavePriority: 100, slaveReplOffset: 500, runid: 'a'.repeat(40) });
    expect(F.candidates(t.s).map((r) => r.host)).toEqual(['r2', 'r3', 'r5', 'r4', 'r1']);
    expect(F.selectSlave(t.s)!.host).toBe('r2');
  });

  it('skips replicas that are SDOWN, ODOWN, disconnected, of priority 0, or whose last valid PING reply is > 5 s old', () => {
    const t = stub();
    t.advance(100 * SEC);
    t.slave('sd', { sdown: true });
    t.slave('od', { odown: true });
    t.disconnect(t.slave('dc'));
    t.slave('p0', { slavePriority: 0 });
    t.slave('old').link.lastAvailUs = t.now() - 5 * SEC - 1;
    t.slave('edge').link.lastAvailUs = t.now() - 5 * SEC;
    t.slave('ok', { slavePriority: 200 });
    expect(F.candidates(t.s).map((r) => r.host)).toEqual(['edge', 'ok']);
  });

  it('INFO must be fresh: 3 INFO periods (30 s) normally, 5 PING periods (5 s) while the master is SDOWN', () => {
    const t = stub();
    t.advance(100 * SEC);
    const now = t.now();
    t.slave('a', { infoRefreshUs: now - 30 * SEC });
    t.slave('b', { infoRefreshUs: now - 30 * SEC - 1 });
    t.slave('c', { infoRefreshUs: now - 5 * SEC });
    t.slave('d', { infoRefreshUs: now - 5 * SEC - 1 });
    expect(F.candidates(t.s).map((r) => r.host)).toEqual(['a', 'c', 'd']);
    t.s.master.inst.sdown = true;
    t.s.master.inst.sdownSinceUs = now;
    expect(F.candidates(t.s).map((r) => r.host)).toEqual(['c']);
  });

  it('the link to the master may have been down at most 10 × down-after, plus the time the master has been SDOWN', () => {
    const t = stub();
    t.advance(100 * SEC);
    t.slave('a', { masterLinkDownMs: 50_000 });
    t.slave('b', { masterLinkDownMs: 50_001 });
    t.slave('c', { masterLinkDownMs: 57_000 });
    t.slave('d', { masterLinkDownMs: 57_001 });
    expect(F.candidates(t.s).map((r) => r.host)).toEqual(['a']);
    t.s.master.inst.sdown = true;
    t.s.master.inst.sdownSinceUs = t.now() - 7 * SEC;
    expect(F.candidates(t.s).map((r) => r.host)).toEqual(['a', 'b', 'c']);
  });

  it('SENTINEL FAILOVER needs a candidate: none usable, NOGOODSLAVE', () => {
    const t = stub();
    t.slave('r1', { slavePriority: 0 });
    expect(t.s.serve(['SENTINEL', 'failover', 'mymaster'])).toEqual({ message: 'NOGOODSLAVE No suitable replica to promote' });
    expect(F.selectSlave(t.s)).toBe(null);
  });
});

describe('sentinelSendSlaveOf()', () => {
  it('sends MULTI, SLAVEOF, CONFIG REWRITE, CLIENT KILL TYPE normal and pubsub, EXEC; NO ONE for a promotion', () => {
    const t = stub();
    const r = t.slave('r1');
    expect(F.sendSlaveOf(t.s, r, 'r2')).toBe(true);
    expect(F.sendSlaveOf(t.s, r, null)).toBe(true);
    const tx = ['MULTI', 'CONFIG REWRITE', 'CLIENT KILL TYPE normal', 'CLIENT KILL TYPE pubsub', 'EXEC'];
    expect(t.sentTo('r1')).toEqual([tx[0], 'SLAVEOF r2 6379', ...tx.slice(1), tx[0], 'SLAVEOF NO ONE', ...tx.slice(1)]);
  });

  it('fails without a command link, and sends nothing', () => {
    const t = stub();
    const r = t.slave('r1');
    t.disconnect(r);
    expect(F.sendSlaveOf(t.s, r, 'r2')).toBe(false);
    expect(t.sentTo('r1')).toEqual([]);
  });
});

describe('sentinelGetCurrentMasterAddress()', () => {
  it('the promoted replica once the failover reached reconf_slaves (or later), the master otherwise', () => {
    const t = stub();
    const m = t.s.master;
    const r = t.slave('r1');
    const at = (inProgress: boolean, promoted: boolean, state: typeof m.failoverState) => {
      m.inProgress = inProgress;
      m.promoted = promoted ? r : null;
      m.failoverState = state;
      return F.currentMasterHost(t.s);
    };
    expect(at(true, true, 'reconf_slaves')).toBe('r1');
    expect(at(true, true, 'update_config')).toBe('r1');
    expect(at(true, true, 'wait_promotion')).toBe('p');
    expect(at(true, true, 'send_slaveof_noone')).toBe('p');
    expect(at(false, true, 'reconf_slaves')).toBe('p');
    expect(at(false, false, 'update_config')).toBe('p');
    expect(at(true, false, 'reconf_slaves')).toBe('p');
  });
});
