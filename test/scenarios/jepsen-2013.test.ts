// The built-in jepsen-2013 (Jepsen, "Call me maybe: Redis", 2013): the old master n1 keeps
// acknowledging writes on the minority side of {n1,n2} | {n3,n4,n5} while the majority promotes a
// new master; the heal demotes n1 and those writes are lost, each attributed to what discarded it.
// min-replicas-to-write bounds the loss only when it exceeds the replicas on n1's side.
import { describe, expect, it } from 'vitest';
import { simulate, type RunResult } from '../../sim/harness/simulate.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_DIR } from '../../sim/harness/sources.js';

function run(minReplicas: number, seed = 1): { r: RunResult; lost: NonNullable<RunResult['history']>['lost'] } {
  const doc = JSON.parse(readFileSync(join(BUILTIN_DIR, 'jepsen-2013.json'), 'utf8')) as { parameters: Record<string, number> };
  doc.parameters.minReplicas = minReplicas;
  const r = simulate(doc, { seed });
  return { r, lost: r.history!.lost };
}

const stat = (r: RunResult, p: string, k: string) => r.properties[p]!.stats[k]!;

describe('jepsen-2013', () => {
  const plain = run(0);

  it('loses acknowledged writes, all acknowledged by the old master and each attributed', () => {
    expect(plain.r.status).toBe('pass');
    const lost = stat(plain.r, 'acknowledged-writes', 'lost');
    expect(lost).toBeGreaterThan(100);
    expect(stat(plain.r, 'acknowledged-writes', 'lost_allowed')).toBe(lost);
    expect(plain.lost.length).toBe(Math.min(lost, 100));
    for (const w of plain.lost) {
      expect(w.node).toBe('n1');
      expect(['c1', 'c2']).toContain(w.client);
      // promoted n3 never had it, or n1's demotion at the heal discarded it
      expect([`failover n3`, `demotion n1`]).toContain(`${w.event!.kind} ${w.event!.node}`);
      // the node acknowledged it somewhere between invocation and reply
      expect(w.event!.t).toBeGreaterThanOrEqual(w.invoked);
    }
    const notes = plain.r.properties['acknowledged-writes']!.notes.join('\n');
    expect(notes).toMatch(/lost across the failover of n3 at .* \(acknowledged by n1; allowed: asynchronous replication\)/);
    expect(notes).toMatch(/lost across the demotion of n1 at .* \(acknowledged by n1; allowed: asynchronous replication\)/);
  });

  it('measures the split brain: n1 accepts writes for as long as the partition lasts after the promotion', () => {
    expect(stat(plain.r, 'split-brain', 'split_brain_writes')).toBeGreaterThan(100);
    // failover about 5 s into the 20 s partition: about 15 s of two masters
    expect(stat(plain.r, 'split-brain', 'split_brain_ms')).toBeGreaterThan(13_000);
    expect(stat(plain.r, 'split-brain', 'split_brain_ms')).toBeLessThan(16_000);
  });

  it('min-replicas-to-write 2 (more than the replicas on n1\'s side) bounds the loss by min-replicas-max-lag', () => {
    const bounded = run(2);
    expect(bounded.r.status).toBe('pass');
    const n1Ops = bounded.r.history!.by_client.c1!;
    expect(n1Ops.fail).toBeGreaterThan(50); // NOREPLICAS once the majority's acks are 10 s old
    expect(stat(bounded.r, 'acknowledged-writes', 'lost')).toBeLessThan(stat(plain.r, 'acknowledged-writes', 'lost') / 1.5);
    // n1 stops accepting writes at most max-lag (10 s) + one cron second after the partition, which
    // came about 5 s before the promotion: at most about 6 s of split brain
    expect(stat(bounded.r, 'split-brain', 'split_brain_writes')).toBeGreaterThan(0);
    const lastLost = Math.max(...bounded.lost.map((w) => w.completed));
    const promotedAt = bounded.lost.find((w) => w.event!.kind === 'failover')?.event!.t ?? 0;
    expect(promotedAt).toBeGreaterThan(0);
    expect(lastLost - promotedAt).toBeLessThan(6_500_000);
  });

  it('min-replicas-to-write 1 does not bound it: n2, on n1\'s side, stays a good replica', () => {
    const one = run(1);
    expect(stat(one.r, 'acknowledged-writes', 'lost')).toBe(stat(plain.r, 'acknowledged-writes', 'lost'));
    expect(one.r.history!.by_client.c1).toEqual(plain.r.history!.by_client.c1);
  });
});
