import { witnessSpan } from '../../audit/index.js';
import { describeFaultEvent, faultLabel } from '../../faults/spec.js';
import { witnessLines } from '../witnessText.js';
import { rowKey } from '../comparison.js';
import type { Report } from '../schema.js';
import { comparisonSections, type ComparisonSection } from '../sections.js';
import { comparisonTitle, type Exporter } from './types.js';
import { escapeHtml, scriptJson, uplotAssets } from '../htmlAssets.js';


interface ChartSeries {
  label: string;
  vus: number[];
  sent: number[];
  p95: number[];
  /** Issued so far and stock left, as % of the initial stock: readable whatever the stock's size. */
  issued: number[];
  stock: number[];
  /** Issued so far, as a count: plotted instead of the share when the stock dwarfs what was issued. */
  issuedCount: number[];
  /** When the last unit went (null: never sold out): a mark on every chart. */
  soldOutAtS: number | null;
}

/** Per-second series of each report, as the page's charts read them. */
/** Below this share of the stock issued by every run, a share of it is a flat line: the count gets its own axis. */
const FLAT_SHARE = 10;

export function chartData(reports: Report[]): {
  seconds: number[];
  series: ChartSeries[];
  /** How the issued chart plots issued so far: as % of the stock (beside stock left), or as a count on its own axis. */
  issuedAxis: 'share' | 'count';
  faults: Array<{ label: string; startS: number; endS: number }>;
  /** The spans of the runs' witnesses (src/audit/witness.ts), shaded red. */
  witnesses: Array<{ label: string; startS: number; endS: number }>;
} {
  const length = Math.max(...reports.map((r) => r.series.length));
  const seconds = Array.from({ length }, (_, i) => i);
  const series = reports.map((r) => {
    let issued = 0;
    const cumulative = r.series.map((p) => (issued += p.issued));
    const share = (n: number) => Math.round((10_000 * n) / r.config.scenario.quantity) / 100;
    return {
      label: `${rowKey(r)}${reports.filter((x) => rowKey(x) === rowKey(r)).length > 1 ? ` ${r.createdAt.slice(11, 19)}` : ''}`,
      vus: r.series.map((p) => p.vus),
      sent: r.series.map((p) => p.sent),
      p95: r.series.map((p) => p.p95),
      issued: cumulative.map(share),
      issuedCount: cumulative,
      stock: cumulative.map((n) => share(Math.max(0, r.config.scenario.quantity - n))),
      soldOutAtS: r.load.phases?.soldOutAtS ?? null,
    };
  });
  // Fault intervals, shaded on every chart (an instant gets a thin band).
  const faults = reports.flatMap((r) => r.faults.map((f) => ({ label: `${rowKey(r)}: ${faultLabel(f)} on ${f.target}`, startS: f.startS, endS: f.endS })));
  const issuedAxis = series.every((s) => Math.max(0, ...s.issued) < FLAT_SHARE) ? 'count' : 'share';
  const witnesses = reports.flatMap((r) =>
    r.witnesses.flatMap((w) => {
      const span = witnessSpan(w);
      return span ? [{ label: `${rowKey(r)}: witness (${w.kind})`, startS: span.fromS, endS: span.toS }] : [];
    }),
  );
  return { seconds, series, issuedAxis, faults, witnesses };
}

