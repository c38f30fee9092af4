/**
 * PostgreSQL services (issue 18, part 1): a target file's `postgres://` URL takes its sql probes
 * and reset steps. A coupon service on PostgreSQL, started by couponbench from its target file,
 * gets the right verdict with the right arithmetic (counted again here by hand), and a probe is
 * held to reading, under its time limit, on PostgreSQL as on MySQL.
 */
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/infra/ports.js';
import { packageRoot } from '../../src/paths.js';
import { readReport } from '../../src/report/files.js';
import { writeTarget } from '../fixtures/shop.js';
import { BIN, pgRows, probeLogin } from '../helpers.js';

const SERVICE = join(packageRoot(), 'test', 'fixtures', 'services', 'pg-coupons.mjs');
const dir = mkdtempSync(join(tmpdir(), 'cb-pg-'));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir });
const LOAD = ['--quantity', '150', '--vus', '20', '--duration', '2s', '--think-time', '5ms', '--user-pool', '100000', '--no-one-per-user'];

const databaseUrl = (db: string) => {
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${db}`;
  return url.toString();
};

const sql = pgRows;

/** The service on PostgreSQL, as its team would describe it, started by couponbench. */
async function target(name: string, mode: 'correct' | 'lost-updates', db: string, change: (t: Record<string, any>) => void = () => {}): Promise<string> {
  const t: Record<string, any> = {
    name,
    couponId: 'C1',
    request: { method: 'POST', url: 'http://127.0.0.1:{port}/coupons/{couponId}/issue', headers: { 'content-type': 'application/json' }, body: '{"userId": {userId}}' },
    outcomes: [
      { status: 200, outcome: 'issued' },
      { status: 410, outcome: 'sold_out' },
      { status: 409, outcome: 'already_issued' },
    ],
    postgres: databaseUrl(db),
    audit: {
      url: probeLogin(databaseUrl(db)),
      quantity: { sql: "SELECT remaining FROM coupon WHERE id = '{couponId}'" },
      issued: { sql: "SELECT user_id FROM coupon_issue WHERE coupon_id = '{couponId}' ORDER BY id" },
    },
    reset: [
      { sql: "INSERT INTO coupon (id, remaining) VALUES ('{couponId}', {quantity}) ON CONFLICT (id) DO UPDATE SET remaining = {quantity}" },
      { sql: "DELETE FROM coupon_issue WHERE coupon_id = '{couponId}'" },
    ],
    service: { command: `node ${SERVICE}`, ports: [await freePort()], env: { PORT: '{port}', MODE: mode, PG_URL: databaseUrl(db) }, ready: { http: 'http://127.0.0.1:{port}/health' } },
  };
  change(t);
  return writeTarget(dir, `${name}.yaml`, t);
}

beforeAll(async () => {
  for (const db of ['pg_correct', 'pg_lost']) {
    await sql(inject('postgresUrl'), `DROP DATABASE IF EXISTS ${db}`);
    await sql(inject('postgresUrl'), `CREATE DATABASE ${db}`);
  }
});

describe('a coupon service on PostgreSQL', () => {
  it('a conditional UPDATE keeps integrity; the audit agrees with the database counted by hand', async () => {
    // A probe may read one field of a JSON value: node-postgres hands a json column over parsed.
    const file = await target('pg-correct', 'correct', 'pg_correct', (t) => {
      t.audit.extra = { 'stock as json': { sql: "SELECT json_build_object('left', remaining) FROM coupon WHERE id = '{couponId}'", json: '$.left', equals: 'quantity' } };
    });
    const r = await cli(['run', '--target', file, ...LOAD, '--gate', '-q', '--out', join(dir, 'correct.json'), '--history', join(dir, 'correct.ndjson')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = await readReport(join(dir, 'correct.json'));
    const [stock] = await sql<{ remaining: number }>(databaseUrl('pg_correct'), "SELECT remaining FROM coupon WHERE id = 'C1'");
    const [held] = await sql<{ n: string }>(databaseUrl('pg_correct'), "SELECT count(*) AS n FROM coupon_issue WHERE coupon_id = 'C1'");
    expect(report.audit).toMatchObject({ verdict: 'pass', initialQuantity: 150, finalQuantity: stock!.remaining, rows: Number(held!.n), lostDecrements: 0, overIssue: 0 });
    expect(report.audit.rows).toBe(report.load.issued);
    expect(report.audit.rows).toBe(150); // 20 VUs for 2 s sell out 150 (1 s left one unsold on a slow CI machine)
    expect(report.audit.probes).toEqual([{ name: 'stock as json', value: stock!.remaining, equals: 'quantity', expected: stock!.remaining }]);
    expect(report.environment.database).toMatch(/^PostgreSQL 1\d/);
  });

  it('a read-modify-write without a lock loses updates, and the audit counts exactly those lost', async () => {
    const r = await cli(['run', '--target', await target('pg-lost', 'lost-updates', 'pg_lost'), ...LOAD, '--gate', '-q', '--out', join(dir, 'lost.json')]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/✗ pg-lost: pg-lost promises integrity .* but broke it: .*lost decrements/);
    const report = await readReport(join(dir, 'lost.json'));
    const [stock] = await sql<{ remaining: number }>(databaseUrl('pg_lost'), "SELECT remaining FROM coupon WHERE id = 'C1'");
    const [held] = await sql<{ n: string }>(databaseUrl('pg_lost'), "SELECT count(*) AS n FROM coupon_issue WHERE coupon_id = 'C1'");
    const rows = Number(held!.n);
    // By hand: every row should have taken one unit; what the stock reads above 150 - rows was lost.
    expect(report.audit.lostDecrements).toBe(stock!.remaining - (150 - rows));
    expect(report.audit.lostDecrements).toBeGreaterThan(0);
    expect(report.audit.rows).toBe(rows);
  });

  it('a probe that writes, or runs past audit.timeout, fails in one line naming it, and changes nothing', async () => {
    const writes = await target('pg-writes', 'correct', 'pg_correct', (t) => {
      t.audit.extra = { sneaky: { sql: "WITH gone AS (DELETE FROM coupon_issue WHERE coupon_id = '{couponId}' RETURNING 1) SELECT count(*) FROM gone", equals: 'issued' } };
    });
    const before = await sql<{ n: string }>(databaseUrl('pg_correct'), 'SELECT count(*) AS n FROM coupon_issue');
    // Audited again (no reset, no load) while the first test's 150 coupons are held.
    const w = await cli(['audit', '--target', writes, '--history', join(dir, 'correct.ndjson'), '-q', '--out', join(dir, 'writes.json')]);
    expect(w.exitCode).toBe(2);
    expect(w.stderr.trim().split('\n').at(-1)).toMatch(/audit\.extra\.sneaky.*tried to write: a probe only reads/);
    const after = await sql<{ n: string }>(databaseUrl('pg_correct'), 'SELECT count(*) AS n FROM coupon_issue');
    expect(Number(before[0]!.n)).toBe(150);
    expect(after).toEqual(before);
    const slow = await target('pg-slow', 'correct', 'pg_correct', (t) => {
      t.audit.timeout = '1s';
      t.audit.quantity = { sql: "SELECT remaining FROM coupon, pg_sleep(3) WHERE id = '{couponId}'" };
    });
    const s = await cli(['run', '--target', slow, ...LOAD, '--duration', '1s', '-q', '--out', join(dir, 'slow.json')]);
    expect(s.exitCode).toBe(2);
    expect(s.stderr.trim().split('\n').at(-1)).toMatch(/audit\.quantity.*pg_sleep\(3\).*still running after 1 s, stopped \(audit\.timeout\)/);
  });
});
