// A master restarted from its RDB feeds DELs for keys that expired while it was down. When they are
// more than its backlog keeps, the stream-prefix property still sees every one of them (they are
// reported as fed, not read back from the trimmed backlog), so the replica that resumes from the
// restored offset applies a stream without a gap.
import { describe, expect, it } from 'vitest';
import { simulate } from '../../sim/harness/simulate.js';
import { validateScenario } from '../../sim/scenario/load.js';
import type { TraceEvent } from '../../sim/trace-events.js';

const KEYS = 300;
const longKey = (i: number) => `expiring:${String(i).padStart(4, '0')}:${'k'.repeat(180)}`;

describe('startup DELs of a restarting master', () => {
  it('more DELs than the backlog keeps: stream-prefix sees all of them from the RDB offset on, no gap', () => {
    const seen: TraceEvent[] = [];
    const sets = Array.from({ length: KEYS }, (_, i) => ({ op: 'command', node: 'm', args: ['SET', longKey(i), 'v', 'PX', 2000] }));
    const sc = validateScenario({
      name: 'startup-dels',
      config: { save: '', 'repl-backlog-size': '16kb', 'repl-ping-replica-period': 3600, 'repl-diskless-sync': 'no' },
      nodes: { m: {}, r: { replicaof: 'm' } },
      steps: [
        { op: 'wait-sync' },
        ...sets,
        { op: 'wait-sync' },
        { op: 'sleep', ms: 1200 },
        { op: 'shutdown', node: 'm', save: true },
        { op: 'sleep', ms: 3000 },
        { op: 'restart', node: 'm' },
        { op: 'wait-sync' },
        { op: 'expect', node: 'r', dbsize: 0 },
      ],
    }, 'test');
    const r = simulate(sc, { seed: 1, observers: [(e) => seen.push(e)] });
    expect(r.failures).toEqual([]);
    const start = seen.filter((e): e is Extract<TraceEvent, { type: 'redis.start' }> => e.type === 'redis.start' && e.node === 'm').at(-1)!;
    const dels = seen.filter((e): e is Extract<TraceEvent, { type: 'redis.stream' | 'redis.applied' }> => e.type === 'redis.stream' && e.node === 'm' && e.t === start.t);
    const bytes = dels.reduce((n, e) => n + e.bytes, 0);
    expect(bytes).toBeGreaterThan(2 * 16 * 1024); // more than the backlog keeps: it was trimmed
    expect(dels[0]!.start).toBe(start.rdb_repl_offset! + 1); // reported from the RDB's offset on, without a gap
    expect(start.master_repl_offset).toBe(start.rdb_repl_offset! + bytes);
    expect(r.properties['stream-prefix']!.stats.entries_checked).toBeGreaterThan(KEYS);
  });
});
