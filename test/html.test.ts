import { execa } from 'execa';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findChromium, renderedDom, screenshot } from '../src/report/browser.js';
import { comparisonRow } from '../src/report/comparison.js';
import { EXPORTERS } from '../src/report/formats/index.js';
import { fixtureCast } from './fixtures/reports.js';

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
  });

  it('takes a screenshot a person can look at', async () => {
    const png = join(dir, 'report.png');
    await screenshot(htmlFile, png, mkdtempSync(join(tmpdir(), 'cb-chromium-')));
    expect(statSync(png).size).toBeGreaterThan(20_000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });
});
