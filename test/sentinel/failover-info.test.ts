// failover.ts on a stub Sentinel, what an INFO reply makes a Sentinel do: the acting half of
// sentinelRefreshInstanceInfo() with sentinelMasterLooksSane() and sentinelRedisInstanceNoDownFor()
// (7.0.15's sentinel.c): the promotion seen, +convert-to-slave, +fix-slave-config, reconf progress.

import { afterEach, describe, expect, it } from 'vitest';
import * as F from '../../sim/sentinel/failover.js';
import { stub, expectPlainDetails, SEC, type Stub } from './stub.js';

afterEach(expectPlainDetails);

/** A Sentinel 100 s in whose master looks sane (reports master, INFO fresh, not down). */
function sane(): Stub {
  const t = stub();
  t.advance(100 * SEC);
  t.s.master.inst.roleReported = 'master';
  t.s.master.inst.infoRefreshUs = t.now();
  return t;
}

describe('the promotion seen in INFO', () => {
  it('the promoted replica reporting master in wait_promotion: config epoch, reconf_slaves, events, hellos forced', () => {
    const t = sane();
    const m = t.s.master;
    const r = t.slave('r1', { promoted: true, roleReported: 'master' });
    m.inProgress = true;
    m.failoverState = 'wait_promotion';
    m.failoverEpoch = 7;
    m.promoted = r;
    const pub = t.now() - SEC;
    m.inst.lastPubUs = pub;
    F.actOnInfo(t.s, r, 'master');
    expect([m.configEpoch, m.failoverState, m.failoverStateChangeUs]).toEqual([7, 'reconf_slaves', t.now()]);
    expect(t.events().slice(-2).map((e) => [e.event, e.failover_epoch])).toEqual([
      ['+promoted-slave', 7],
      ['+failover-state-reconf-slaves', undefined],
    ]);
    expect(t.events().at(-2)!.instance).toContain('slave r1:6379');
    // sentinelForceHelloUpdateForMaster(): the next hello is due at once
    expect(m.inst.lastPubUs).toBe(pub - 2 * SEC - 1000);
    expect(t.s.ctx.disk.read<{ configEpoch: number }>('sentinel.conf')!.data.configEpoch).toBe(7);
    // nothing was sent to it: the promotion needs no command
    expect(t.sentTo('r1')).toEqual([]);
  });

  it('is not taken as the promotion outside wait_promotion, without a failover, or from a replica not promoted', () => {
    for (const c of [
      { promoted: true, inProgress: true, state: 'send_slaveof_noone' as const },
      { promoted: true, inProgress: false, state: 'wait_promotion' as const },
      { promoted: false, inProgress: true, state: 'wait_promotion' as const },
    ]) {
      const t = sane();
      const m = t.s.master;
      const r = t.slave('r1', { promoted: c.promoted, roleReported: 'master', roleReportedUs: t.now() });
      m.inProgress = c.inProgress;
      m.failoverState = c.state;
      m.promoted = r;
      F.actOnInfo(t.s, r, 'master');
      expect(m.failoverState, JSON.stringify(c)).toBe(c.state);
      expect(t.names(), JSON.stringify(c)).not.toContain('+promoted-slave');
      expect(t.sentTo('r1'), JSON.stringify(c)).toEqual([]);
    }
  });
});

describe('+convert-to-slave: a replica that turned master on its own', () => {
  it('is sent SLAVEOF the master once it has reported master for > 4 hello periods (8 s), the master sane', () => {
    const t = sane();
    const r = t.slave('r1', { roleReported: 'master', roleReportedUs: t.now() - 8 * SEC });
    F.actOnInfo(t.s, r, 'master');
    expect(t.sentTo('r1')).toEqual([]);
    t.advance(1);
    t.s.master.inst.infoRefreshUs = t.now();
    F.actOnInfo(t.s, r, 'master');
    expect(t.sentTo('r1')).toContain('SLAVEOF p 6379');
    expect(t.names().at(-1)).toBe('+convert-to-slave');
  });

  it('waits while the master does not look sane: not reporting master, SDOWN, ODOWN, or INFO 2 periods (20 s) old', () => {
    const cases: [string, (t: Stub) => void, boolean][] = [
      ['sane', () => {}, true],
      ['reports slave', (t) => void (t.s.master.inst.roleReported = 'slave'), false],
      ['sdown', (t) => void (t.s.master.inst.sdown = true), false],
      ['odown', (t) => void (t.s.master.inst.odown = true), false],
      ['info 20 s old', (t) => void (t.s.master.inst.infoRefreshUs = t.now() - 20 * SEC), false],
      ['info just under 20 s old', (t) => void (t.s.master.inst.infoRefreshUs = t.now() - 20 * SEC + 1), true],
    ];
    for (const [what, make, converts] of cases) {
      const t = sane();
      const r = t.slave('r1', { roleReported: 'master', roleReportedUs: t.now() - 9 * SEC });
      make(t);
      F.actOnInfo(t.s, r, 'master');
      expect(t.names().includes('+convert-to-slave'), what).toBe(converts);
    }
  });

  it('waits 8 s after the replica\'s own last SDOWN or ODOWN, and never converts the promoted replica', () => {
    const cases: [string, Record<string, unknown>, boolean][] = [
      ['sdown 8 s ago', { sdownSinceUs: -8 * SEC }, false],
      ['sdown just over 8 s ago', { sdownSinceUs: -8 * SEC - 1 }, true],
      ['odown 8 s ago, sdown long ago', { sdownSinceUs: -60 * SEC, odownSinceUs: -8 * SEC }, false],
      ['promoted', { promoted: true }, false],
    ];
    for (const [what, fields, converts] of cases) {
      const t = sane();
      const rel = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'number' ? t.now() + v : v]));
      const r = t.slave('r1', { roleReported: 'master', roleReportedUs: t.now() - 9 * SEC, ...rel });
      F.actOnInfo(t.s, r, 'master');
      expect(t.names().includes('+convert-to-slave'), what).toBe(converts);
    }
  });
});

