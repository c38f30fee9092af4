/**
 * One load made by several drivers, audited as one run (issue 17, part 4): two couponbench
 * processes load the same service at once, each writing its own history (`run --no-audit
 * --no-reset`), after one `couponbench reset`; `audit --history a --history b` (or the folder)
 * lines them up by wall-clock time and must give the verdict and arithmetic that counting the
 * service's database by hand gives.
 */
import { execa } from 'execa';
import mysql from 'mysql2/promise';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import type { Report } from '../../src/report/schema.js';
import { shopTarget, startShop, writeTarget, type Shop } from '../fixtures/shop.js';

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
const dir = mkdtempSync(join(tmpdir(), 'cb-parts-'));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir });
const DB = 'shop_history_parts';
const Q0 = 300;

let shop: Shop;
let target: string;

beforeAll(async () => {
  const server = new URL(inject('mysqlUrl'));
  shop = await startShop('lost-updates', server.toString(), inject('redisUrls')[0]!, DB);
  server.pathname = `/${DB}`;
  target = writeTarget(dir, 'shop.yaml', shopTarget({ name: 'shop-parts', url: shop.url, mysqlUrl: server.toString(), sku: 'SKU-P' }));
});
afterAll(() => shop?.stop());

/** The service's own figures, counted by hand. */
async function countByHand(): Promise<{ stock: number; rows: number; users: number }> {
  const url = new URL(inject('mysqlUrl'));
  url.pathname = `/${DB}`;
  const conn = await mysql.createConnection(url.toString());
  try {
    const [[stock]] = await conn.query<mysql.RowDataPacket[]>("SELECT stock FROM inventory WHERE sku = 'SKU-P'");
    const [[orders]] = await conn.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n, COUNT(DISTINCT customer) AS users FROM orders WHERE sku = 'SKU-P'");
    return { stock: Number(stock!.stock), rows: Number(orders!.n), users: Number(orders!.users) };
  } finally {
    await conn.end();
  }
}

/** Successes the clients were told of, read from a history file line by line. */
function issuedIn(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('"outcome":"issued"')).length;
}

describe('a load made by two drivers, audited as one run', () => {
  it('merges both histories by wall-clock time: the verdict and arithmetic are those of the database counted by hand', async () => {
    const reset = await cli(['reset', '--target', target, '--quantity', String(Q0), '-q']);
    expect(reset.exitCode, reset.stderr).toBe(0);
    expect(reset.stdout.trim()).toBe(String(Q0));

    const parts = join(dir, 'parts');
    mkdirSync(parts);
    const drive = (name: string, seed: string) =>
      cli(['run', '--target', target, '--no-reset', '--no-audit', '--history', join(parts, `${name}.ndjson`), '--vus', '10', '--duration', '2s', '--think-time', '5ms', '--user-pool', '100000', '--seed', seed, '--quantity', String(Q0)]);
    const [a, b] = await Promise.all([drive('a', '1'), drive('b', '2')]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(a.stderr).toMatch(/load: [\d,]+ requests in \d\.\d s, written to .*a\.ndjson; not audited \(--no-audit\)/);
    expect(a.stderr).toMatch(/--no-reset: nothing was reset; Q0 = \d+ read with audit\.quantity/);

    const audited = await cli(['audit', '--target', target, '--history', join(parts, 'a.ndjson'), '--history', join(parts, 'b.ndjson'), '--quantity', String(Q0), '--json']);
    expect([0, 1]).toContain(audited.exitCode);
    const report = JSON.parse(audited.stdout) as Report;
    const byHand = await countByHand();
    const told = issuedIn(join(parts, 'a.ndjson')) + issuedIn(join(parts, 'b.ndjson'));
    expect(report.audit).toMatchObject({
      initialQuantity: Q0,
      finalQuantity: byHand.stock,
      rows: byHand.rows,
      clientIssued: told,
      expectedRemaining: Q0 - byHand.rows,
      lostDecrements: Math.max(0, byHand.rows - (Q0 - byHand.stock)),
    });
    // The shop reads, waits and writes its stock back: twenty VUs from two machines lose decrements.
    expect(report.audit.lostDecrements).toBeGreaterThan(0);
    expect(report.audit.verdict).toBe('fail');
    expect(audited.exitCode).toBe(1);
    expect(report.load.requests).toBe(readFileSync(join(parts, 'a.ndjson'), 'utf8').trim().split('\n').length - 1 + readFileSync(join(parts, 'b.ndjson'), 'utf8').trim().split('\n').length - 1);
    // The two VU curves add up while both drivers ran.
    expect(report.load.peakVUs).toBeGreaterThan(10);
    expect(report.load.peakVUs).toBeLessThanOrEqual(20);

    // The folder is the same two parts.
    const folder = await cli(['audit', '--target', target, '--history', parts, '--quantity', String(Q0), '--json']);
    const again = JSON.parse(folder.stdout) as Report;
    expect(again.audit).toEqual(report.audit);
    expect(folder.stderr).toBe('');
  });

  it('refuses --no-audit without a history, and for a strategy, in one line', async () => {
    const noHistory = await cli(['run', '--target', target, '--no-audit']);
    expect(noHistory.exitCode).toBe(2);
    expect(noHistory.stderr.trim()).toBe('couponbench: --no-audit needs --history FILE: the requests it writes are what `couponbench audit` audits later');
    const strategy = await cli(['run', '-s', 'mysql-atomic', '--no-reset']);
    expect(strategy.exitCode).toBe(2);
    expect(strategy.stderr.trim()).toMatch(/^couponbench: --no-reset is for --target/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const none = await cli(['audit', '--target', target, '--history', empty, '--quantity', '1']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr.trim()).toMatch(/^couponbench: history folder .*empty holds no history files/);
  });
});
