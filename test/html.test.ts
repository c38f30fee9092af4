import { execa } from 'execa';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findChromium, renderedDom, screenshot } from '../src/report/browser.js';
import { renderHtml } from '../src/report/html.js';
import type { Report } from '../src/report/schema.js';
import { runStrategy, scenario } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-html-'));
const htmlFile = join(dir, 'report.html');
let reports: Report[];

/** The browser test needs Debian's chromium; install it where missing (we are root on CI). */
async function ensureChromium(): Promise<void> {
  if (findChromium()) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update', '-q'], { env });
  await execa('apt-get', ['install', '-y', '-q', 'chromium'], { env });
}

beforeAll(async () => {
  await ensureChromium();
  reports = [
    await runStrategy('none', scenario({ stages: [{ duration: 3, target: 40 }] })),
    await runStrategy('mysql-atomic', scenario({ stages: [{ duration: 3, target: 40 }] })),
  ];
  writeFileSync(htmlFile, renderHtml(reports));
}, 600_000);

describe('HTML report', () => {
  it('is one self-contained file: no external scripts, styles or fonts', () => {
    const html = readFileSync(htmlFile, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).not.toMatch(/url\(\s*['"]?https?:/);
    expect(html).toContain('lost decrements');
    expect(html).toMatch(/<td class="bad">FAIL|fail \(expected\)/);
  });

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
