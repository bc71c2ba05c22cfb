// `--log short`: one line per state change per node, with the node's columns after the change.
import { describe, expect, it } from 'vitest';
import { ShortLog, SHORT_LOG_HEADER } from '../../sim/report/short-log.js';
import { labelOf } from '../../sim/report/state.js';
import type { TraceLine } from '../../sim/report/state.js';

const ID = (c: string) => c.repeat(40);

describe('short log', () => {
  it('a line for each state change with time, node, role, id label, offset and link; none for stream bytes', () => {
    const log = new ShortLog();
    const events: TraceLine[] = [
      { t: 0, type: 'redis.start', node: 'p', role: 'master', master_host: null, replid: ID('a'), replid2: ID('0'), master_repl_offset: 0, keys: 0, rdb_repl_id: null, rdb_repl_offset: null },
      { t: 0, type: 'redis.start', node: 'r', role: 'slave', master_host: 'p', replid: ID('b'), replid2: ID('0'), master_repl_offset: 0, keys: 0, rdb_repl_id: null, rdb_repl_offset: null },
      { t: 1500, type: 'redis.stream', node: 'p', replid: ID('a'), start: 1, bytes: 40, h: 'x' },
      { t: 2000, type: 'redis.psync', node: 'p', replica: 'r', requested_replid: '?', requested_offset: -1, result: 'full', reason: 'full resync requested by replica', master_replid: ID('a'), master_replid2: ID('0'), second_repl_offset: -1, master_repl_offset: 40, repl_backlog_first_byte_offset: 1, repl_backlog_histlen: 40 },
      { t: 2500, type: 'redis.link', node: 'r', master_host: 'p', status: 'up', master_repl_offset: 40, replid: ID('a') },
      { t: 3000, type: 'net.partition', blocked: [['p', 'r']] },
      { t: 4000, type: 'redis.stop', node: 'r', how: 'crash', saved: false },
      { t: 5000, type: 'host.pause', host: 'p', until: 505000 },
    ];
    const lines = events.map((e) => log.onEvent(e)).filter((l): l is string => l !== null);
    expect(lines).toEqual([
      '       0.000  p      master A           0 -     start as master, 0 keys',
      '       0.000  r      slave  B           0 down  start as replica of p, 0 keys',
      '       2.000  p      master A          40 -     PSYNC ? -1 from r: FULLRESYNC (full resync requested by replica), backlog 1+40',
      '       2.500  r      slave  A          40 up    link up (master p)',
      '       3.000  *      -      -           - -     partition p->r',
      '       4.000  r      down   A          40 -     crash (kill -9)',
      '       5.000  p      master A          40 -     host p paused for 500.0 ms',
    ]);
    expect(log.legend()).toEqual([`  A = ${ID('a')}`, `  B = ${ID('b')}`]);
    expect(SHORT_LOG_HEADER.split(/\s+/).filter(Boolean)).toEqual(['time_ms', 'node', 'role', 'id', 'offset', 'link', 'event']);
  });

  it('labels go A..Z, then AA, AB, ...', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(labelOf)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });
});
