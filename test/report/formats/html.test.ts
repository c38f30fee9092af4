import { execa } from 'execa';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findChromium, renderedDom, screenshot } from '../../../src/report/browser.js';
import { comparisonRow } from '../../../src/report/comparison.js';
import { EXPORTERS } from '../../../src/report/formats/index.js';
import { chartData } from '../../../src/report/formats/html.js';
import { fixtureCast } from '../../fixtures/reports.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-html-'));
const htmlFile = join(dir, 'report.html');

/** The browser test needs Debian's chromium; install it where missing (we are root on CI). */
async function ensureChromium(): Promise<void> {
  if (findChromium()) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update', '-q'], { env });
  await execa('apt-get', ['install', '-y', '-q', 'chromium'], { env });
}

beforeAll(async () => {
  await ensureChromium();
  const { none, atomic, spin } = fixtureCast();
  const reports = [none, atomic, spin];
  writeFileSync(htmlFile, EXPORTERS.html.render({ scenario: 'fixture', rows: reports.map((r) => comparisonRow(r)), reports }));
}, 600_000);

describe('HTML report', () => {
  it('renders its four charts in headless chromium, with lines actually drawn', async () => {
    const dom = await renderedDom(htmlFile, mkdtempSync(join(tmpdir(), 'cb-chromium-')));
    expect(dom).toContain('data-charts-rendered="4"');
    const painted = /data-painted-pixels="([\d,]+)"/.exec(dom)![1]!.split(',').map(Number);
    expect(painted).toHaveLength(4);
    for (const p of painted) expect(p).toBeGreaterThan(500);
    expect((dom.match(/class="uplot/g) ?? []).length).toBe(4);
    expect(dom).toContain('mysql-atomic');
    expect(Number(/data-page-height="(\d+)"/.exec(dom)![1])).toBeGreaterThan(1000);
  });

  it('plots issued and stock as shares of the initial stock, readable whatever its size, and marks each sell-out', () => {
    const { atomic } = fixtureCast();
    const huge = { ...atomic, config: { ...atomic.config, scenario: { ...atomic.config.scenario, quantity: 10_000_000 } } };
    const data = chartData([huge]);
    const [series] = data.series;
    expect(Math.max(...series!.stock)).toBeLessThanOrEqual(100);
    expect(series!.stock[0]).toBeGreaterThan(99);
    // 0.01% of ten million is a flat line at 0: the issued count gets its own axis instead.
    expect(Math.max(...series!.issued)).toBeLessThan(1);
    expect(data.issuedAxis).toBe('count');
    expect(series!.issuedCount.at(-1)).toBe(huge.load.issued);
    expect(chartData([atomic]).issuedAxis).toBe('share');
    const soldOut = { ...atomic, load: { ...atomic.load, phases: { ...atomic.load.phases!, soldOutAtS: 3.2 } } };
    expect(chartData([soldOut]).series[0]!.soldOutAtS).toBe(3.2);
  });

  it('draws the issued count on its own axis when the stock dwarfs it', async () => {
    const { atomic } = fixtureCast();
    const huge = { ...atomic, config: { ...atomic.config, scenario: { ...atomic.config.scenario, quantity: 10_000_000 } } };
    const file = join(dir, 'huge.html');
    writeFileSync(file, EXPORTERS.html.render({ scenario: 'fixture', rows: [comparisonRow(huge)], reports: [huge] }));
    const dom = await renderedDom(file, mkdtempSync(join(tmpdir(), 'cb-chromium-')));
    expect(dom).toContain('issued so far (solid, count, left axis)');
    const painted = /data-painted-pixels="([\d,]+)"/.exec(dom)![1]!.split(',').map(Number);
    expect(painted[3]).toBeGreaterThan(500);
    // Three axes on the issued chart: seconds, the count, the stock's %.
    const issuedChart = dom.slice(dom.indexOf('id="chart-issued"'));
    expect((issuedChart.match(/class="u-axis"/g) ?? []).length).toBe(3);
  });

  it('takes a screenshot a person can look at', async () => {
    const png = join(dir, 'report.png');
    const height = await screenshot(htmlFile, png, mkdtempSync(join(tmpdir(), 'cb-chromium-')));
    expect(statSync(png).size).toBeGreaterThan(20_000);
    // As tall as the page and no taller: no blank page below the charts.
    expect(readFileSync(png).readUInt32BE(20)).toBe(height);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
