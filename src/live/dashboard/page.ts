/**
 * The dashboard page: one self-contained HTML document (uPlot inlined, no network beyond the
 * page's own server), fed by server-sent events from /events. It draws the run that is going on
 * and lists the runs that ended with their verdicts; a new run (a matrix's next item, a hunt's
 * next try) starts its charts afresh.
 */
import { escapeHtml, uplotAssets } from '../../report/htmlAssets.js';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
#figures { display: flex; gap: 24px; margin: 12px 0; flex-wrap: wrap; }
#figures div { min-width: 110px; }
#figures b { display: block; font-size: 22px; }
#figures span { color: #666; font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(2, 470px); gap: 8px; }
#verdict.pass { color: #1a7f37; } #verdict.fail { color: #cf222e; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 12px; }
#state { color: #666; }
#violationsNow.found, #violations li { color: #cf222e; }
ul { padding-left: 18px; } li { font-family: ui-monospace, monospace; font-size: 12px; }
.legend { font-size: 12px; color: #444; }
.legend i { display: inline-block; width: 12px; height: 3px; margin: 0 4px 3px 10px; }
`;

// Runs in the browser. Charts keep arrays of columns and are redrawn with setData as samples come.
const SCRIPT = `
(function () {
  var COLORS = { success: '#1a7f37', refusal: '#9a6700', failure: '#cf222e', unknown: '#8250df', p50: '#0969da', p95: '#bc4c00', p99: '#cf222e', issued: '#1a7f37', stock: '#0969da', vus: '#57606a' };
  var CHARTS = [
    { id: 'throughput', title: 'answers per second by outcome', keys: ['success', 'refusal', 'failure', 'unknown'] },
    { id: 'latency', title: 'latency (ms)', keys: ['p50', 'p95', 'p99'] },
    { id: 'stock', title: 'issued vs stock left', keys: ['issued', 'stock'] },
    { id: 'vus', title: 'virtual users', keys: ['vus'] }
  ];
  var SHORT = { 'lost-decrements': 'lost', 'over-issue': 'over-issued', 'negative-stock': 'below 0' };
  var run = null, plots = {}, faults = [], violations = [], samples = 0;
  var $ = function (id) { return document.getElementById(id); };
  var fmt = function (x) { return x === null || x === undefined ? '—' : Math.round(x).toLocaleString('en-US'); };

  function shade(u) {
    var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height, now = run ? run.now : 0;
    ctx.save();
    faults.forEach(function (f) {
      var x0 = u.valToPos(f.startS, 'x', true), x1 = u.valToPos(f.endS === null ? now : Math.max(f.endS, f.startS + 0.05), 'x', true);
      ctx.fillStyle = 'rgba(207, 34, 46, 0.12)';
      ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
    });
    ctx.strokeStyle = '#cf222e';
    ctx.lineWidth = 2;
    ctx.setLineDash([4, 3]);
    violations.forEach(function (atS) {
      var x = u.valToPos(atS, 'x', true);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
    });
    ctx.restore();
  }

  function newCharts() {
    CHARTS.forEach(function (c) {
      var el = $(c.id);
      el.innerHTML = '';
      var series = [{}].concat(c.keys.map(function (k) { return { label: k, stroke: COLORS[k], width: 2, points: { show: false } }; }));
      var data = [[]].concat(c.keys.map(function () { return []; }));
      plots[c.id] = { keys: c.keys, data: data, plot: new uPlot({
        title: c.title, width: 460, height: 220, series: series, legend: { show: false },
        scales: { x: { time: false, range: function (u, min, max) { return [0, Math.max(max, run ? run.totalS : 1)]; } }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
        axes: [{ label: 'second' }, { size: 60 }],
        hooks: { drawClear: [shade] }
      }, data, el) };
      var legend = document.createElement('div');
      legend.className = 'legend';
      legend.innerHTML = c.keys.map(function (k) { return '<i style="background:' + COLORS[k] + '"></i>' + k; }).join('');
      el.appendChild(legend);
    });
  }

  function onRunStart(m) {
    run = { id: m.runId, totalS: m.totalS, quantity: m.quantity, now: 0 };
    faults = [];
    violations = [];
    $('violations').innerHTML = '';
    $('violationsNow').textContent = 'none';
    $('violationsNow').className = '';
    document.body.setAttribute('data-violations', '0');
    document.body.removeAttribute('data-verdict');
    document.body.setAttribute('data-faults', '0');
    samples = 0;
    $('system').textContent = m.system;
    $('scenario').textContent = m.scenario + ' · ' + m.quantity.toLocaleString('en-US') + ' units · ' + m.totalS + ' s';
    $('state').textContent = 'running';
    $('verdict').textContent = '…';
    $('verdict').className = '';
    $('integrity').textContent = '(when the run has been audited)';
    newCharts();
  }

  function onSample(m) {
    if (!run || m.runId !== run.id) return;
    var s = m.sample;
    run.now = s.atS;
    samples++;
    var values = { success: s.rate.success, refusal: s.rate.refusal, failure: s.rate.failure, unknown: s.rate.unknown, p50: s.latencyMs.p50, p95: s.latencyMs.p95, p99: s.latencyMs.p99, issued: s.issued, stock: s.stockLeft, vus: s.vus };
    Object.keys(plots).forEach(function (id) {
      var p = plots[id];
      p.data[0].push(s.atS);
      p.keys.forEach(function (k, i) { p.data[i + 1].push(values[k]); });
      p.plot.setData(p.data);
    });
    var answered = Object.keys(s.requests).reduce(function (a, k) { return a + s.requests[k]; }, 0);
    $('elapsed').textContent = s.atS.toFixed(0) + ' / ' + s.totalS.toFixed(0) + ' s';
    $('vusNow').textContent = fmt(s.vus);
    $('requests').textContent = fmt(answered);
    $('issued').textContent = fmt(s.issued);
    $('stockLeft').textContent = fmt(s.stockLeft);
    $('p95').textContent = s.latencyMs.p95.toFixed(1) + ' ms';
    document.body.setAttribute('data-samples', String(samples));
    document.body.setAttribute('data-issued', String(s.issued));
  }

  function onFault(m) {
    if (!run || m.runId !== run.id) return;
    var label = m.kind + (m.link ? '#' + m.link : '');
    if (m.active) faults.push({ label: label, startS: m.atS, endS: null });
    else faults.forEach(function (f) { if (f.label === label && f.endS === null) f.endS = m.atS; });
    $('faultsNow').textContent = faults.filter(function (f) { return f.endS === null; }).map(function (f) { return f.label; }).join(', ') || 'none';
    document.body.setAttribute('data-faults', String(faults.length));
    onNote({ text: m.atS.toFixed(2) + ' s ' + label + (m.active ? ' began on ' : ' ended on ') + m.target });
    Object.keys(plots).forEach(function (id) { plots[id].plot.redraw(false); });
  }

  function onViolation(m) {
    if (!run || m.runId !== run.id) return;
    violations.push(m.atS);
    var li = document.createElement('li');
    li.textContent = m.text;
    $('violations').appendChild(li);
    $('violationsNow').textContent = '≥' + fmt(m.atLeast) + ' ' + SHORT[m.kind];
    $('violationsNow').className = 'found';
    document.body.setAttribute('data-violations', String(violations.length));
    Object.keys(plots).forEach(function (id) { plots[id].plot.redraw(false); });
  }

  function onRunEnd(m) {
    $('state').textContent = 'ended';
    $('verdict').textContent = m.verdict.toUpperCase();
    $('verdict').className = m.verdict;
    $('issued').textContent = fmt(m.issued);
    $('requests').textContent = fmt(m.requests);
    $('stockLeft').textContent = fmt(m.finalQuantity);
    $('vusNow').textContent = '0';
    $('integrity').textContent = m.integrity;
    var li = document.createElement('li');
    li.textContent = m.system + ': ' + m.verdict.toUpperCase() + ', ' + fmt(m.issued) + ' told issued, ' + (m.rows === null ? 'no records' : fmt(m.rows) + ' records') + ', stock ' + fmt(m.finalQuantity);
    $('runs').appendChild(li);
    document.body.setAttribute('data-verdict', m.verdict);
    document.body.setAttribute('data-runs-ended', String($('runs').children.length));
  }

  function onNote(m) {
    var li = document.createElement('li');
    li.textContent = m.text;
    $('notes').appendChild(li);
  }

  var source = new EventSource('events');
  // The server sends everything from the start on each connection: a reconnect starts the lists afresh.
  source.onopen = function () {
    ['runs', 'notes', 'violations'].forEach(function (id) { $(id).innerHTML = ''; });
    document.body.setAttribute('data-connected', 'true');
  };
  source.onerror = function () { if (run && $('state').textContent === 'running') $('state').textContent = 'disconnected'; };
  source.onmessage = function (e) {
    var m = JSON.parse(e.data);
    if (m.type === 'run-start') onRunStart(m);
    else if (m.type === 'sample') onSample(m);
    else if (m.type === 'fault-change') onFault(m);
    else if (m.type === 'violation') onViolation(m);
    else if (m.type === 'run-end') onRunEnd(m);
    else if (m.type === 'note') onNote(m);
  };
})();
`;

export function dashboardPage(title: string): string {
  const { js, css } = uplotAssets();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>couponbench live: ${escapeHtml(title)}</title>
<style>${css}${STYLE}</style><script>${js}</script></head>
<body>
<h1>couponbench · <span id="system">waiting for the load</span> <span id="verdict"></span></h1>
<div><span id="scenario"></span> · <span id="state">connecting</span></div>
<div id="figures">
  <div><b id="elapsed">—</b><span>elapsed</span></div>
  <div><b id="vusNow">—</b><span>VUs</span></div>
  <div><b id="requests">—</b><span>answers</span></div>
  <div><b id="issued">—</b><span>told issued</span></div>
  <div><b id="stockLeft">—</b><span>stock left (probed)</span></div>
  <div><b id="p95">—</b><span>p95 this second</span></div>
  <div><b id="faultsNow">none</b><span>faults in effect (shaded)</span></div>
  <div><b id="violationsNow">none</b><span>violations found (dashed)</span></div>
</div>
<div class="charts"><div id="throughput"></div><div id="latency"></div><div id="stock"></div><div id="vus"></div></div>
<h2>violations as found</h2><ul id="violations"></ul>
<h2>integrity</h2>
<pre id="integrity">(when the run has been audited)</pre>
<h2>runs</h2><ul id="runs"></ul>
<h2>timeline</h2><ul id="notes"></ul>
<script>${SCRIPT}</script>
</body></html>
`;
}
