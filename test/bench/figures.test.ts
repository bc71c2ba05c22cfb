// bench --compare: figures are paired by key, the ratio is new/old, and the verdict follows the
// figure's direction (a lower time is better, a lower rate is worse); and the CPU time the sweep's
// figure counts includes its worker processes.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareLines, cpuMs, cpuMsWithChildren, RESULT_FORMAT, type BenchResult, type Figure } from '../../bench/figures.js';

const fig = (key: string, value: number, better: Figure['better']): Figure => ({ key, label: key, value, unit: 'x', better, goal: null, met: null, detail: [] });
const result = (figures: Figure[]): BenchResult => ({ format: RESULT_FORMAT, measured_at: 'then', node: 'v20', sections: [], figures });

describe('bench --compare', () => {
  it('prints new/old per figure with the verdict its direction gives, and names figures on one side only', () => {
    const base = result([fig('rate', 100, 'higher'), fig('time', 100, 'lower'), fig('flat', 100, 'higher'), fig('gone', 1, 'higher')]);
    const now = result([fig('rate', 250, 'higher'), fig('time', 250, 'lower'), fig('flat', 102, 'higher'), fig('new', 3, 'lower')]);
    const lines = compareLines(base, now);
    expect(lines.find((l) => l.includes('rate:'))).toMatch(/x2\.50 better$/);
    expect(lines.find((l) => l.includes('time:'))).toMatch(/x2\.50 worse$/);
    expect(lines.find((l) => l.includes('flat:'))).toMatch(/x1\.02 same$/);
    expect(lines.find((l) => l.includes('new:'))).toContain('not in the base');
    expect(lines.at(-1)).toBe('  not measured now: gone');
  });
});

describe('bench CPU time with children', () => {
  it("counts the CPU time of a child process that has ended (the sweep's workers), which process.cpuUsage leaves out", () => {
    const before = cpuMsWithChildren();
    expect(before).not.toBeNull(); // Linux: /proc is there
    const own0 = cpuMs();
    // a child that spins for 400 ms of CPU time, waited for (so the kernel adds it to ours)
    const r = spawnSync(process.execPath, ['-e', 'const t = process.cpuUsage(); while ((process.cpuUsage(t).user) < 400_000);']);
    expect(r.status).toBe(0);
    const ownMs = cpuMs() - own0;
    const withChildren = cpuMsWithChildren()! - before!;
    expect(withChildren - ownMs).toBeGreaterThanOrEqual(300);
  });
});

