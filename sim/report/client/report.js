// The report page's script (runs in the browser, inlined into the HTML with ECharts). It reads the
// data built by sim/report/model.ts from the #data element and draws the timeline, the offsets with
// backlog windows, the replication id tree, the failures and the event list. Times are shown in
// milliseconds of simulated time; the data is in microseconds.
/* global echarts */
(function () {
  'use strict';
  const D = JSON.parse(document.getElementById('data').textContent);
  const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#edc948', '#76b7b2', '#ff9da7', '#9c755f', '#bab0ac', '#e15759', '#8cd17d', '#86bcb6', '#f1ce63', '#a0cbe8', '#d4a6c8', '#fabfd2'];
  const labelOf = new Map(D.ids.map((x, i) => [x.id, { label: x.label, color: PALETTE[i % PALETTE.length] }]));
  const idText = (id) => (labelOf.has(id) ? `${labelOf.get(id).label} (${id.slice(0, 8)})` : String(id));
  const ms = (us) => (us / 1000).toFixed(3);
  const lanes = [...D.nodes, '(network, faults)'];
  const laneOf = (n) => (n === null || n === undefined || D.nodes.indexOf(n) < 0 ? D.nodes.length : D.nodes.indexOf(n));
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const $ = (id) => document.getElementById(id);

  // ---- header, failures, parameters ----
  const m = D.meta;
  $('title').textContent = `replsim ${m.scenario}, seed ${m.seed}${m.mutant ? `, mutant ${m.mutant}` : ''}`;
  $('status').textContent = m.status ? m.status.toUpperCase() : 'INCOMPLETE (no footer: the run did not finish)';
  $('status').className = `status ${m.status || 'incomplete'}`;
  $('facts').textContent = `${m.trace_events} events, ${ms(D.t_end)} ms simulated, trace hash ${m.trace_hash || '-'}, replsim ${m.tool_version || '?'}`;
  $('reproduce').textContent = m.reproduce || '(unknown: the trace header names no scenario)';
  $('params').textContent = D.parameters ? JSON.stringify(D.parameters, null, 2) : '(the trace header carries no resolved scenario)';
  const fl = $('failures');
  if (D.failures.length === 0) fl.innerHTML = '<li class="none">none</li>';
  D.failures.forEach((f, i) => {
    const li = document.createElement('li');
    li.id = `failure-${i}`;
    li.innerHTML = `<a href="#" data-t="${f.t}">${ms(f.t)} ms</a> <b>${esc(f.kind)}</b> ${esc(f.message)}`;
    fl.appendChild(li);
  });
  $('verdicts').innerHTML = '<tr><th>property</th><th>held</th><th>checked</th><th>figures</th><th>notes</th></tr>' + D.verdicts.map((v) =>
    `<tr class="${v.held ? 'held' : 'broken'}"><td>${esc(v.property)}</td><td>${v.held ? 'yes' : 'NO'}</td><td>${v.checked === null ? '-' : v.checked}</td><td>${esc(Object.entries(v.stats).map(([k, x]) => `${k} ${x}`).join(', '))}</td><td>${v.notes.map(esc).join('<br>')}</td></tr>`).join('');
  fl.addEventListener('click', (ev) => {
    const a = ev.target.closest('a[data-t]');
    if (!a) return;
    ev.preventDefault();
    showEventsAt(Number(a.dataset.t));
  });

  // ---- timeline ----
  const spanItems = [];
  const push = (kind, s, extra) => spanItems.push({ kind, from: s.from, to: s.to, lane: laneOf(s.node), ...extra, s });
  for (const s of D.replids) push('replid', s, { color: (labelOf.get(s.value) || {}).color || '#ccc' });
  for (const s of D.roles) push('role', s, { color: s.value === 'master' ? '#222' : s.value === 'slave' ? '#9aa' : '#e0e0e0' });
  for (const s of D.links) push('link', s, { color: s.value === 'up' ? '#3a3' : '#d33' });
  for (const s of D.rdb) push('rdb', s, { color: s.complete ? '#333' : '#a33' });
  const BAND = { replid: [-0.34, 0.06], role: [0.1, 0.2], link: [0.24, 0.32], rdb: [-0.44, -0.37] };
  const masterAt = (node, t) => (D.masters.find((s) => s.node === node && s.from <= t && t < s.to) || {}).value;
  const spanTip = (it) => {
    const s = it.s;
    const when = `${ms(s.from)} to ${ms(s.to)} ms`;
    if (it.kind === 'replid') return `<b>${esc(s.node)}</b> on replication id ${esc(idText(s.value))}<br>${when}`;
    if (it.kind === 'role') return `<b>${esc(s.node)}</b> ${s.value === 'slave' ? `replica of ${esc(masterAt(s.node, s.from) || '?')}` : s.value}<br>${when}`;
    if (it.kind === 'link') return `<b>${esc(s.node)}</b> link ${s.value}<br>${when}`;
    if (it.kind === 'rdb') return `<b>${esc(s.node)}</b> RDB transfer from ${esc(s.value)} ${s.complete ? '(loaded)' : '(not completed)'}<br>${when}`;
    return '';
  };
  const spanSeries = {
    type: 'custom', name: 'spans', id: 'spans', progressive: 0, // drawn in one frame: a screenshot or a test sees all of it
    data: spanItems.map((it, i) => [it.from / 1000, it.to / 1000, it.lane, i]),
    encode: { x: [0, 1], y: 2 },
    renderItem(params, api) {
      const it = spanItems[api.value(3)];
      const a = api.coord([api.value(0), it.lane]);
      const b = api.coord([api.value(1), it.lane]);
      const h = api.size([0, 1])[1];
      const [y0, y1] = BAND[it.kind];
      const shape = echarts.graphic.clipRectByRect({ x: a[0], y: a[1] + y0 * h, width: Math.max(1, b[0] - a[0]), height: (y1 - y0) * h }, params.coordSys);
      if (!shape) return null;
      const children = [{ type: 'rect', shape, style: { fill: it.color, opacity: it.kind === 'rdb' && !it.s.complete ? 0.6 : 0.9 } }];
      if (it.kind === 'replid' && shape.width > 16) children.push({ type: 'text', style: { text: (labelOf.get(it.s.value) || {}).label || '', x: shape.x + 3, y: shape.y + 2, fill: '#fff', fontSize: 11 } });
      return { type: 'group', children };
    },
    tooltip: { formatter: (p) => spanTip(spanItems[p.value[3]]) },
    z: 1,
  };
  const partSeries = {
    type: 'custom', name: 'partitions', id: 'partitions',
    data: D.partitions.map((p, i) => [p.from / 1000, p.to / 1000, i]),
    encode: { x: [0, 1] },
    renderItem(params, api) {
      const p = D.partitions[api.value(2)];
      const la = laneOf(p.a), lb = laneOf(p.b);
      const a = api.coord([api.value(0), Math.min(la, lb)]);
      const b = api.coord([api.value(1), Math.max(la, lb)]);
      const h = api.size([0, 1])[1];
      const top = Math.min(a[1], b[1]) - 0.5 * h, bottom = Math.max(a[1], b[1]) + 0.5 * h;
      const shape = echarts.graphic.clipRectByRect({ x: a[0], y: top, width: Math.max(2, b[0] - a[0]), height: bottom - top }, params.coordSys);
      return shape ? { type: 'rect', shape, style: { fill: 'rgba(220,40,40,0.10)', stroke: 'rgba(220,40,40,0.6)', lineDash: [4, 3] } } : null;
    },
    tooltip: { formatter: (p) => { const x = D.partitions[p.value[2]]; return `partition ${esc(x.dirs)}<br>${ms(x.from)} to ${ms(x.to)} ms`; } },
    z: 0,
  };
  const psyncTip = (x) => `<b>PSYNC</b> ${esc(x.replica)} &rarr; ${esc(x.server)} at ${ms(x.t)} ms: <b>${x.result === 'continue' ? '+CONTINUE' : 'FULLRESYNC'}</b> (${esc(x.reason)})<br>asked ${esc(x.requested === '?' ? '?' : idText(x.requested))} offset ${x.requested_offset}<br>server offset ${x.master_offset}, backlog ${x.backlog_first}..${x.backlog_first + x.backlog_histlen - 1} (histlen ${x.backlog_histlen})`;
  const arrowSeries = {
    type: 'custom', name: 'psync', id: 'psync',
    data: D.psyncs.map((x, i) => [x.t / 1000, laneOf(x.replica), laneOf(x.server), i]),
    encode: { x: 0, y: [1, 2] },
    renderItem(params, api) {
      const x = D.psyncs[api.value(3)];
      const from = api.coord([api.value(0), api.value(1)]);
      const to = api.coord([api.value(0), api.value(2)]);
      const h = api.size([0, 1])[1];
      const dir = to[1] > from[1] ? 1 : -1;
      const x0 = from[0] - 6, y0 = from[1] + dir * 0.3 * h, x1 = to[0], y1 = to[1] - dir * 0.3 * h;
      const color = x.result === 'continue' ? '#2a8a2a' : '#e07000';
      return { type: 'group', children: [
        { type: 'line', shape: { x1: x0, y1: y0, x2: x1, y2: y1 }, style: { stroke: color, lineWidth: 2 } },
        { type: 'polygon', shape: { points: [[x1, y1], [x1 - 4, y1 - dir * 8], [x1 + 4, y1 - dir * 8]] }, style: { fill: color } },
      ] };
    },
    tooltip: { formatter: (p) => psyncTip(D.psyncs[p.value[3]]) },
    z: 3,
  };
  const SYMBOL = { crash: ['triangle', '#7b2d8b'], shutdown: ['rect', '#7b2d8b'], restart: ['arrow', '#2a6db0'], pause: ['emptyCircle', '#2a6db0'], fault: ['diamond', '#c08000'], orchestrator: ['circle', '#555'], violation: ['pin', '#e00000'] };
  const markerSeries = Object.keys(SYMBOL).map((kind) => {
    const items = D.markers.map((x, i) => [x, i]).filter(([x]) => x.kind === kind);
    return {
      type: 'scatter', name: kind, id: `marker-${kind}`, symbol: SYMBOL[kind][0], symbolSize: kind === 'violation' ? 20 : 11,
      itemStyle: { color: SYMBOL[kind][1] }, z: kind === 'violation' ? 5 : 4,
      data: items.map(([x, i]) => [x.t / 1000, laneOf(x.node), i]),
      tooltip: { formatter: (p) => { const x = D.markers[p.value[2]]; return `<b>${esc(x.kind)}</b>${x.node ? ` ${esc(x.node)}` : ''} at ${ms(x.t)} ms<br>${esc(x.text)}`; } },
    };
  });
  const zoom = [{ type: 'inside', xAxisIndex: 0, filterMode: 'none' }, { type: 'slider', xAxisIndex: 0, filterMode: 'none', height: 18, bottom: 4 }];
  const timeline = echarts.init($('timeline'), null, { renderer: 'canvas' });
  timeline.setOption({
    animation: false, group: 'replsim',
    tooltip: { trigger: 'item', confine: true, className: 'tip' },
    legend: { top: 0, data: Object.keys(SYMBOL) },
    grid: { left: 110, right: 20, top: 30, bottom: 40 },
    xAxis: { type: 'value', name: 'ms', min: 0, max: D.t_end / 1000, axisLabel: { formatter: (v) => `${v}` } },
    yAxis: { type: 'category', data: lanes, inverse: true, axisTick: { show: false } },
    dataZoom: zoom,
    series: [partSeries, spanSeries, arrowSeries, ...markerSeries],
  });
  timeline.on('click', (p) => {
    if (p.seriesId === 'marker-violation') {
      const x = D.markers[p.value[2]];
      const li = $(`failure-${x.failure}`);
      if (li) { li.classList.add('hit'); li.scrollIntoView({ block: 'center' }); }
      showEventsAt(x.t);
    } else if (p.value) showEventsAt(p.value[0] * 1000);
  });

  // ---- offsets and backlog windows ----
  const nodeColor = (i) => PALETTE[(i * 3 + 1) % PALETTE.length];
  const offsetSeries = D.nodes.map((n, i) => ({
    type: 'line', name: n, id: `offset-${n}`, step: 'end', showSymbol: false, sampling: 'lttb', lineStyle: { width: 1.5, color: nodeColor(i) }, itemStyle: { color: nodeColor(i) },
    data: D.offsets[n].map(([t, o]) => [t / 1000, o]),
  }));
  const windowSeries = D.nodes.map((n, i) => {
    const pts = D.backlog[n];
    return {
      type: 'custom', name: `${n} backlog`, id: `backlog-${n}`, progressive: 0, itemStyle: { color: nodeColor(i), opacity: 0.3 },
      data: pts.map(([t, lo, hi], k) => [t / 1000, k + 1 < pts.length ? pts[k + 1][0] / 1000 : D.t_end / 1000, lo, hi]),
      encode: { x: [0, 1], y: [2, 3] },
      renderItem(params, api) {
        const a = api.coord([api.value(0), api.value(3)]);
        const b = api.coord([api.value(1), api.value(2)]);
        // one pixel wider than its span, so neighbouring windows leave no hairline gaps
        const shape = echarts.graphic.clipRectByRect({ x: a[0], y: a[1], width: Math.max(1, b[0] - a[0] + 1), height: Math.max(1, b[1] - a[1]) }, params.coordSys);
        return shape ? { type: 'rect', shape, style: { fill: nodeColor(i), opacity: 0.15 } } : null;
      },
      tooltip: { formatter: (p) => `<b>${esc(n)}</b> backlog window at ${p.value[0].toFixed(3)} ms: offsets ${p.value[2]}..${p.value[3]}<br>a PSYNC asking for an offset in it (on the right id) can continue` },
      z: 0,
    };
  });
  const offsetsChart = echarts.init($('offsets'));
  offsetsChart.setOption({
    animation: false, group: 'replsim',
    tooltip: { trigger: 'axis', confine: true, className: 'tip', valueFormatter: (v) => String(v) },
    legend: { top: 0 },
    grid: { left: 110, right: 20, top: 30, bottom: 40 },
    xAxis: { type: 'value', name: 'ms', min: 0, max: D.t_end / 1000 },
    yAxis: { type: 'value', name: 'offset', scale: true },
    dataZoom: zoom,
    series: [...windowSeries, ...offsetSeries],
  });
  echarts.connect('replsim');

  // ---- replication id tree ----
  const kids = new Map();
  for (const h of D.lineage) {
    const p = h.parent && D.lineage.some((x) => x.id === h.parent) ? h.parent : null;
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(h);
  }
  const treeNode = (h) => ({
    name: `${h.label} ${h.id.slice(0, 8)}${h.fork_offset !== null ? ` @${h.fork_offset}` : ''}`,
    value: h.id,
    itemStyle: { color: (labelOf.get(h.id) || {}).color },
    tip: `<b>${esc(idText(h.id))}</b><br>${h.parent ? `forked from ${esc(idText(h.parent))} at offset ${h.fork_offset}` : 'a history of its own (no parent)'}<br>` +
      (h.on.length ? h.on.map((o) => `${esc(o.node)}: ${ms(o.from)} to ${ms(o.to)} ms`).join('<br>') : 'no node was on it'),
    children: (kids.get(h.id) || []).map(treeNode),
  });
  const roots = (kids.get(null) || []).map(treeNode);
  const tree = echarts.init($('lineage'));
  tree.setOption({
    animation: false,
    tooltip: { trigger: 'item', confine: true, className: 'tip', formatter: (p) => (p.data && p.data.tip) || '' },
    series: [{ type: 'tree', id: 'lineage', data: [{ name: 'start', children: roots, itemStyle: { color: '#999' }, tip: 'the run starts' }], top: 20, left: 60, bottom: 20, right: 160, symbolSize: 10, initialTreeDepth: -1, expandAndCollapse: false, label: { position: 'left', fontSize: 11 }, leaves: { label: { position: 'right' } } }],
  });
  $('lineage').style.height = `${Math.max(160, 26 * D.lineage.length + 40)}px`;
  tree.resize();

  // ---- event list ----
  const types = [...new Set(D.events.map((e) => e.type))].sort();
  $('f-type').innerHTML = '<option value="">all types</option>' + types.map((t) => `<option>${esc(t)}</option>`).join('');
  $('f-node').innerHTML = '<option value="">all nodes</option>' + D.nodes.map((n) => `<option>${esc(n)}</option>`).join('');
  const LIMIT = 3000;
  let from = 0;
  function renderEvents() {
    const ty = $('f-type').value, nd = $('f-node').value, tx = $('f-text').value.toLowerCase();
    const rows = D.events.filter((e) => e.t >= from && (!ty || e.type === ty) && (!nd || e.node === nd) && (!tx || e.text.toLowerCase().includes(tx) || e.type.includes(tx)));
    $('events').innerHTML = rows.slice(0, LIMIT).map((e) => `<tr class="${e.type.replace(/[^a-z]/g, '-')}"><td>${ms(e.t)}</td><td>${esc(e.node || '*')}</td><td>${esc(e.type)}</td><td>${esc(e.text)}</td></tr>`).join('');
    $('ev-count').textContent = `${Math.min(rows.length, LIMIT)} of ${rows.length} shown${from > 0 ? ` from ${ms(from)} ms` : ''}${D.events_omitted ? `; ${D.events_omitted} later events are not in the report` : ''}`;
  }
  function showEventsAt(t) {
    from = Math.max(0, t - 1);
    renderEvents();
    $('event-list').scrollIntoView({ block: 'start' });
  }
  for (const id of ['f-type', 'f-node', 'f-text']) $(id).addEventListener('input', renderEvents);
  $('f-reset').addEventListener('click', () => { from = 0; $('f-type').value = ''; $('f-node').value = ''; $('f-text').value = ''; renderEvents(); });
  renderEvents();
  window.addEventListener('resize', () => { timeline.resize(); offsetsChart.resize(); tree.resize(); });
  // for tests and the curious: the charts and what was drawn
  window.replsimReport = { data: D, charts: { timeline, offsets: offsetsChart, lineage: tree }, ready: true };
})();