describe('+fix-slave-config: a replica of another master', () => {
  it('is re-pointed after failover-timeout (20 s) since its configuration changed, the master sane', () => {
    for (const [host, port] of [['q', 6379], ['p', 6380]] as const) {
      const t = sane();
      const r = t.slave('r1', { slaveMasterHost: host, slaveMasterPort: port, slaveConfChangeUs: t.now() - 20 * SEC });
      F.actOnInfo(t.s, r, 'slave');
      expect(t.sentTo('r1')).toEqual([]);
      t.advance(1);
      t.s.master.inst.infoRefreshUs = t.now();
      F.actOnInfo(t.s, r, 'slave');
      expect(t.sentTo('r1')).toContain('SLAVEOF p 6379');
      expect(t.names().at(-1)).toBe('+fix-slave-config');
    }
  });

  it('not while the master looks insane or the replica was down within the timeout; never for a replica of the master', () => {
    const cases: [string, (t: Stub) => Record<string, unknown>, boolean][] = [
      ['other master', () => ({}), true],
      ['same master', () => ({ slaveMasterHost: 'p' }), false],
      ['master sdown', (t) => ((t.s.master.inst.sdown = true), {}), false],
      ['replica sdown 20 s ago', (t) => ({ sdownSinceUs: t.now() - 20 * SEC }), false],
      ['replica sdown just over 20 s ago', (t) => ({ sdownSinceUs: t.now() - 20 * SEC - 1 }), true],
    ];
    for (const [what, make, fixes] of cases) {
      const t = sane();
      const r = t.slave('r1', { slaveMasterHost: 'q', slaveConfChangeUs: t.now() - 30 * SEC });
      Object.assign(r, make(t));
      F.actOnInfo(t.s, r, 'slave');
      expect(t.names().includes('+fix-slave-config'), what).toBe(fixes);
    }
  });

  it('a replica reporting master is not "fixed", whatever its old master fields say (it may be converted instead)', () => {
    const t = sane();
    // turned master just now: too early to convert, and its last replica fields named another master
    const r = t.slave('r1', { slaveMasterHost: 'q', slaveConfChangeUs: t.now() - 30 * SEC, roleReported: 'master', roleReportedUs: t.now() });
    F.actOnInfo(t.s, r, 'master');
    expect(t.sentTo('r1')).toEqual([]);
    expect(t.names()).not.toContain('+fix-slave-config');
  });
});

describe('replica reconfiguration progress', () => {
  function reconf(fields: Record<string, unknown>) {
    const t = sane();
    const m = t.s.master;
    const p = t.slave('r1', { promoted: true });
    m.promoted = p;
    m.inProgress = true;
    m.failoverState = 'reconf_slaves';
    const r = t.slave('r2', { slaveMasterHost: 'r1', slaveMasterPort: 6379, slaveMasterLinkUp: false, slaveConfChangeUs: t.now(), ...fields });
    return { t, r };
  }
  const flags = (r: { reconfSent: boolean; reconfInprog: boolean; reconfDone: boolean }) => [r.reconfSent, r.reconfInprog, r.reconfDone];

  it('SENT becomes INPROG when INFO names the promoted replica as master, then DONE once its link is up', () => {
    const { t, r } = reconf({ reconfSent: true });
    F.actOnInfo(t.s, r, 'slave');
    expect(flags(r)).toEqual([false, true, false]);
    expect(t.names().at(-1)).toBe('+slave-reconf-inprog');
    F.actOnInfo(t.s, r, 'slave');
    expect(flags(r)).toEqual([false, true, false]);
    r.slaveMasterLinkUp = true;
    F.actOnInfo(t.s, r, 'slave');
    expect(flags(r)).toEqual([false, false, true]);
    expect(t.names().filter((e) => e.startsWith('+slave-reconf'))).toEqual(['+slave-reconf-inprog', '+slave-reconf-done']);
  });

  it('both steps in one INFO when the link is already up', () => {
    const { t, r } = reconf({ reconfSent: true, slaveMasterLinkUp: true });
    F.actOnInfo(t.s, r, 'slave');
    expect(flags(r)).toEqual([false, false, true]);
  });

  it('SENT stays while INFO names another host or port; nothing moves without SENT or INPROG, or when it reports master', () => {
    for (const [what, fields, role] of [
      ['other host', { reconfSent: true, slaveMasterHost: 'p', slaveMasterLinkUp: true }, 'slave'],
      ['other port', { reconfSent: true, slaveMasterPort: 6380, slaveMasterLinkUp: true }, 'slave'],
      ['not sent', { slaveMasterLinkUp: true }, 'slave'],
      ['reports master', { reconfSent: true, slaveMasterLinkUp: true, roleReported: 'master', roleReportedUs: 0 }, 'master'],
      ['inprog, reports master', { reconfInprog: true, slaveMasterLinkUp: true, roleReported: 'master' }, 'master'],
    ] as const) {
      const { t, r } = reconf(fields);
      const before = flags(r);
      F.actOnInfo(t.s, r, role);
      expect(flags(r), what).toEqual(before);
      expect(t.names().filter((e) => e.startsWith('+slave-reconf')), what).toEqual([]);
    }
  });
});
