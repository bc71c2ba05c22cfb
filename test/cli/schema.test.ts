// scenarios/scenario.schema.json is generated from sim/scenario/schema.ts (`npm run schema`); the
// checked-in file must be what the schema gives now, and it must be the schema the loader enforces.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { schemaText } from '../../sim/scenario/schema.js';
import { validateScenario } from '../../sim/scenario/load.js';
import { UserError } from '../../sim/errors.js';

describe('scenario.schema.json', () => {
  it('is up to date with sim/scenario/schema.ts', () => {
    const onDisk = readFileSync(new URL('../../scenarios/scenario.schema.json', import.meta.url), 'utf8');
    expect(JSON.parse(schemaText)).toEqual(JSON.parse(onDisk)); // readable diff first
    expect(onDisk).toBe(schemaText);
  });

  it('lists every step op the loader accepts, and the loader refuses one it does not list', () => {
    const ops = (JSON.parse(schemaText) as { properties: { steps: { items: { oneOf: { properties: { op: { const: string } } }[] } } } }).properties.steps.items.oneOf.map((s) => s.properties.op.const);
    expect(ops).toContain('wait-sync');
    expect(() => validateScenario({ name: 'x', nodes: { p: {} }, steps: [{ op: 'wait-sync' }] }, 'f')).not.toThrow();
    expect(() => validateScenario({ name: 'x', nodes: { p: {} }, steps: [{ op: 'no-such-op' }] }, 'f')).toThrow(UserError);
  });
});
