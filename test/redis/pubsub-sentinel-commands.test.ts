// What Sentinel needs from a node: Pub/Sub (and PUBLISH in the replication stream), CLIENT KILL
// TYPE normal|pubsub, admin commands inside MULTI, CONFIG REWRITE, run_id and the link's down time.

import { describe, expect, it } from 'vitest';
import { world, SEC } from '../support/redis.js';
import { RespConnection } from '../../sim/clients/connection.js';
import { respCommandBytes } from '../../sim/redis/resp.js';
import type { Reply } from '../../sim/redis/reply.js';
import type { World } from '../../sim/cluster/world.js';

function conn(w: World, from: string, to: string, pushes: Reply[] = []): RespConnection {
  if (!w.net.hostNames().includes(from)) w.net.addHost(from);
  return new RespConnection(w.net, from, to, 5 * SEC, { onPush: (r) => pushes.push(r) });
}

function ask(w: World, c: RespConnection, args: string[]): Reply | null {
  let out: Reply | null | undefined;
  c.command(args, (r) => (out = r));
  w.runUntil(() => out !== undefined, 5 * SEC);
  return out ?? null;
}

function setup() {
  const w = world({ nodes: { p: {}, r1: { replicaof: 'p' } } });
  w.waitSync();
  return w;
}

describe('Pub/Sub', () => {
  it("a master's PUBLISH reaches its own and its replica's subscribers, and moves both offsets by the command's bytes", () => {
    const w = setup();
    const onMaster: Reply[] = [];
    const onReplica: Reply[] = [];
    expect(ask(w, conn(w, 'c1', 'p', onMaster), ['SUBSCRIBE', 'ch'])).toEqual(['subscribe', 'ch', 1]);
    expect(ask(w, conn(w, 'c2', 'r1', onReplica), ['SUBSCRIBE', 'ch'])).toEqual(['subscribe', 'ch', 1]);
    const pub = conn(w, 'c3', 'p');
    ask(w, pub, ['PING']);
    const before = w.node('p').masterReplOffset;
    expect(ask(w, pub, ['PUBLISH', 'ch', 'hello'])).toBe(1);
    w.runFor(SEC);
    const selectBytes = respCommandBytes(['SELECT', '0']);
    const grew = w.node('p').masterReplOffset - before;
    // the first command in the stream after the sync carries a SELECT
    expect([respCommandBytes(['PUBLISH', 'ch', 'hello']), respCommandBytes(['PUBLISH', 'ch', 'hello']) + selectBytes]).toContain(grew);
    expect(w.node('r1').masterReplOffset).toBe(w.node('p').masterReplOffset);
    expect(onMaster).toEqual([['message', 'ch', 'hello']]);
    expect(onReplica).toEqual([['message', 'ch', 'hello']]);
    // PUBLISH is not a write: no key, no dirty count for the AOF or RDB
    expect(w.node('p').dirty).toBe(0);
  });

  it("a replica's own PUBLISH is delivered locally, not refused as a write, not propagated", () => {
    const w = setup();
    const got: Reply[] = [];
    ask(w, conn(w, 'c1', 'r1', got), ['SUBSCRIBE', 'ch']);
    const before = w.node('r1').masterReplOffset;
    expect(ask(w, conn(w, 'c2', 'r1'), ['PUBLISH', 'ch', 'x'])).toBe(1);
    w.runFor(SEC);
    expect(got).toEqual([['message', 'ch', 'x']]);
    expect(w.node('r1').masterReplOffset).toBe(before);
  });

  it('a subscribed connection may only (un)subscribe or ping', () => {
    const w = setup();
    const c = conn(w, 'c1', 'p');
    ask(w, c, ['SUBSCRIBE', 'a']);
    const r = ask(w, c, ['GET', 'k']) as { message: string };
    expect(r.message).toMatch(/^ERR Can't execute 'get': only \(P\|S\)SUBSCRIBE/);
    expect(ask(w, c, ['UNSUBSCRIBE'])).toEqual(['unsubscribe', 'a', 0]);
    expect(ask(w, c, ['GET', 'k'])).toBe(null);
  });
});

describe('CLIENT KILL TYPE normal | pubsub', () => {
  it('kills the connections of that type except the caller, and says how many', () => {
    const w = setup();
    const sub = conn(w, 'c1', 'p');
    ask(w, sub, ['SUBSCRIBE', 'ch']);
    const normal = conn(w, 'c2', 'p');
    ask(w, normal, ['PING']);
    const caller = conn(w, 'c3', 'p');
    expect(ask(w, caller, ['CLIENT', 'KILL', 'TYPE', 'pubsub'])).toBe(1);
    w.runFor(SEC);
    expect(sub.isClosed).toBe(true);
    expect(normal.isClosed).toBe(false);
    expect(ask(w, caller, ['CLIENT', 'KILL', 'TYPE', 'normal'])).toBe(1);
    w.runFor(SEC);
    expect(normal.isClosed).toBe(true);
    expect(caller.isClosed).toBe(false);
    // the replica's link is not a normal client
    expect(w.node('r1').linkUp).toBe(true);
  });
});

describe("Sentinel's promotion transaction", () => {
  it('MULTI; SLAVEOF NO ONE; CONFIG REWRITE; CLIENT KILL ...; EXEC promotes, and a restart keeps the rewritten role', () => {
    const w = setup();
    const c = conn(w, 'c1', 'r1');
    for (const cmd of [['MULTI'], ['SLAVEOF', 'NO', 'ONE'], ['CONFIG', 'REWRITE'], ['CLIENT', 'KILL', 'TYPE', 'normal'], ['CLIENT', 'KILL', 'TYPE', 'pubsub']]) {
      expect(ask(w, c, cmd)).toBe(cmd[0] === 'MULTI' ? 'OK' : 'QUEUED');
    }
    expect(ask(w, c, ['EXEC'])).toEqual(['OK', 'OK', 0, 0]);
    expect(w.node('r1').isMaster).toBe(true);
    w.crash('r1');
    w.restart('r1');
    expect(w.node('r1').isMaster).toBe(true);
    // without a rewrite, the start-up config decides: p was started as a master and stays one
    w.crash('p');
    expect(w.restart('p').isMaster).toBe(true);
  });

  it('a rewritten SLAVEOF survives a restart (the node comes back as a replica of the new master)', () => {
    const w = setup();
    const c = conn(w, 'c1', 'p');
    ask(w, c, ['MULTI']);
    ask(w, c, ['SLAVEOF', 'r1', '6379']);
    ask(w, c, ['CONFIG', 'REWRITE']);
    ask(w, c, ['EXEC']);
    w.crash('p');
    expect(w.restart('p').masterHost).toBe('r1');
  });
});

describe('INFO fields Sentinel reads', () => {
  it('run_id is 40 hex characters, new at every start; a replica whose link is down reports since when', () => {
    const w = setup();
    const info = (n: string) => String(w.command(n, ['INFO']));
    const runid = /run_id:([0-9a-f]{40})/.exec(info('p'))![1];
    expect(info('r1')).not.toContain('master_link_down_since_seconds');
    w.crash('p');
    w.runFor(3 * SEC);
    const down = /master_link_down_since_seconds:(\d+)\r\n/.exec(info('r1'));
    // Redis counts whole seconds of its unixtime clock: 2 or 3 after 3 s
    expect([2, 3]).toContain(Number(down?.[1]));
    w.restart('p');
    expect(/run_id:([0-9a-f]{40})/.exec(info('p'))![1]).not.toBe(runid);
  });
});
