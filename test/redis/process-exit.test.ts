// A process that exits closes every descriptor it owns (issue 10): connections it accepted that
// were not replicas yet included, so a peer learns of the exit (a FIN, or a reset for what it sends
// later) instead of talking to a socket nobody reads.
import { describe, expect, it } from 'vitest';
import { world, f, psyncs, SEC } from '../support/redis.js';

const quiet = { save: '', 'repl-ping-replica-period': 3600, 'repl-timeout': 60 };

describe('process exit', () => {
  it('a reconnect accepted by the old process just before a partition does not leave the replica in handshake after a restart and the heal', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('r', ['CLIENT', 'KILL', 'TYPE', 'master']); // r reconnects at once
    expect(w.runUntil(() => w.node('r').replState === 'handshake', SEC)).toBe(true); // m's process accepted it
    w.net.isolate('m');
    w.callAndWait('m', ['SHUTDOWN', 'NOSAVE']);
    expect(w.isRunning('m')).toBe(false);
    w.restart('m');
    w.runFor(2 * SEC);
    expect([f(w, 'm', 'sync_full'), f(w, 'm', 'sync_partial_ok'), f(w, 'm', 'sync_partial_err')]).toEqual([0, 0, 0]);
    const psyncsAtHeal = psyncs(w).length;
    w.net.heal();
    // real 7.0.15 reconnects within a second or two (the kernel closed the old socket); a socket
    // left open would keep r in handshake until repl-timeout (60 s)
    expect(w.runUntil(() => psyncs(w).length > psyncsAtHeal, 3 * SEC)).toBe(true);
    expect(psyncs(w).at(-1)!.node).toBe('m');
    expect(w.runUntil(() => f(w, 'r', 'master_link_status') === 'up', 30 * SEC)).toBe(true);
    expect(f(w, 'm', 'sync_full')).toBe(1); // the new process served it
  });

  it('SHUTDOWN closes every socket of the process, accepted ones included, and the peer learns of it', () => {
    const w = world({ config: quiet, nodes: { m: {}, r: { replicaof: 'm' } } });
    expect(w.waitSync()).toBe(true);
    w.command('r', ['CLIENT', 'KILL', 'TYPE', 'master']);
    expect(w.runUntil(() => w.node('r').replState === 'handshake', SEC)).toBe(true);
    w.callAndWait('m', ['SHUTDOWN', 'NOSAVE']);
    expect(w.isRunning('m')).toBe(false);
    expect(w.net.host('m').sockets.size).toBe(0);
    w.runFor(10 * 1000);
    // the FIN reached r: it left the handshake and tries again (refused while m is down)
    expect(w.node('r').replState).not.toBe('handshake');
  });
});
