// The Sentinel properties fed hand-made events: each violation branch, the quiet case, and that a
// run without Sentinels says it saw nothing.

import { describe, expect, it } from 'vitest';
import { feed, cluster, promote, crash, type Ev } from './history-events.js';

const sev = (t: number, sentinel: string, event: string, o: { instance?: string | null; detail?: string; epoch?: number; failover_epoch?: number; config_epoch?: number; candidates?: unknown[] } = {}): Ev => ({
  t, type: 'sentinel.event', sentinel, event, instance: o.instance ?? null, detail: o.detail ?? '', epoch: o.epoch ?? 0,
  ...(o.failover_epoch !== undefined ? { failover_epoch: o.failover_epoch } : {}),
  ...(o.config_epoch !== undefined ? { config_epoch: o.config_epoch } : {}),
  ...(o.candidates ? { candidates: o.candidates } : {}),
});
const M = 'master mymaster n1 6379';
const slave = (h: string) => `slave ${h}:6379 ${h} 6379 @ mymaster n1 6379`;
const monitor = (s: string, t = 0) => [sev(t, s, 'start'), sev(t, s, '+monitor', { instance: M, config_epoch: 0 })];
const sentinels = [...monitor('s1'), ...monitor('s2'), ...monitor('s3')];
const settled = (t: number): Ev => ({ t, type: 'x.fault.settled', after_us: 1 });

describe('one-master-per-epoch', () => {
  it('is quiet on one leader, one promotion and one switch target per epoch', () => {
    const { messages, report } = feed('one-master-per-epoch', [
      ...sentinels,
      sev(10, 's1', '+elected-leader', { instance: M, failover_epoch: 1 }),
      sev(20, 's1', '+promoted-slave', { instance: slave('n2'), failover_epoch: 1 }),
      sev(30, 's2', '+switch-master', { detail: 'mymaster n1 6379 n2 6379', config_epoch: 1 }),
      sev(31, 's3', '+switch-master', { detail: 'mymaster n1 6379 n2 6379', config_epoch: 1 }),
    ]);
    expect(messages).toEqual([]);
    expect(report.checked).toBe(4);
  });

  it('reports two leaders elected in one epoch', () => {
    const { messages } = feed('one-master-per-epoch', [...sentinels, sev(10, 's1', '+elected-leader', { failover_epoch: 3 }), sev(11, 's2', '+elected-leader', { failover_epoch: 3 })]);
    expect(messages).toEqual(['two Sentinels elected leader in epoch 3: s1 and s2 (one vote per epoch, a majority each: at least one Sentinel voted twice)']);
  });

  it('does not count a forced failover (SENTINEL FAILOVER skips the election) as an election', () => {
    const { messages } = feed('one-master-per-epoch', [...sentinels, sev(10, 's1', '+elected-leader', { failover_epoch: 3 }), sev(11, 's2', '+elected-leader', { failover_epoch: 3, detail: 'forced' })]);
    expect(messages).toEqual([]);
  });

  it('reports two replicas promoted in one epoch', () => {
    const { messages } = feed('one-master-per-epoch', [...sentinels, sev(10, 's1', '+promoted-slave', { instance: slave('n2'), failover_epoch: 2 }), sev(11, 's2', '+promoted-slave', { instance: slave('n3'), failover_epoch: 2 })]);
    expect(messages).toEqual(['two replicas promoted in epoch 2: n2 and n3 (by s2)']);
  });

  const sw = (t: number, s: string, to: string, epoch: number) => sev(t, s, '+switch-master', { detail: `mymaster n1 6379 ${to} 6379`, config_epoch: epoch });

  it('reports a configuration epoch that two majorities adopt with different masters', () => {
    // five Sentinels: a majority is three
    const five = [...sentinels, ...monitor('s4'), ...monitor('s5')];
    const { messages } = feed('one-master-per-epoch', [...five, sw(10, 's1', 'n2', 4), sw(11, 's2', 'n2', 4), sw(12, 's3', 'n2', 4), sw(13, 's3', 'n3', 4), sw(14, 's4', 'n3', 4), sw(15, 's5', 'n3', 4)]);
    expect(messages).toEqual(['configuration epoch 4 names two masters, each adopted by a majority of the 5 Sentinels: n2 first, then n3']);
  });

  it('notes, without a violation, one Sentinel that adopts another master in an epoch the majority holds', () => {
    const { messages, report, property } = feed('one-master-per-epoch', [...sentinels, sw(10, 's2', 'n2', 2), sw(11, 's3', 'n2', 2), sw(20, 's1', 'n3', 2)]);
    expect(messages).toEqual([]);
    expect(report.stats).toMatchObject({ minority_conflicts: 1 });
    expect(property.notes()).toEqual(['0.000 s: s1 switched to n3 in configuration epoch 2, which s2 holds with n2, s3 holds with n2']);
  });

  it('says it saw nothing in a run without Sentinels', () => {
    expect(feed('one-master-per-epoch', cluster).report.checked).toBe(0);
  });
});

