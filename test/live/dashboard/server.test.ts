/**
 * `--dashboard` (issue 28): a real run watched in a real browser (Debian's chromium, headless).
 * The page shows the live figures while the load runs and, at the end, the verdict and the
 * integrity table of the report the run wrote; nothing is served after the run (or, with
 * --dashboard-keep, after Ctrl-C).
 */
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { request } from 'node:http';
import { startDashboard } from '../../../src/live/dashboard/server.js';
import { freePort } from '../../../src/infra/ports.js';
import { readReport } from '../../../src/report/files.js';
import { int } from '../../../src/report/format.js';
import { integrityTable } from '../../../src/report/runTables.js';
import { launchChromium } from '../../fixtures/browser.js';
import { BIN } from '../../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-dashboard-'));
const external = () => ['--infra', 'external', '--mysql-url', inject('mysqlUrl'), '--redis-url', inject('redisUrls')[0]!, '--database', 'cbt_live_dashboard'];

let browser: Browser;
beforeAll(async () => void (browser = await launchChromium()), 60_000);
afterAll(async () => browser?.close());

/** Start a command (`run ...`, `hunt ...`) and resolve with the dashboard's address once it is printed. */
async function runWithDashboard(args: string[]): Promise<{ child: ResultPromise; url: string; stderr: () => string }> {
  const child = execa('node', [BIN, ...args, ...external()], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard: ${stderr}`)), 30_000);
    child.stderr!.on('data', () => {
      const m = /dashboard: (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { child, url, stderr: () => stderr };
}

const refused = (url: string) => fetch(url).then(() => false, () => true);

describe('--dashboard', () => {
  it('shows the run live (figures, charts, the fault) and at the end the verdict and integrity table of its report', async () => {
    const out = join(dir, 'live.json');
    const port = await freePort();
    const { child, url } = await runWithDashboard(['run', '--strategy', 'redis-spin', '--vus', '20', '--duration', '6s', '--quantity', '100000', '--fault', 'pause-holder@2s:1.5s', '--dashboard', String(port), '--out', out]);
    expect(url).toBe(`http://127.0.0.1:${port}/`);
    const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
    await page.goto(url);
    await page.waitForFunction(() => Number(document.body.dataset.samples ?? 0) >= 2, null, { timeout: 30_000 });
    // Live: the load is still running, coupons are being told issued and the stock probe moves.
    expect(await page.textContent('#state')).toBe('running');
    const issuedLive = Number(await page.evaluate(() => document.body.dataset.issued));
    expect(issuedLive).toBeGreaterThan(0);
    const stockLive = Number((await page.textContent('#stockLeft'))!.replace(/,/g, ''));
    expect(stockLive).toBeLessThan(100_000);
    expect(await page.evaluate(() => document.querySelectorAll('canvas').length)).toBe(4);
    await page.waitForFunction(() => Number(document.body.dataset.faults ?? 0) >= 1, null, { timeout: 30_000 });
    expect(await page.textContent('#notes')).toMatch(/2\.\d\d s pause-holder began on instance \d/);
    await page.waitForFunction(() => document.body.dataset.verdict !== undefined, null, { timeout: 60_000 });
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const report = await readReport(out);
    expect(await page.evaluate(() => document.body.dataset.verdict)).toBe(report.audit.verdict);
    expect(await page.textContent('#verdict')).toBe('PASS');
    expect(await page.textContent('#issued')).toBe(int(report.load.issued));
    expect(await page.textContent('#stockLeft')).toBe(int(report.audit.finalQuantity));
    expect(await page.textContent('#integrity')).toBe(stripVTControlCharacters(integrityTable(report)));
    expect(await page.textContent('#notes')).toMatch(/fault pause-holder 2\.\d\d-3\.\d\d s/);
    // A correct lock under a paused holder: nothing was found while it ran.
    expect(await page.evaluate(() => document.body.dataset.violations)).toBe('0');
    await page.close();
    // It stopped with the run.
    expect(await refused(url)).toBe(true);
  });

  it('shows a violation while the load still runs, before the audit, as a lower bound the report confirms', async () => {
    const out = join(dir, 'naive.json');
    const { child, url, stderr } = await runWithDashboard(['run', '--strategy', 'none', '--vus', '30', '--duration', '4s', '--quantity', '100000', '--dashboard', '0', '--out', out]);
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => Number(document.body.dataset.violations ?? 0) >= 1, null, { timeout: 30_000 });
    expect(await page.textContent('#state')).toBe('running');
    expect(await page.evaluate(() => document.body.dataset.verdict)).toBeUndefined();
    expect(await page.textContent('#violations')).toMatch(/violation at \d+\.\d s: at least [\d,]+ lost decrements \(stock read [\d,]+ at/);
    await page.waitForFunction(() => document.body.dataset.verdict !== undefined, null, { timeout: 60_000 });
    const r = await child;
    expect(r.exitCode).toBe(1);
    const report = await readReport(out);
    expect(await page.textContent('#verdict')).toBe('FAIL');
    // The terminal said the same lines as they were found; the audit found at least as many.
    const said = [...stderr().matchAll(/violation at \S+ s: at least ([\d,]+) lost decrements/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
    expect(said.length).toBeGreaterThanOrEqual(1);
    expect(report.audit.lostDecrements).toBeGreaterThanOrEqual(Math.max(...said));
    await page.close();
  });

  it('--dashboard-keep: a browser that comes after the run still sees all of it, until Ctrl-C; the exit code is the verdict', async () => {
    const out = join(dir, 'kept.json');
    const { child, url, stderr } = await runWithDashboard(['run', '--strategy', 'mysql-atomic', '--vus', '10', '--duration', '2s', '--quantity', '500', '--dashboard', '0', '--dashboard-keep', '--out', out]);
    const started = Date.now();
    while (!/stays up/.test(stderr()) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
    expect(stderr()).toMatch(/dashboard: http:\S+ stays up \(--dashboard-keep\); Ctrl-C to stop/);
    const report = await readReport(out);
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.verdict !== undefined, null, { timeout: 10_000 });
    expect(await page.textContent('#issued')).toBe(int(report.load.issued));
    expect(Number(await page.evaluate(() => document.body.dataset.samples))).toBeGreaterThanOrEqual(1);
    expect(await page.textContent('#runs')).toContain(`mysql-atomic: PASS, ${int(report.load.issued)} told issued`);
    await page.close();
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(await refused(url)).toBe(true);
  });
});

