// Refusals against real redis-server 7.0.15: integer arguments as string2ll() reads them (SELECT,
// WAIT), and what a node answers while it loads an RDB (a replica's handshake PING and every PSYNC
// get -LOADING; REPLCONF and SELECT are served). The expected replies (test/support/refusals.ts)
// were measured; here the real server and the simulator must both give exactly them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { delay, describeReal, freePort, playBoth } from './clusters.js';
import { RespClient, RespError } from '../../sim/backends/real/resp.js';
import { FAILOVER_ARG_CASES, INTEGER_ARG_CASES, LOADING_REPLIES, loadingCommands, simLoadingReplies } from '../support/refusals.js';

const plain = (r: unknown) => (r instanceof RespError ? { message: r.message } : r);

async function connect(port: number): Promise<RespClient> {
  for (let i = 0; i < 500; i++) {
    try {
      return await RespClient.connect(port);
    } catch {
      await delay(10);
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}

function exited(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => (p.exitCode !== null ? resolve() : p.once('exit', () => resolve())));
}

/** The log writes an error as {error}; the cases as the simulator's replies, {message}. */
const asCase = (r: unknown) => (r !== null && typeof r === 'object' && 'error' in r ? { message: (r as { error: string }).error } : r);

describeReal('refusals', () => {
  it('SELECT and WAIT with integer arguments Redis refuses: the same errors', async () => {
    const { real, sim } = await playBoth({
      nodes: ['m'],
      run: async (_c, { call }) => {
        for (const [args] of INTEGER_ARG_CASES) await call('m', args);
      },
    });
    expect(sim).toEqual(real);
    expect(real.log.map((e) => asCase((e as unknown[])[2]))).toEqual(INTEGER_ARG_CASES.map(([, reply]) => reply));
  });

  it('FAILOVER with arguments Redis refuses, on a master with a replica: the same errors', async () => {
    const { real, sim } = await playBoth({
      nodes: ['m', 'r'],
      run: async (c, { call }) => {
        await c.replicaof('r', 'm');
        await c.waitSync();
        for (const [args] of FAILOVER_ARG_CASES) await call('m', args);
      },
    });
    expect(sim).toEqual(real);
    expect(real.log.map((e) => asCase((e as unknown[])[2]))).toEqual(FAILOVER_ARG_CASES.map(([, reply]) => reply));
  });

  it('a node loading an RDB answers a handshake and PSYNCs as the simulated one does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replsim-loading-'));
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes', '--logfile', join(dir, 'redis.log')];
    let p = spawn('redis-server', args, { stdio: 'ignore' });
    try {
      const c = await connect(port);
      await c.call(['DEBUG', 'POPULATE', '20000', 'key', '10']);
      await c.call(['SAVE']);
      await c.call(['SHUTDOWN', 'NOSAVE']).catch(() => null);
      c.close();
      await exited(p);
      // 20000 keys at 100 µs each: 2 s of loading, with events served every 1024 bytes loaded
      p = spawn('redis-server', [...args, '--key-load-delay', '100', '--loading-process-events-interval-bytes', '1024'], { stdio: 'ignore' });
      const l = await connect(port);
      const replid = /master_replid:(\w+)/.exec(String(await l.call(['INFO', 'replication'])))![1]!;
      const replies: unknown[] = [];
      for (const cmd of loadingCommands(replid)) replies.push(plain(await l.call(cmd)));
      expect(String(await l.call(['INFO', 'persistence'])), 'the load ended before the last reply').toContain('loading:1');
      l.close();
      expect(replies).toEqual(LOADING_REPLIES);
      expect(simLoadingReplies()).toEqual(replies);
    } finally {
      p.kill('SIGKILL');
      await exited(p);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