describe('failover-choice', () => {
  const cand = (host: string, priority: number, offset: number, runid: string) => ({ host, priority, offset, runid });
  it('accepts the best candidate by priority, offset, run id', () => {
    const { messages, report } = feed('failover-choice', [...cluster, sev(10, 's1', '+selected-slave', { instance: slave('n2'), candidates: [cand('n2', 10, 5, 'b'), cand('n3', 100, 900, 'a')] })]);
    expect(messages).toEqual([]);
    expect(report.checked).toBe(1);
  });

  it('reports a choice that breaks the order (priority first)', () => {
    const { messages } = feed('failover-choice', [...cluster, sev(10, 's1', '+selected-slave', { instance: slave('n3'), candidates: [cand('n2', 10, 5, 'b'), cand('n3', 100, 900, 'a')] })]);
    expect(messages).toEqual(['s1 selected n3 (priority 100, offset 900) over n2 (priority 10, offset 5): the rule orders priority, then offset, then run id']);
  });

  it('reports a choice with equal priority and a smaller offset, and ties broken by the larger run id', () => {
    expect(feed('failover-choice', [...cluster, sev(10, 's1', '+selected-slave', { instance: slave('n3'), candidates: [cand('n2', 100, 7, 'b'), cand('n3', 100, 5, 'a')] })]).messages).toHaveLength(1);
    expect(feed('failover-choice', [...cluster, sev(10, 's1', '+selected-slave', { instance: slave('n3'), candidates: [cand('n2', 100, 5, 'a'), cand('n3', 100, 5, 'b')] })]).messages).toHaveLength(1);
    expect(feed('failover-choice', [...cluster, sev(10, 's1', '+selected-slave', { instance: slave('n2'), candidates: [cand('n2', 100, 5, 'a'), cand('n3', 100, 5, 'b')] })]).messages).toEqual([]);
  });

  it('reports a priority-0 replica chosen, and one the rule did not list', () => {
    expect(feed('failover-choice', [...cluster, sev(10, 's1', '+selected-slave', { instance: slave('n2'), candidates: [cand('n2', 0, 5, 'a')] })]).messages).toEqual(['s1 selected n2, whose replica-priority is 0 (never promoted)']);
    expect(feed('failover-choice', [...cluster, sev(10, 's1', '+selected-slave', { instance: slave('n2'), candidates: [cand('n3', 100, 5, 'a')] })]).messages).toEqual(['s1 selected n2, which is not among the replicas its rule allowed (n3)']);
  });

  it('notes (without a violation) a choice that lags another replica of the same history', () => {
    const applied = (node: string, start: number, bytes: number, t: number): Ev => ({ t, type: 'redis.applied', node, replid: 'a'.repeat(40), start, bytes, h: 'x' });
    const { messages, report, property } = feed('failover-choice', [
      ...cluster,
      applied('n2', 1, 10, 5),
      applied('n3', 1, 10, 5),
      applied('n3', 11, 10, 6),
      sev(10, 's1', '+selected-slave', { instance: slave('n2'), candidates: [cand('n2', 100, 10, 'a')] }),
    ]);
    expect(messages).toEqual([]);
    expect(report.stats).toMatchObject({ choices: 1, lagging_choice: 1 });
    expect(property.notes()[0]).toContain('s1 chose n2 at offset 10 while n3 held 20 of the same history');
  });
});

describe('sentinel-convergence', () => {
  it('is quiet when every running Sentinel names the one master the nodes show, in one config epoch', () => {
    const sw = (s: string) => sev(30, s, '+switch-master', { detail: 'mymaster n1 6379 n2 6379', config_epoch: 1 });
    const { messages, report } = feed('sentinel-convergence', [...cluster, ...sentinels, crash('n1', 20), promote('n2', 25), sw('s1'), sw('s2'), sw('s3'), settled(40)]);
    expect(messages).toEqual([]);
    expect(report.checked).toBe(1);
  });

  it('reports Sentinels that name different masters when the window closes', () => {
    const { messages } = feed('sentinel-convergence', [...cluster, ...sentinels, crash('n1', 20), promote('n2', 25), sev(30, 's1', '+switch-master', { detail: 'mymaster n1 6379 n2 6379', config_epoch: 1 }), settled(40)]);
    expect(messages).toEqual(['the settle window closed at 0.040 ms without the Sentinels agreeing: they name different masters or epochs (s1: n2 (config epoch 1), s2: n1 (config epoch 0), s3: n1 (config epoch 0))']);
  });

  it('reports agreeing Sentinels whose master is not the one the nodes show; a stopped Sentinel does not count', () => {
    const events = [...cluster, ...sentinels, crash('n1', 20), promote('n2', 25), sev(26, 's3', 'stop'), settled(40)];
    expect(feed('sentinel-convergence', events).messages).toEqual(['the settle window closed at 0.040 ms without the Sentinels agreeing: they name n1, the nodes show n2 as master']);
  });

  it('a restarted Sentinel believes what its +monitor says', () => {
    const events = [...cluster, ...sentinels, sev(26, 's3', 'stop'), sev(27, 's3', 'start'), sev(27, 's3', '+monitor', { instance: 'master mymaster n2 6379', config_epoch: 0 }), settled(40)];
    const [msg] = feed('sentinel-convergence', events).messages;
    expect(msg).toMatch(/^the settle window closed at 0\.040 ms without the Sentinels agreeing: they name different masters in one configuration epoch \(s1: n1 \(config epoch 0\), s2: n1 \(config epoch 0\), s3: n2 \(config epoch 0\)\); a hello only moves a Sentinel to a newer epoch/);
  });

  it('says it saw nothing without Sentinels, even when a window closes', () => {
    expect(feed('sentinel-convergence', [...cluster, settled(40)]).report.checked).toBe(0);
  });
});

