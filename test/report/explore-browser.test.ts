// The explore page in a real headless Chromium: offline, no console errors, one line (mean and band)
// per setting, hovering shows the point's mean, and a screenshot is kept.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { explore, metricOf, parseVary, type ExploreResult } from '../../sim/harness/explore.js';
import { exploreHtml, exploreOption, valuesByPoint } from '../../sim/report/explore-html.js';
import { tempDir } from '../cli/cli.js';
import { HAVE_CHROMIUM, launch, openOffline, screenshot } from './browser.js';

declare const window: unknown;

describe.skipIf(!HAVE_CHROMIUM)('the explore page in Chromium', () => {
  const tmp = tempDir();
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let r: ExploreResult;

  beforeAll(async () => {
    r = await explore({ ref: 'scenarios/examples/backlog-outage.json', varies: [parseVary('repl-backlog-size=16kb,64kb,1mb'), parseVary('$outage=2000,5000')], seeds: [1, 2], metric: 'full-sync-rate', workers: 1 });
    const option = exploreOption(r, valuesByPoint(r, (run) => metricOf({ seed: run.seed, status: 'pass', trace_hash: '', failures: [], events: 0, metrics: run.metrics }, 'full-sync-rate')));
    const file = join(tmp.dir, 'explore.html');
    writeFileSync(file, exploreHtml(r, option, 'replsim explore ...'));
    browser = await launch();
    ({ page, problems } = await openOffline(browser, file, 'replsimExplore'));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    tmp.cleanup();
  });

  it('opens offline with no console errors; one mean line and one band per setting of the other knob', async () => {
    expect(problems).toEqual([]);
    const ids = await page.evaluate(() => (window as { replsimExplore: { chart: { getOption(): { series: { id: string; data: unknown[] }[] } } } }).replsimExplore.chart.getOption().series.map((s) => `${s.id}:${s.data.length}`));
    expect(ids).toEqual(['$outage=2000 low:3', '$outage=2000 band:3', '$outage=2000 mean:3', '$outage=5000 low:3', '$outage=5000 band:3', '$outage=5000 mean:3']);
  });

  it('hovering a point shows its mean; the screenshot is taken', async () => {
    const box = (await page.locator('#plot').boundingBox())!;
    const [x, y] = await page.evaluate(() => (window as { replsimExplore: { chart: { convertToPixel(f: object, v: unknown[]): number[] } } }).replsimExplore.chart.convertToPixel({ seriesId: '$outage=5000 mean' }, ['16kb', 1]));
    await page.mouse.move(box.x + x!, box.y + y!);
    await page.waitForTimeout(150);
    const tip = (await page.locator('.tip').first().innerText()).replace(/\s+/g, ' ');
    const p = r.points.find((q) => q.point['repl-backlog-size'] === '16kb' && q.point.$outage === 5000)!;
    expect(tip).toContain('16kb');
    expect(tip).toContain(`$outage=5000 ${p.mean}`);
    await screenshot(page, 'explore.png');
  });
});
