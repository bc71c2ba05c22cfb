// The commands a simulated Sentinel serves: SENTINEL masters / replicas / sentinels, FAILOVER (forced,
// no election), RESET, INFO, ROLE, and the refusals.

import { describe, expect, it } from 'vitest';
import { world, SEC } from '../support/redis.js';
import type { SentinelConfig } from '../../sim/sentinel/config.js';
import type { TraceEvent } from '../../sim/trace-events.js';
import type { Reply } from '../../sim/redis/reply.js';

type SEvent = Extract<TraceEvent, { type: 'sentinel.event' }>;
const cfg: SentinelConfig = { masterName: 'mymaster', master: 'p', quorum: 2, downAfterUs: 5 * SEC, failoverTimeoutUs: 20 * SEC, parallelSyncs: 1 };

function setup() {
  const w = world({ nodes: { p: {}, r1: { replicaof: 'p' }, r2: { replicaof: 'p' } }, sentinels: { s1: { config: cfg }, s2: { config: cfg }, s3: { config: cfg } } });
  w.runFor(12 * SEC);
  return w;
}

/** A SENTINEL reply's flat field list as an object. */
const fields = (r: Reply) => {
  const a = r as string[];
  const o: Record<string, string> = {};
  for (let i = 0; i < a.length; i += 2) o[a[i]!] = a[i + 1]!;
  return o;
};

