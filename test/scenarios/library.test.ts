// The package's entry point (package.json "exports" ".") does what `replsim run` does, for tests.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as replsim from '../../sim/index.js';

describe('library entry point', () => {
  it('package.json points at sim/index.ts, which exports simulate and World', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, string> };
    expect(pkg.exports['.']).toBe('./sim/index.ts');
    expect(typeof replsim.simulate).toBe('function');
    expect(typeof replsim.World).toBe('function');
  });

  it('simulate() runs a scenario object: status, flat INFO per node, a repeatable trace hash', () => {
    const sc = { name: 'lib', config: { save: '' }, nodes: { p: {}, r: { replicaof: 'p' } }, steps: [{ op: 'wait-sync' }, { op: 'write', node: 'p', count: 1 }, { op: 'wait-sync' }] };
    const a = replsim.simulate(sc as never, { seed: 7 });
    expect(a.status).toBe('pass');
    expect(a.nodes.r).toMatchObject({ running: true, role: 'slave', master_host: 'p', master_link_status: 'up' });
    expect(a.nodes.r!.master_repl_offset).toBe(a.nodes.p!.master_repl_offset);
    expect(replsim.simulate(sc as never, { seed: 7 }).trace_hash).toBe(a.trace_hash);
  });
});
