// One self-contained HTML page from report data: ECharts (read from node_modules) and the page's
// script and styles are inlined, the data is one JSON block; nothing is fetched when it is opened.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { packagePath } from '../paths.js';
import type { ReportData } from './model.js';

const require = createRequire(import.meta.url);

/** The ECharts build inlined into every page (read once per process). */
let echartsSource: string | null = null;
export function echartsJs(): string {
  echartsSource ??= readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
  return echartsSource;
}

function asset(name: string): string {
  return readFileSync(packagePath('sim', 'report', 'client', name), 'utf8');
}

/** JSON safe inside a <script> element: no "</script", no "<!--". */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Text safe inside a <script> element (a library's source). */
function scriptText(src: string): string {
  return src.replace(/<\/script/gi, '<\\/script');
}

export function reportHtml(data: ReportData): string {
  const title = `replsim ${data.meta.scenario} seed ${String(data.meta.seed)}`.replace(/[<>&]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${asset('report.css')}</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <div><span id="status" class="status"></span> <span id="facts"></span></div>
  <div class="repro">reproduce: <code id="reproduce"></code></div>
</header>
<section><h2>Failures</h2><ol id="failures"></ol></section>
<section><h2>Properties</h2><p class="help">Each property checked over the run: whether it held, how much it checked, its figures, and its notes (what Redis 7.0 allows but is worth knowing: acknowledged writes lost to asynchronous replication, partial syncs it missed).</p><table id="verdicts"></table></section>
<section>
  <h2>Timeline</h2>
  <p class="help">Per node: the replication id band (same id, same colour, on every node; its label in the band), the role strip (dark: master, light: replica, pale: down), the link strip (green up, red down), RDB transfers as a bar above the band. Arrows: PSYNC from replica to server, green +CONTINUE, orange FULLRESYNC. Red shading: partitions between the lanes they cut. Markers: crashes, shutdowns, restarts, faults, the orchestrator, and property violations (red pins; click one for its failure and the events). Scroll to zoom, drag to pan; hover for the figures.</p>
  <div id="timeline" class="chart" style="height:${Math.max(220, 70 * (data.nodes.length + 1) + 80)}px"></div>
</section>
<section>
  <h2>Offsets and backlog windows</h2>
  <p class="help">Each node's replication offset over time; the shaded band is the range its backlog could still serve (from its last PSYNC's backlog figures and repl-backlog-size). A PSYNC asking below a server's band cannot continue.</p>
  <div id="offsets" class="chart" style="height:320px"></div>
</section>
<section>
  <h2>Replication id tree</h2>
  <p class="help">Each id, the id it forked from and at which offset (properties/lineage.ts); hover for which nodes were on it and when.</p>
  <div id="lineage" class="chart"></div>
</section>
<section id="event-list">
  <h2>Events</h2>
  <div class="filters"><select id="f-type"></select> <select id="f-node"></select> <input id="f-text" placeholder="filter text"> <button id="f-reset">show all</button> <span id="ev-count"></span></div>
  <div class="scroll"><table><thead><tr><th>ms</th><th>node</th><th>type</th><th>what</th></tr></thead><tbody id="events"></tbody></table></div>
</section>
<section><h2>Resolved parameters</h2><pre id="params"></pre></section>
<script id="data" type="application/json">${scriptJson(data)}</script>
<script>${scriptText(echartsJs())}</script>
<script>${scriptText(asset('report.js'))}</script>
</body>
</html>
`;
}
