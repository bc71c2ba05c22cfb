// The explore page and its SVG: the metric against the first --vary, one line per setting of the
// others, each point the mean over the seeds with its 95% interval as a band. The chart's option is
// plain JSON, so the same chart is drawn in the page (ECharts inlined) and as SVG (ECharts' own
// server-side renderer), with no second drawing code.

import { createRequire } from 'node:module';
import type { ExploreResult, PointSummary } from '../harness/explore.js';
import { METRICS, zeroFrom } from '../harness/explore.js';
import { echartsJs, scriptJson } from './html.js';

const require = createRequire(import.meta.url);
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac'];

/** The 95% interval of a point's mean (normal approximation, clipped to the values seen). */
export function interval(p: PointSummary, values: number[]): [number, number] | null {
  if (p.mean === null || values.length === 0) return null;
  const n = values.length;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, x) => a + (x - p.mean!) ** 2, 0) / (n - 1)) : 0;
  const h = (1.96 * sd) / Math.sqrt(n);
  return [Math.max(p.min!, p.mean - h), Math.min(p.max!, p.mean + h)];
}

/** The chart as an ECharts option (JSON only: no functions). */
export function exploreOption(r: ExploreResult, valuesOf: (p: PointSummary) => number[], size?: { width: number; height: number }): Record<string, unknown> {
  const [xVary, ...rest] = r.varies;
  const xs = xVary ? xVary.values.map(String) : ['(all)'];
  const lineKey = (p: PointSummary) => rest.map((v) => `${v.key}=${p.point[v.key]}`).join(' ') || r.metric;
  const lines = new Map<string, PointSummary[]>();
  for (const p of r.points) {
    const k = lineKey(p);
    if (!lines.has(k)) lines.set(k, []);
    lines.get(k)!.push(p);
  }
  const series: Record<string, unknown>[] = [];
  [...lines.entries()].forEach(([name, pts], i) => {
    const color = PALETTE[i % PALETTE.length];
    const at = (x: string) => pts.find((p) => !xVary || String(p.point[xVary.key]) === x);
    const ci = xs.map((x) => {
      const p = at(x);
      return p ? interval(p, valuesOf(p)) : null;
    });
    // the band: an invisible line at the low end, and the width stacked on it
    series.push({ type: 'line', name, id: `${name} low`, stack: `band ${i}`, data: ci.map((c) => (c ? c[0] : null)), itemStyle: { color }, lineStyle: { opacity: 0 }, symbol: 'none', silent: true, tooltip: { show: false }, legendHoverLink: false });
    series.push({ type: 'line', name, id: `${name} band`, stack: `band ${i}`, data: ci.map((c) => (c ? Number((c[1] - c[0]).toFixed(6)) : null)), itemStyle: { color }, lineStyle: { opacity: 0 }, areaStyle: { color, opacity: 0.15 }, symbol: 'none', silent: true, tooltip: { show: false } });
    series.push({ type: 'line', name, id: `${name} mean`, data: xs.map((x) => at(x)?.mean ?? null), itemStyle: { color }, lineStyle: { color, width: 2 }, symbolSize: 7 });
  });
  return {
    animation: false,
    ...(size ? {} : { tooltip: { trigger: 'axis', className: 'tip' } }),
    title: { text: `${r.metric} (${r.scenario}, ${r.seeds.length} seeds per point)`, left: 'center', textStyle: { fontSize: 14 } },
    legend: { top: 28, data: [...lines.keys()] },
    grid: { left: 70, right: 30, top: 70, bottom: 50 },
    xAxis: { type: 'category', name: xVary?.key ?? '', nameLocation: 'middle', nameGap: 30, data: xs, boundaryGap: false },
    yAxis: { type: 'value', name: r.metric, ...(r.metric.endsWith('-rate') ? { min: 0, max: 1 } : {}) },
    series,
  };
}

/** The per-seed values of each point, from the runs. */
export function valuesByPoint(r: ExploreResult, metricOf: (run: ExploreResult['runs'][number]) => number | null): (p: PointSummary) => number[] {
  const key = (pt: Record<string, unknown>) => JSON.stringify(r.varies.map((v) => pt[v.key]));
  const m = new Map<string, number[]>();
  for (const run of r.runs) {
    const x = metricOf(run);
    if (x === null) continue;
    const k = key(run.point);
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(x);
  }
  return (p) => m.get(key(p.point)) ?? [];
}

/** The chart as an SVG file, by ECharts' server-side SVG renderer. */
export function exploreSvg(option: Record<string, unknown>, width = 900, height = 520): string {
  const echarts = require('echarts') as { init(dom: null, theme: null, o: object): { setOption(o: object): void; renderToSVGString(): string; dispose(): void } };
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ ...option, backgroundColor: '#fff' });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

export function exploreHtml(r: ExploreResult, option: Record<string, unknown>, command: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const keys = r.varies.map((v) => v.key);
  const rows = r.points.map((p) => `<tr>${keys.map((k) => `<td>${esc(String(p.point[k]))}</td>`).join('')}<td>${p.n}/${p.runs}</td><td>${p.mean ?? '-'}</td><td>${p.min ?? '-'}</td><td>${p.max ?? '-'}</td><td>${p.failed}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>replsim explore ${esc(r.scenario)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;max-width:1100px;margin:0 auto;padding:0 16px 40px}#plot{height:520px}table{border-collapse:collapse;font-size:12px}td,th{padding:1px 10px 1px 0;text-align:right}code{background:#f4f4f4;padding:2px 4px}.help{color:#666;font-size:12px}</style>
</head><body>
<h1>replsim explore ${esc(r.scenario)}</h1>
<p><code>${esc(command)}</code></p>
<p class="help">${esc(r.metric)}: ${esc(METRICS[r.metric])}. Each point is the mean over the seeds that have a value; the band is its 95% interval.</p>
<div id="plot"></div>
<h2>Points</h2>
<table><thead><tr>${keys.map((k) => `<th>${esc(k)}</th>`).join('')}<th>runs with a value</th><th>mean</th><th>min</th><th>max</th><th>not passed</th></tr></thead><tbody id="points">
${rows}
</tbody></table>
${zeroRows(r)}
<p class="help">Every run is in explore.csv and explore.json beside this page.</p>
<script id="option" type="application/json">${scriptJson(option)}</script>
<script>${echartsJs().replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var option = JSON.parse(document.getElementById('option').textContent);
  var chart = echarts.init(document.getElementById('plot'));
  chart.setOption(option);
  window.addEventListener('resize', function () { chart.resize(); });
  window.replsimExplore = { chart: chart, ready: true };
})();
</script>
</body></html>
`;
}

/** Where the metric reaches 0 for good, per line (the minimum backlog, with the backlog size first). */
function zeroRows(r: ExploreResult): string {
  const x = r.varies[0];
  if (!x) return '';
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const rows = zeroFrom(r).map((z) => `<tr><td>${esc(Object.entries(z.line).map(([k, v]) => `${k}=${v}`).join(' ') || '(all)')}</td><td>${z.from === null ? 'none tried' : esc(String(z.from))}</td></tr>`);
  return `<h2>Where ${esc(r.metric)} is 0</h2><table id="zero"><thead><tr><th>line</th><th>smallest ${esc(x.key)} from which it stays 0</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
