// Simulated code must not read the wall clock or use unseeded randomness (ARCHITECTURE principles
// 1-2): scans sim/, properties/ and scenarios/ and names every offending line. The CLI and the
// harness's one wall-clock module (--timeout, yielding to the event loop) and the real backend
// (sim/backends/, which drives real processes in real time and which no simulated module may import) are exempt.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const FORBIDDEN: [RegExp, string][] = [
  [/\bMath\.random\s*\(/, 'Math.random'],
  [/\bnew\s+Date\b|\bDate\.(now|parse|UTC)\s*\(/, 'Date'],
  [/\bperformance\.now\s*\(/, 'performance.now'],
  [/\bset(Timeout|Interval|Immediate)\s*\(/, 'setTimeout/setInterval/setImmediate'],
  [/\bprocess\.hrtime\b/, 'process.hrtime'],
  [/\b(randomBytes|randomUUID|getRandomValues|randomInt|randomFillSync)\s*\(/, 'crypto randomness'],
  [/from\s+['"](node:)?crypto['"]|require\(\s*['"](node:)?crypto['"]\s*\)/, 'the crypto module'],
];

/** Remove comments and string contents, keeping line structure. */
function stripComments(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

export function scanSource(src: string, file: string): string[] {
  const out: string[] = [];
  stripComments(src)
    .split('\n')
    .forEach((line, i) => {
      for (const [re, what] of FORBIDDEN) if (re.test(line)) out.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
    });
  return out;
}

/** Outside simulated code by design: the CLI, the harness's wall-clock module, and the real backend. */
const EXEMPT = [join('sim', 'cli'), join('sim', 'harness', 'wall-clock.ts'), join('sim', 'backends')];

/** The simulator's own rooms: none may import the real backend (it would bring real time in). */
const SIMULATED_ROOMS = ['kernel', 'net', 'redis', 'sentinel', 'clients', 'cluster', 'faults', 'scenario'].map((r) => join('sim', r));

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (EXEMPT.some((e) => p.endsWith(e))) return [];
    if (statSync(p).isDirectory()) return tsFiles(p);
    return /\.(ts|mts|js|mjs)$/.test(name) ? [p] : [];
  });
}

describe('no wall clock or unseeded randomness in simulated code', () => {
  it('the scanner catches each forbidden use and ignores comments', () => {
    const planted = [
      'const x = Math.random();',
      'const d = Date.now();',
      'const e = new Date();',
      'const p = performance.now();',
      'setTimeout(() => {}, 1);',
      'const t = process.hrtime.bigint();',
      "import { randomBytes } from 'node:crypto';",
      'crypto.getRandomValues(buf);',
      '// Math.random() in a comment is fine',
      '/* and Date.now() here too */',
    ].join('\n');
    const hits = scanSource(planted, 'planted.ts');
    expect(hits.map((h) => h.split(':')[1])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  });

  it('sim/ (but the exempt files), properties/ and scenarios/ are clean', () => {
    const files = ['sim', 'properties', 'scenarios'].flatMap((d) => tsFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(20);
    const hits = files.flatMap((f) => scanSource(readFileSync(f, 'utf8'), relative(ROOT, f)));
    expect(hits).toEqual([]);
  });

  it('no simulated module imports the real backend', () => {
    const files = [...SIMULATED_ROOMS, 'properties'].flatMap((d) => tsFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(20);
    const hits = files.filter((f) => importsBackend(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
    expect(hits).toEqual([]);
    expect(importsBackend("import { createFabric } from '../backends/real/fabric.js';")).toBe(true);
    expect(importsBackend("const m = await import('../../sim/backends/real/run.js');")).toBe(true);
    expect(importsBackend("import { x } from './backend-names.js';")).toBe(false);
  });
});

function importsBackend(src: string): boolean {
  return /(from\s+|import\s*\(\s*)['"][^'"]*\/backends\//.test(stripComments(src));
}
