// The sync loop (built-in scenario sync-loop): a replica whose full sync takes longer than its output
// buffer may stay over the limit is dropped and full-syncs again and again; a wait that runs out
// during the loop says so in words (how many drops in a row, the limits, the buffer's peak).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { validateScenario } from '../../sim/scenario/load.js';
import { explainSyncLoop } from '../../sim/redis/output-buffer.js';

const raw = JSON.parse(readFileSync(new URL('../../scenarios/builtin/sync-loop.json', import.meta.url), 'utf8')) as { steps: Record<string, unknown>[] } & Record<string, unknown>;

/** The built-in's setup and hot writes (10 s of them), then a wait that cannot succeed while the loop goes on. */
function interrupted(waitMs: number) {
  const steps = raw.steps.slice(0, 3).map((s) => (s.prefix === 'hot:' ? { ...s, count: 1000 } : s));
  return validateScenario({ ...raw, name: 'sync-loop-interrupted', steps: [...steps, { op: 'wait-sync', timeoutMs: waitMs }] }, 'test');
}

describe('sync loop', () => {
  it('the built-in loops while the writes go on, then converges once they stop', () => {
    const r = simulate(validateScenario(raw, 'test'), { seed: 1 });
    expect({ status: r.status, failures: r.failures }).toEqual({ status: 'pass', failures: [] });
  });

  it('a wait-sync that runs out during the loop says why: the drops in a row, the limits, the peak', () => {
    const r = simulate(interrupted(10_000), { seed: 1 });
    expect(r.status).toBe('liveness');
    expect(r.failures).toHaveLength(1);
    const m = r.failures[0]!.message;
    expect(m).toMatch(/^wait-sync: not in sync after 10000 ms: r \(replica of m\): link (connect|connecting|handshake|transfer), offset \d+ vs \d+ \(sync loop: m dropped r (\d+) times in a row for overcoming the replica output-buffer limit \(hard limit 67108864 bytes, soft limit 1048576 bytes for more than 2 s; client-output-buffer-limit replica, the hard limit raised to repl-backlog-size\); its output buffer peaked at (\d+) bytes \((\d+) at the last drop\): more is written during a full sync than the limit holds, so each sync is dropped before it ends and starts over\)$/);
    const [, drops, peak, last] = /(\d+) times in a row.*peaked at (\d+) bytes \((\d+) at the last drop/.exec(m)!;
    expect(Number(drops)).toBeGreaterThanOrEqual(2);
    expect(Number(peak)).toBeGreaterThanOrEqual(Number(last));
    expect(Number(last)).toBeGreaterThanOrEqual(1048576);
  });

  it('without the soft limit firing (mutant obuf-soft-limit-never-fires) the same 10 s wait succeeds: the first sync finished and the replica catches up', () => {
    const r = simulate(interrupted(10_000), { seed: 1, mutant: 'obuf-soft-limit-never-fires' });
    expect({ status: r.status, failures: r.failures }).toEqual({ status: 'pass', failures: [] });
  });

  it('the explanation is given only while drops are in a row, and names the limits that were in force', () => {
    expect(explainSyncLoop('r', 'm', undefined)).toBeNull();
    const stats = { drops: 5, dropsInARow: 0, peakBytes: 3_000_000, lastUsedBytes: 2_097_216, hardLimitBytes: 2_097_152, softLimitBytes: 0, softSeconds: 0 };
    expect(explainSyncLoop('r', 'm', stats)).toBeNull();
    const text = explainSyncLoop('r', 'm', { ...stats, dropsInARow: 1 })!;
    expect(text).toContain('m dropped r once for overcoming the replica output-buffer limit (hard limit 2097152 bytes; ');
    expect(text).toContain('peaked at 3000000 bytes (2097216 at the last drop)');
  });
});