function sectionHtml(section: ComparisonSection): string {
  const head = section.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = section.cells
    .map((row, i) => `<tr>${row.map((cell, j) => `<td class="${section.tones[i]![j] ?? ''}">${escapeHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<h2>${escapeHtml(section.title)}</h2>\n<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

// Runs in the browser: one uPlot chart per metric, a series per report. Each time a chart is
// drawn it counts the painted pixels of its canvas and records them on <body>, so a headless
// browser can check that lines were drawn, not just that the file loaded.
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('couponbench-data').textContent);
  var palette = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79'];
  var charts = [
    { id: 'vus', title: 'virtual users', key: 'vus' },
    { id: 'sent', title: 'requests sent per second', key: 'sent' },
    { id: 'p95', title: 'p95 latency (ms) of responses in each second', key: 'p95' },
    data.issuedAxis === 'share'
      ? { id: 'issued', title: 'issued so far (solid) and stock left (dashed), % of the initial stock', key: 'issued', dashed: 'stock', range: [0, 100] }
      : { id: 'issued', title: 'issued so far (solid, count, left axis) and stock left (dashed, % of the initial stock, right axis)', key: 'issuedCount', dashed: 'stock', dashedScale: '%' }
  ];
  var painted = charts.map(function () { return 0; });
  function shadeFaults(u) {
    var ctx = u.ctx;
    ctx.save();
    function band(f) {
      var x0 = u.valToPos(f.startS, 'x', true);
      var x1 = u.valToPos(f.endS, 'x', true);
      ctx.fillRect(x0, u.bbox.top, Math.max(3, x1 - x0), u.bbox.height);
    }
    ctx.fillStyle = 'rgba(255, 140, 0, 0.18)';
    data.faults.forEach(band);
    ctx.fillStyle = 'rgba(214, 39, 40, 0.22)';
    data.witnesses.forEach(band);
    ctx.restore();
  }
  // The end of each run's sale phase: a dashed line in the run's colour, labelled.
  function markSoldOut(u) {
    var ctx = u.ctx;
    ctx.save();
    ctx.setLineDash([3, 3]);
    ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
    data.series.forEach(function (s, k) {
      if (s.soldOutAtS === null) return;
      var x = u.valToPos(s.soldOutAtS, 'x', true);
      ctx.strokeStyle = ctx.fillStyle = palette[k % palette.length];
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillText('sold out', x + 3, u.bbox.top + 12 * devicePixelRatio * (k + 1));
    });
    ctx.restore();
  }
  function countPainted(i, u) {
    var canvas = u.ctx.canvas;
    var px = u.ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    var n = 0;
    for (var p = 3; p < px.length; p += 4) if (px[p] > 0) n++;
    painted[i] = n;
    document.body.setAttribute('data-painted-pixels', painted.join(','));
    measureHeight();
  }
  // How tall the page really is, once drawn, so a screenshot can stop where the content does.
  function measureHeight() {
    var bottom = 0;
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (el.tagName !== 'SCRIPT') bottom = Math.max(bottom, el.getBoundingClientRect().bottom + window.scrollY);
    });
    document.body.setAttribute('data-page-height', String(Math.ceil(bottom + 24)));
  }
  var legend = document.getElementById('chart-legend');
  data.series.forEach(function (s, k) {
    var item = document.createElement('span');
    item.className = 'legend-item';
    item.innerHTML = '<i style="background:' + palette[k % palette.length] + '"></i>';
    item.appendChild(document.createTextNode(s.label));
    legend.appendChild(item);
  });
  charts.forEach(function (c, i) {
    var el = document.getElementById('chart-' + c.id);
    var series = [{}];
    var columns = [data.seconds];
    data.series.forEach(function (s, k) {
      series.push({ label: s.label, stroke: palette[k % palette.length], width: 2, points: { show: false } });
      columns.push(s[c.key]);
      if (c.dashed) {
        series.push({ label: s.label + ' stock', stroke: palette[k % palette.length], width: 1, dash: [6, 4], points: { show: false }, scale: c.dashedScale || 'y' });
        columns.push(s[c.dashed]);
      }
    });
    var y = c.range ? { range: c.range } : { range: function (u, min, max) { return [0, max > 0 ? max * 1.05 : 1]; } };
    var scales = { x: { time: false }, y: y };
    // A y axis wide enough for "24,000" or "1.5k": labels are never cut.
    var axes = [{ label: 'second' }, { size: 72 }];
    if (c.dashedScale) {
      scales[c.dashedScale] = { range: [0, 100] };
      axes.push({ scale: c.dashedScale, side: 1, size: 56, grid: { show: false } });
    }
    new uPlot({
      title: c.title, width: 920, height: 260, series: series,
      // One legend for all charts (above them), not one per chart: uPlot's lays out tall and mostly empty.
      legend: { show: false },
      scales: scales,
      axes: axes,
      hooks: { drawClear: [shadeFaults], draw: [markSoldOut, function (u) { countPainted(i, u); }] }
    }, columns, el);
  });
  document.body.setAttribute('data-charts-rendered', String(charts.length));

})();
`;

/** One self-contained HTML file: comparison tables and charts over time, no network needed. */
export const html: Exporter = {
  render: (c) => {
    const { js, css } = uplotAssets();
    const explanations = c.reports
      .map((r) => {
        const witness = witnessLines(r);
        return `<li><b>${escapeHtml(rowKey(r))}</b>: ${escapeHtml(r.audit.explanation)}${witness.length > 0 ? `<pre class="witness">${escapeHtml(witness.join('\n'))}</pre>` : ''}</li>`;
      })
      .join('\n');
    const witnessed = c.reports.some((r) => r.witnesses.length > 0);
    const faultList = c.reports.flatMap((r) =>
      r.faults.map((f) => `<li><b>${escapeHtml(rowKey(r))}</b> ${f.startS.toFixed(2)}-${f.endS.toFixed(2)} s, ${escapeHtml(f.target)}: ${escapeHtml(f.events.map(describeFaultEvent).join('; '))}</li>`),
    );
    const env = c.reports[0]?.environment;
    const meta = env ? ` · ${escapeHtml(env.database)} · Redis ${escapeHtml(env.redisVersion)} · ${env.cpus} cores · Node ${escapeHtml(env.node)}` : '';
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>couponbench: ${escapeHtml(c.scenario)}</title>
<style>${css}
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 20px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.bad { color: #b00; font-weight: 600; } td.good { color: #070; font-weight: 600; } td.warn { color: #a60; } td.dim { color: #888; }
.chart { margin: 12px 0 24px; }
.meta { color: #666; }
pre.witness { color: #b00; background: #fff4f4; padding: 6px 8px; white-space: pre-wrap; }
.legend-item { margin-right: 16px; white-space: nowrap; }
.legend-item i { display: inline-block; width: 14px; height: 3px; margin: 0 6px 4px 0; vertical-align: middle; }
</style></head>
<body>
<h1>couponbench: ${escapeHtml(comparisonTitle(c))}</h1>
<p class="meta">${c.reports.length} run(s)${meta} · generated ${new Date().toISOString()}</p>
${comparisonSections(c.rows, c.baseline).map(sectionHtml).join('\n')}
<h2>audit, in words</h2>
<ul>${explanations}</ul>
<h2>over time</h2>
<p class="meta">Dashed vertical lines: the moment each run sold out (the end of its sale phase).${faultList.length > 0 ? ' Shaded orange: faults in effect.' : ''}${witnessed ? ' Shaded red: the span of each witness.' : ''}</p>
${faultList.length > 0 ? `<ul>${faultList.join('\n')}</ul>` : ''}
<p class="legend" id="chart-legend"></p>
<div class="chart" id="chart-vus"></div>
<div class="chart" id="chart-sent"></div>
<div class="chart" id="chart-p95"></div>
<div class="chart" id="chart-issued"></div>
<script type="application/json" id="couponbench-data">${scriptJson(chartData(c.reports))}</script>
<script>${js}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
  },
};