describe('SENTINEL commands', () => {
  it('masters, replicas and sentinels describe what this Sentinel knows', () => {
    const s = setup().sentinel('s1');
    const [m] = s.serve(['SENTINEL', 'masters']) as Reply[];
    expect(fields(m!)).toMatchObject({ name: 'mymaster', ip: 'p', port: '6379', flags: 'master', 'num-slaves': '2', 'num-other-sentinels': '2', quorum: '2', 'config-epoch': '0' });
    const replicas = (s.serve(['SENTINEL', 'replicas', 'mymaster']) as Reply[]).map(fields);
    expect(replicas.map((r) => r.name).sort()).toEqual(['r1:6379', 'r2:6379']);
    for (const r of replicas) expect(r).toMatchObject({ flags: 'slave', 'master-host': 'p', 'master-link-status': 'ok', 'slave-priority': '100' });
    expect((s.serve(['SENTINEL', 'sentinels', 'mymaster']) as Reply[]).map((x) => fields(x).ip).sort()).toEqual(['s2', 's3']);
    expect(s.serve(['SENTINEL', 'replicas', 'other'])).toEqual({ message: 'ERR No such master with that name' });
    expect(s.serve(['SENTINEL', 'get-master-addr-by-name', 'other'])).toBe(null);
  });

  it('SENTINEL FAILOVER promotes without an election or a down master, in a new epoch', () => {
    const w = setup();
    const s = w.sentinel('s2');
    expect(s.serve(['SENTINEL', 'failover', 'mymaster'])).toBe('OK');
    expect(s.serve(['SENTINEL', 'failover', 'mymaster'])).toEqual({ message: 'INPROG Failover already in progress' });
    w.runFor(15 * SEC);
    const ev = w.events().filter((e): e is SEvent => e.type === 'sentinel.event');
    const elected = ev.filter((e) => e.event === '+elected-leader');
    expect(elected.map((e) => [e.sentinel, e.detail, e.failover_epoch])).toEqual([['s2', 'forced', 1]]);
    // the master was never down and nobody was asked: the only vote is the leader's own
    expect(ev.some((e) => e.event === '+odown')).toBe(false);
    expect(ev.filter((e) => e.event === '+vote-for-leader').map((e) => e.sentinel)).toEqual(['s2']);
    const promoted = ev.find((e) => e.event === '+promoted-slave')!.instance!.split(' ')[2]!;
    expect(w.node(promoted).isMaster).toBe(true);
    // the old master, still running, is demoted by the leader's reconfiguration
    expect(w.node('p').masterHost).toBe(promoted);
    for (const n of ['s1', 's2', 's3']) expect(w.sentinel(n).serve(['SENTINEL', 'get-master-addr-by-name', 'mymaster'])).toEqual([promoted, '6379']);
  });

  it('flags are listed in sentinel.c\'s order: down states, kind, link, then the failover\'s (addReplySentinelRedisInstance())', () => {
    const w = setup();
    const s = w.sentinel('s2');
    const masterFlags = () => fields((s.serve(['SENTINEL', 'masters']) as Reply[])[0]!).flags;
    expect(s.serve(['SENTINEL', 'failover', 'mymaster'])).toBe('OK');
    expect(masterFlags()).toBe('master,failover_in_progress,force_failover');
    // the master killed: down before the kind, and the link's state after it
    const w2 = setup();
    w2.crash('p');
    const s1 = w2.sentinel('s1');
    expect(w2.runUntil(() => fields((s1.serve(['SENTINEL', 'masters']) as Reply[])[0]!).flags!.startsWith('s_down,o_down,master,disconnected'), 10 * SEC)).toBe(true);
    // a peer that said the master is down
    const peers = (s1.serve(['SENTINEL', 'sentinels', 'mymaster']) as Reply[]).map((x) => fields(x).flags);
    expect(peers.some((f) => f === 'sentinel,master_down')).toBe(true);
  });

  it('refusals and their texts, as sentinel.c words them; an unknown master name is an error or a nil', () => {
    const s = setup().sentinel('s1');
    const wrong = (cmd: string) => ({ message: `ERR wrong number of arguments for '${cmd}' command` });
    expect(s.serve(['PUBLISH', '__sentinel__:hello'])).toEqual(wrong('publish'));
    expect(s.serve(['PUBLISH', 'news', 'x'])).toEqual({ message: 'ERR Only HELLO messages are accepted by Sentinel instances.' });
    expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '6379', '1'])).toEqual(wrong('sentinel|is-master-down-by-addr'));
    // the port and the epoch are integers as string2ll() reads them (measured on 7.0.15's Sentinel)
    for (const [port, epoch] of [['x', '0'], ['6379', 'x'], ['06379', '0'], ['6379', '01'], ['99999999999999999999', '0'], ['6379', '1.5'], ['6379', '-0']]) {
      expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', port!, epoch!, '*']), `${port} ${epoch}`).toEqual({ message: 'ERR value is not an integer or out of range' });
    }
    expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '-6379', '0', '*'])).toEqual([0, '*', 0]);
    expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '6379', '9223372036854775807', '*'])).toEqual([0, '*', 0]);
    expect(s.serve(['SENTINEL', 'reset'])).toEqual(wrong('sentinel|reset'));
    for (const sub of ['master', 'replicas', 'slaves', 'sentinels', 'failover']) expect(s.serve(['SENTINEL', sub, 'other']), sub).toEqual({ message: 'ERR No such master with that name' });
    expect(s.serve(['SENTINEL', 'nosuch'])).toEqual({ message: "ERR Unknown subcommand or wrong number of arguments for 'nosuch'. Try SENTINEL HELP." });
    expect(s.serve(['SENTINEL'])).toEqual({ message: "ERR Unknown subcommand or wrong number of arguments for ''. Try SENTINEL HELP." });
    expect(s.serve(['NOSUCH', 'x'])).toEqual({ message: "ERR unknown command 'NOSUCH'" });
    expect(s.serve(['ping'])).toBe('PONG');
    expect(s.serve(['ROLE'])).toEqual(['sentinel', ['mymaster']]);
    expect(s.serve(['SENTINEL', 'reset', 'other*'])).toBe(0);
  });

  it('SENTINEL master and slaves are masters\' and replicas\' one entry; a peer is named by its run id; is-master-down-by-addr votes only for the master\'s address, and not for "*"', () => {
    const s = setup().sentinel('s1');
    expect(s.serve(['SENTINEL', 'master', 'mymaster'])).toEqual((s.serve(['SENTINEL', 'masters']) as Reply[])[0]);
    expect(s.serve(['SENTINEL', 'slaves', 'mymaster'])).toEqual(s.serve(['SENTINEL', 'replicas', 'mymaster']));
    const peers = (s.serve(['SENTINEL', 'sentinels', 'mymaster']) as Reply[]).map(fields);
    for (const p of peers) {
      expect(p.name).toBe(p.runid);
      expect(p.name).toMatch(/^[0-9a-f]{40}$/);
      expect(p.flags).toBe('sentinel');
      expect(p['num-slaves']).toBeUndefined();
      expect(p['master-host']).toBeUndefined();
    }
    const m = fields((s.serve(['SENTINEL', 'masters']) as Reply[])[0]!);
    expect(m['master-host']).toBeUndefined();
    const r = fields((s.serve(['SENTINEL', 'replicas', 'mymaster']) as Reply[])[0]!);
    expect(r['config-epoch']).toBeUndefined();
    expect(r).toMatchObject({ 'slave-repl-offset': expect.stringMatching(/^\d+$/) });
    expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '6379', '3', '*'])).toEqual([0, '*', 0]);
    expect(s.currentEpoch).toBe(0); // asking with "*" is no vote request
    expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '6380', '3', 'abcd'])).toEqual([0, '*', 0]);
    expect(s.serve(['SENTINEL', 'is-master-down-by-addr', 'p', '6379', '3', 'abcd'])).toEqual([0, 'abcd', 3]);
    const info = s.serve(['INFO']) as string;
    expect(info).toContain('sentinel_masters:1\r\nsentinel_tilt:0\r\n');
    expect(info).toMatch(/master0:name=mymaster,status=ok,address=p:6379,slaves=2,sentinels=3$/);
  });

  it('SENTINEL FAILOVER with no usable replica is refused', () => {
    const w = world({ nodes: { p: {}, r1: { replicaof: 'p', config: { 'replica-priority': 0 } } }, sentinels: { s1: { config: cfg } } });
    w.runFor(12 * SEC);
    expect(w.sentinel('s1').serve(['SENTINEL', 'failover', 'mymaster'])).toEqual({ message: 'NOGOODSLAVE No suitable replica to promote' });
  });

  it('SENTINEL RESET forgets replicas and Sentinels, which INFO and hellos bring back', () => {
    const w = setup();
    const s = w.sentinel('s1');
    expect(s.serve(['SENTINEL', 'reset', 'other*'])).toBe(0);
    expect(s.serve(['SENTINEL', 'reset', 'my*'])).toBe(1);
    expect(s.master.slaves.size).toBe(0);
    expect(s.master.sentinels.size).toBe(0);
    w.runFor(12 * SEC);
    expect(s.master.slaves.size).toBe(2);
    expect(s.master.sentinels.size).toBe(2);
    expect(w.events().some((e) => e.type === 'sentinel.event' && e.sentinel === 's1' && e.event === '+reset-master')).toBe(true);
  });

  it('INFO, ROLE, PING and a PUBLISH of something other than a hello', () => {
    const s = setup().sentinel('s3');
    expect(s.serve(['INFO'])).toMatch(/^run_id:[0-9a-f]{40}\r\nsentinel_masters:1\r\nsentinel_tilt:0\r\nmaster0:name=mymaster,status=ok,address=p:6379,slaves=2,sentinels=3$/);
    expect(s.serve(['ROLE'])).toEqual(['sentinel', ['mymaster']]);
    expect(s.serve(['PING'])).toBe('PONG');
    expect(s.serve(['PUBLISH', 'news', 'x'])).toEqual({ message: 'ERR Only HELLO messages are accepted by Sentinel instances.' });
    expect(s.serve(['GET', 'k'])).toEqual({ message: "ERR unknown command 'GET'" });
  });
});
