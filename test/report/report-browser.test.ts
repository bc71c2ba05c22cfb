// The HTML report in a real headless Chromium: it opens offline with no console errors, the lanes,
// PSYNC arrows, partitions and markers of a known run are drawn in the numbers its trace has, and
// hovering an arrow and a violation shows their exact figures. A screenshot is kept, not compared.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';

// page.evaluate callbacks run in the page; the project's types have no DOM library
declare const window: unknown;
declare const document: { querySelectorAll(selector: string): { length: number } };
import { tempDir } from '../cli/cli.js';
import { simulate } from '../../sim/harness/simulate.js';
import { MemorySink } from '../../sim/kernel/trace.js';
import { loadScenarioFile } from '../../sim/scenario/load.js';
import { buildReport } from '../../sim/report/model.js';
import { reportHtml } from '../../sim/report/html.js';
import { HAVE_CHROMIUM, launch, openOffline, screenshot } from './browser.js';

type Line = { type: string; t?: number; [k: string]: unknown };

describe.skipIf(!HAVE_CHROMIUM)('the report in Chromium', () => {
  const tmp = tempDir();
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let trace: Line[];

  beforeAll(async () => {
    // the page run --report would write (test/report/cli.test.ts checks that they agree), made in-process
    const html = join(tmp.dir, 'known.html');
    const sink = new MemorySink();
    const r = simulate(loadScenarioFile('test/report/fixtures/known.json'), { sink, source: 'test/report/fixtures/known.json' });
    expect(r.status).toBe('fail'); // the fixture's last step fails on purpose (a red marker)
    trace = sink.lines.map((l) => JSON.parse(l) as Line);
    writeFileSync(html, reportHtml(buildReport(trace)));
    browser = await launch();
    const o = await openOffline(browser, html, 'replsimReport');
    page = o.page;
    problems = o.problems;
    console.log(`report of ${trace.length} trace lines (${Math.round(readFileSync(html).length / 1024)} KiB) opened in ${o.openMs} ms`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    tmp.cleanup();
  });

  it('opens offline with no console errors and no network requests', () => {
    expect(problems).toEqual([]);
  });

  it('draws one lane per node, and the arrows, partitions and markers the trace has', async () => {
    const drawn = await page.evaluate(() => {
      const r = (window as unknown as { replsimReport: { charts: Record<string, { getOption(): { series: { id: string; data: unknown[] }[]; yAxis: { data: string[] }[] } }> } }).replsimReport;
      const opt = r.charts.timeline!.getOption();
      return { lanes: opt.yAxis[0]!.data, series: Object.fromEntries(opt.series.map((s) => [s.id, s.data.length])), rows: document.querySelectorAll('#events tr').length, verdicts: document.querySelectorAll('#verdicts tr').length - 1, failures: document.querySelectorAll('#failures li[id]').length };
    });
    const count = (f: (l: Line) => boolean) => trace.filter(f).length;
    expect(drawn.lanes).toEqual(['p', 'r1', 'r2', '(network, faults)']);
    expect(drawn.series.psync).toBe(count((l) => l.type === 'redis.psync'));
    expect(drawn.series.psync).toBe(6); // 2 full syncs, the killed link, the restart, the failover's two
    expect(drawn.series['marker-crash']).toBe(count((l) => l.type === 'redis.stop' && l.how === 'crash'));
    expect(drawn.series['marker-crash']).toBe(1);
    expect(drawn.series['marker-restart']).toBe(count((l) => l.type === 'redis.start' && (l.t ?? 0) > 0));
    expect(drawn.series['marker-violation']).toBe(count((l) => l.type === 'trace.failure'));
    expect(drawn.series.partitions).toBe(2); // p<->r2 and r1<->r2
    expect(drawn.failures).toBe(1);
    expect(drawn.verdicts).toBe(count((l) => l.type === 'trace.verdict'));
    expect(drawn.rows).toBeGreaterThan(20);
  });

  /**
   * Move the mouse to a point of the timeline given in data coordinates (ms, lane, plus `dy` lane
   * heights) and read the tooltip.
   */
  async function hover(ms: number, lane: number, dy = 0, dxPx = 0): Promise<string> {
    const box = (await page.locator('#timeline').boundingBox())!;
    const [x, y, h] = await page.evaluate(([t, l]) => {
      const c = (window as unknown as { replsimReport: { charts: { timeline: { convertToPixel(f: object, v: number[]): number[] } } } }).replsimReport.charts.timeline;
      const a = c.convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, [t!, l!]);
      const b = c.convertToPixel({ xAxisIndex: 0, yAxisIndex: 0 }, [t!, l! + 1]);
      return [a[0]!, a[1]!, b[1]! - a[1]!];
    }, [ms, lane]);
    await page.mouse.move(box.x + x! + dxPx, box.y + y! + dy * h!);
    await page.waitForTimeout(150);
    return (await page.locator('.tip').first().innerText()).replace(/\s+/g, ' ');
  }

  it('hovering a PSYNC arrow shows its result, reason and the server\'s backlog', async () => {
    const p = trace.find((l) => l.type === 'redis.psync' && l.reason === 'replid2 match')!;
    const lanes = ['p', 'r1', 'r2'];
    const from = lanes.indexOf(p.replica as string);
    const to = lanes.indexOf(p.node as string);
    // the arrow head: its tip is 0.3 lane heights short of the server's lane centre, 8 px long
    const text = await hover((p.t ?? 0) / 1000, to, from > to ? 0.36 : -0.36);
    expect(text).toContain(`PSYNC ${String(p.replica)} → ${String(p.node)}`);
    expect(text).toContain('+CONTINUE (replid2 match)');
    expect(text).toContain(`backlog ${String(p.repl_backlog_first_byte_offset)}..${(p.repl_backlog_first_byte_offset as number) + (p.repl_backlog_histlen as number) - 1}`);
  });

  it('hovering the violation shows its message, and the screenshot is taken', async () => {
    const f = trace.find((l) => l.type === 'trace.failure')!;
    const text = await hover((f.time_us as number) / 1000, 1, -0.08, -1); // the pin's head, above its point
    expect(text).toContain('r1.dbsize expected 999, actual 20');
    const shot = await screenshot(page, 'report-known.png');
    expect(readFileSync(shot).length).toBeGreaterThan(10_000);
  });
});
