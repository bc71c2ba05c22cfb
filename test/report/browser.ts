// A real headless Chromium for the page tests: Debian's `chromium` package driven by playwright-core.
// Without it the tests are skipped with the reason printed, unless REPLSIM_CHROMIUM=1 (set by
// .ci/run) requires it. Every page is opened offline: any request that is not file: or data: is
// refused and recorded, and console errors and page errors are collected.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

// page.evaluate callbacks run in the page; the project's types have no DOM library
declare const window: unknown;
import { ROOT } from '../cli/cli.js';

export const CHROMIUM = process.env.REPLSIM_CHROMIUM_PATH ?? '/usr/bin/chromium';
export const REQUIRED = process.env.REPLSIM_CHROMIUM === '1';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  if (REQUIRED) throw new Error(`REPLSIM_CHROMIUM=1 but there is no Chromium at ${CHROMIUM} (apt-get install chromium, or set REPLSIM_CHROMIUM_PATH)`);
  console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; REPLSIM_CHROMIUM=1 makes this an error)`);
}

/** Where screenshots go (a CI artifact folder; never compared). */
export const SHOTS = process.env.REPLSIM_ARTIFACTS ? join(process.env.REPLSIM_ARTIFACTS, 'browser') : join(ROOT, '.replsim-out', 'browser');

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

export interface Opened {
  page: Page;
  /** Console errors, page errors and refused network requests. */
  problems: string[];
  /** Wall-clock milliseconds from navigation to the page's script being done. */
  openMs: number;
}

/** Open a local HTML file offline and wait until its script says it is ready (`window[readyObject].ready`). */
export async function openOffline(browser: Browser, file: string, readyObject: string): Promise<Opened> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    problems.push(`network request: ${url}`);
    return route.abort();
  });
  const t0 = performance.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction((name) => (window as unknown as Record<string, { ready?: boolean }>)[name]?.ready === true, readyObject, { timeout: 30_000 });
  return { page, problems, openMs: Math.round(performance.now() - t0) };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