describe('--dashboard on hunt', () => {
  it("lists every try as a run with its verdict and the hunt's own lines, for a browser that comes after it", async () => {
    const { child, url, stderr } = await runWithDashboard(['hunt', '--strategy', 'mysql-atomic', '--vus', '5', '--duration', '1s', '--quantity', '1000', '--budget', '6s', '--faults', 'latency', '--seed', '1', '--out', join(dir, 'hunt.json'), '--dashboard', '0', '--dashboard-keep']);
    const started = Date.now();
    while (!/stays up/.test(stderr()) && Date.now() - started < 90_000) await new Promise((r) => setTimeout(r, 100));
    const tries = [...stderr().matchAll(/^hunt: try \d+: /gm)].length;
    expect(tries, stderr()).toBeGreaterThanOrEqual(2);
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction((n) => Number(document.body.dataset.runsEnded ?? 0) >= n, tries, { timeout: 10_000 });
    const runs = await page.$$eval('#runs li', (items) => items.map((li) => li.textContent));
    expect(runs).toHaveLength(tries);
    expect(runs.every((line) => /^mysql-atomic: PASS, [\d,]+ told issued/.test(line ?? ''))).toBe(true);
    expect(await page.textContent('#notes')).toMatch(/hunt: try 1: latency#\S+, 5 VUs for 1s: /);
    await page.close();
    child.kill('SIGINT');
    expect((await child).exitCode).toBe(0);
    expect(await refused(url)).toBe(true);
  });
});

describe('--dashboard-keep on a command that fails', () => {
  it('does not hold the page: the error is said at once, with its exit code, and the port is closed', async () => {
    // pause-mysql cannot act on infra the run does not own: the hunt is refused after the dashboard opened.
    const { child, url } = await runWithDashboard(['hunt', '--strategy', 'mysql-atomic', '--budget', '5s', '--faults', 'pause-mysql', '--out', join(dir, 'refused.json'), '--dashboard', '0', '--dashboard-keep']);
    const r = await child;
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).not.toMatch(/stays up/);
    expect(String(r.stderr).trim().split('\n').at(-1)).toMatch(/^couponbench: none of the faults pause-mysql can act here/);
    expect(await refused(url)).toBe(true);
  });
});

describe('the dashboard server', () => {
  it('answers only requests addressed to it by 127.0.0.1 or localhost (a DNS-rebinding page is refused)', async () => {
    const dashboard = await startDashboard(0, 'test');
    const port = Number(new URL(dashboard.url).port);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject).end();
      });
    try {
      expect(await status(`127.0.0.1:${port}`)).toBe(200);
      expect(await status(`localhost:${port}`)).toBe(200);
      expect(await status(`attacker.example:${port}`)).toBe(403);
    } finally {
      await dashboard.close();
    }
  });
});
