// Makes the README's screenshots from real runs (needs Debian's chromium):
//   npx replsim run docs/report-demo.json --report /tmp/report.html
//   npx replsim explore scenarios/examples/backlog-outage.json --vary repl-backlog-size=16kb,32kb,64kb,128kb,256kb,512kb,1mb \
//     --vary '$outage=2000,5000,10000,20000' --seeds 1..20 --out /tmp/explore
//   node docs/screenshots.mjs /tmp/report.html /tmp/explore/explore.html
import { chromium } from 'playwright-core';

const [report, explore] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.REPLSIM_CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
async function shot(file, ready, out, until) {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  await page.goto(`file://${file}`);
  await page.waitForFunction((name) => window[name]?.ready === true, ready);
  const end = await page.evaluate((sel) => document.querySelector(sel).getBoundingClientRect().top + window.scrollY, until);
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1300, height: Math.ceil(end) } });
  await page.close();
}
if (report) await shot(report, 'replsimReport', 'docs/images/report.png', '#event-list');
if (explore) await shot(explore, 'replsimExplore', 'docs/images/explore.png', 'h2');
await browser.close();
