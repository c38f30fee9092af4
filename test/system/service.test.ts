/**
 * Target files (issue #8, part 1): couponbench loads a service it did not start and audits it
 * through the file's probes. The services are real processes (test/fixtures/services/shop.mjs)
 * on the suite's private MariaDB and Redis, with a schema and statuses unlike ours.
 */
import { execa } from 'execa';
import mysql from 'mysql2/promise';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { readReport } from '../../src/report/files.js';
import { loadTarget } from '../../src/service/file.js';
import { compileOutcomeRules } from '../../src/service/outcomeRules.js';
import { TargetFileSchema, describeIssues } from '../../src/service/schema.js';
import { compileTemplate } from '../../src/service/template.js';
import { shopTarget, startShop, writeTarget, type Shop } from '../fixtures/shop.js';

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
const dir = mkdtempSync(join(tmpdir(), 'cb-target-'));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir });
const LOAD = ['--vus', '20', '--duration', '2s', '--think-time', '5ms', '--user-pool', '2000'];

function gzipK6(from: string, to: string): void {
  writeFileSync(to, gzipSync(readFileSync(from)));
}

function dbUrl(db: string): string {
  const u = new URL(inject('mysqlUrl'));
  u.pathname = `/${db}`;
  return u.toString();
}

describe('target file format', () => {
  it('reports every bad field with its path', () => {
    const parsed = TargetFileSchema.safeParse({
      name: 'x',
      request: { url: 'http://127.0.0.1:1/{couponID}', body: '{"u": {userId}}' },
      outcomes: [{ status: '20x', outcome: 'issued' }],
      audit: { quantity: { sql: 'DELETE FROM t' }, issued: { redis: 'SMEMBERS s' } },
      reset: [{ sql: 'UPDATE t SET a = {userId}' }],
    });
    expect(parsed.success).toBe(false);
    const text = describeIssues(parsed.error!);
    expect(text).toContain('request.url: {couponID} cannot be used here');
    expect(text).toContain('outcomes.0.status: a status class is written like "2xx"');
    expect(text).toContain('audit.quantity.sql: a probe reads: it must be a SELECT');
    expect(text).toContain('reset.0.sql: {userId} cannot be used here (use {couponId}, {quantity})');
    expect(text).toContain('audit.issued: a redis step needs "redis"');
  });

  it('refuses what would put a line of its own on the wire or write from a probe (issue 15)', () => {
    const base = { name: 'x', outcomes: [{ status: 200, outcome: 'issued' }], audit: { quantity: { redis: 'GET q' } }, redis: 'redis://127.0.0.1:1' };
    const problems = (change: Record<string, unknown>) => {
      const parsed = TargetFileSchema.safeParse({ ...base, request: { url: 'http://127.0.0.1:1/claim' }, ...change });
      return parsed.success ? '' : describeIssues(parsed.error);
    };
    expect(problems({ request: { url: 'http://127.0.0.1:1/claim HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /admin' } })).toBe(
      'request.url: a URL cannot hold spaces, line breaks or other control characters (percent-encode them)',
    );
    expect(problems({ request: { url: 'http://127.0.0.1:1/claim', headers: { 'X-A\r\nX-Injected': '1' } } })).toMatch(/^request\.headers\."X-A\\r\\nX-Injected": a header name is letters, digits and/);
    expect(problems({ request: { url: 'http://127.0.0.1:1/claim', headers: { 'X-A': '1\r\nX-Injected: 1' } } })).toMatch(/a header value cannot hold a line break/);
    expect(problems({ request: { url: 'http://127.0.0.1:1/claim', headers: { 'X-A': 'tabs\tare fine' } } })).toBe('');
    expect(problems({ mysql: 'mysql://x@127.0.0.1/shop', audit: { quantity: { sql: "SELECT stock FROM inventory INTO OUTFILE '/tmp/x'" } } })).toBe(
      'audit.quantity.sql: a probe reads: INTO OUTFILE / DUMPFILE writes a file on the database host',
    );
    expect(problems({ mysql: 'mysql://x@127.0.0.1/shop', audit: { quantity: { sql: 'SELECT 1 INTO/**/DUMPFILE "/tmp/x"' } } })).toMatch(/INTO OUTFILE \/ DUMPFILE/);
  });

  it('the shipped example target file is valid', async () => {
    const { target } = await loadTarget(join(packageRoot(), 'examples', 'targets', 'coupon-api.yaml'));
    expect(target).toMatchObject({ name: 'coupon-api', promise: 'across-instances', settle: 2, login: { token: '$.data.accessToken' } });
    expect(Object.keys(target.audit.extra)).toEqual(['redis stock', 'redis winners']);
  });

  it('substitutes JSON-safe: escaped inside strings, quoted when a string stands alone', () => {
    const body = compileTemplate('{"user": {userId}, "token": "{token}", "raw": {token}}', 'json');
    const text = body.render({ userId: 7, token: 'a"b\\c' });
    expect(JSON.parse(text)).toEqual({ user: 7, token: 'a"b\\c', raw: 'a"b\\c' });
    expect(compileTemplate('/c/{couponId}/issue?u={userId}', 'url').render({ couponId: 'A B/1', userId: 3 })).toBe('/c/A%20B%2F1/issue?u=3');
  });

  it('reads outcomes by the first matching rule; an unmatched 5xx fails, anything else is unexpected', () => {
    const read = compileOutcomeRules([
      { status: '2xx', outcome: 'issued' },
      { status: 400, bodyMatches: 'sold out|품절', outcome: 'sold_out' },
      { status: 409, outcome: 'rejected' },
    ]);
    expect(read(201, '')).toBe('issued');
    expect(read(400, '{"msg":"품절"}')).toBe('sold_out');
    expect(read(400, 'bad json')).toBe('http_400');
    expect(read(409, '')).toBe('rejected');
    expect(read(503, '')).toBe('http_503');
  });
});

describe('target runs against real services', () => {
  const shops: Record<string, Shop> = {};
  beforeAll(async () => {
    const redis = inject('redisUrls')[0]!;
    shops.correct = await startShop('correct', inject('mysqlUrl'), redis, 'shop_correct');
    shops.lost = await startShop('lost-updates', inject('mysqlUrl'), redis, 'shop_lost');
    shops.split = await startShop('split-brain', inject('mysqlUrl'), redis, 'shop_split');
  });
  afterAll(async () => {
    await Promise.all(Object.values(shops).map((s) => s.stop()));
  });

  const correct = (sku: string) => shopTarget({ name: 'shop-correct', url: shops.correct!.url, mysqlUrl: dbUrl('shop_correct'), sku });

  it('a correct service passes: rows match successes by count and by user, and the reset ran as printed', async () => {
    const file = writeTarget(dir, 'correct.yaml', correct('SKU-OK'));
    // 3 s, not LOAD's 2: it must sell out, and on a loaded machine the shop sold 23 of 30 in 2 s.
    const r = await cli(['run', '--target', file, '--quantity', '30', ...LOAD, '--duration', '3s', '--gate', '--out', join(dir, 'correct.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("reset step 1/2  sql: INSERT INTO inventory (sku, stock) VALUES ('SKU-OK', 30) ON DUPLICATE KEY UPDATE stock = 30");
    expect(r.stderr).toContain("reset step 2/2  sql: DELETE FROM orders WHERE sku = 'SKU-OK'");
    const { audit, load, config } = await readReport(join(dir, 'correct.json'));
    expect(config).toMatchObject({ strategy: 'shop-correct', promise: 'across-instances', target: { file } });
    expect(audit).toMatchObject({ verdict: 'pass', initialQuantity: 30, finalQuantity: 0, rows: 30, clientIssued: 30, violations: [] });
    expect(audit.identity).toMatchObject({ ok: 30, lost: 0, unexpected: 0 });
    expect(load.results.sold_out ?? 0).toBeGreaterThan(0);
    // The service's own Server-Timing phase is read and broken down like ours.
    expect(load.breakdown?.phases.map((p) => p.name)).toEqual(['claim']);
    expect(load.breakdown?.p95.parts.map((p) => p.name)).toEqual(['claim', 'outside']);
  });

  it('a service that loses updates fails: lost decrements = R - (Q0 - Qf), the gate says so', async () => {
    const file = writeTarget(dir, 'lost.yaml', shopTarget({ name: 'shop-lost', url: shops.lost!.url, mysqlUrl: dbUrl('shop_lost'), sku: 'SKU-L' }));
    const r = await cli(['run', '--target', file, '--quantity', '60', ...LOAD, '--gate', '-q', '--out', join(dir, 'lost.json')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/✗ shop-lost: shop-lost promises integrity .* but broke it: .*lost decrements/);
    const { audit } = await readReport(join(dir, 'lost.json'));
    const rows = audit.rows!;
    expect(audit.lostDecrements).toBe(rows - (audit.initialQuantity - audit.finalQuantity));
    expect(audit.lostDecrements).toBeGreaterThan(0);
    expect(audit.rows).toBe(audit.clientIssued); // every acknowledged claim left an order: the stock is what lies
    expect(audit.overIssue).toBe(Math.max(0, rows - 60));
  });

  it('a service whose Redis and MySQL disagree fails on the extra probe alone (with a login per VU)', async () => {
    const target = shopTarget({ name: 'shop-split', url: shops.split!.url, mysqlUrl: dbUrl('shop_split'), redisUrl: inject('redisUrls')[0]!, sku: 'SKU-S' });
    target.request = { url: `${shops.split!.url}/inventory/{couponId}/claim`, headers: { 'x-session': '{token}' } };
    target.login = { request: { url: `${shops.split!.url}/session`, body: '{"customer": {userId}}' }, token: '$.session.key' };
    target.audit.quantity = { redis: 'GET stock:{couponId}' };
    target.audit.extra = { 'mysql stock': { sql: "SELECT stock FROM inventory WHERE sku = '{couponId}'" } };
    target.reset.push({ redis: 'SET stock:{couponId} {quantity}' }, { redis: 'DEL claimed:{couponId}' });
    target.settle = '1s';
    const file = writeTarget(dir, 'split.json', target);
    const r = await cli(['run', '--target', file, '--quantity', '15', ...LOAD, '-q', '--out', join(dir, 'split.json.report')]);
    expect(r.exitCode, r.stderr).toBe(1); // integrity promised and broken
    const { audit, load } = await readReport(join(dir, 'split.json.report'));
    expect(load.distinctUsers).toBe(20); // one signed-in user per VU
    expect(audit).toMatchObject({ rows: 15, clientIssued: 15, finalQuantity: 0, verdict: 'fail' });
    expect(audit.violations.map((v) => v.kind)).toEqual(['probe_mismatch']);
    const [mysqlStock] = audit.probes;
    expect(mysqlStock).toMatchObject({ name: 'mysql stock', equals: 'quantity', expected: 0 });
    expect(mysqlStock!.value).toBeGreaterThan(0);
    expect(audit.explanation).toBe(`mysql stock reads ${mysqlStock!.value} but the stock is 0`);
  });

  it('without issued records it audits the stock drop against successes and says what it could not check', async () => {
    const target = correct('SKU-N');
    delete target.audit.issued;
    const file = writeTarget(dir, 'no-records.yaml', target);
    const r = await cli(['run', '--target', file, '--quantity', '30', ...LOAD, '-q', '--out', join(dir, 'no-records.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const { audit } = await readReport(join(dir, 'no-records.json'));
    expect(audit).toMatchObject({ verdict: 'pass', rows: null, identity: null, clientIssued: 30, expectedRemaining: 0, finalQuantity: 0 });
    expect(audit.notChecked).toEqual(expect.arrayContaining([expect.stringMatching(/^rows against client successes/), expect.stringMatching(/^by user/)]));
  });

  it('without reset steps it reads Q0 and counts only the records the run added', async () => {
    const target = correct('SKU-R');
    const first = writeTarget(dir, 'reset-once.yaml', target);
    expect((await cli(['run', '--target', first, '--quantity', '10', ...LOAD, '-q', '--out', join(dir, 'r1.json')])).exitCode).toBe(0);
    delete target.reset;
    const again = writeTarget(dir, 'no-reset.yaml', target);
    const r = await cli(['run', '--target', again, '--quantity', '10', ...LOAD, '--out', join(dir, 'r2.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('no reset steps: nothing was reset; Q0 = 0 read with audit.quantity');
    expect(r.stderr).toContain('10 issued records before the load; the audit counts only those added');
    const { audit } = await readReport(join(dir, 'r2.json'));
    expect(audit).toMatchObject({ verdict: 'pass', initialQuantity: 0, finalQuantity: 0, rows: 0, clientIssued: 0 });
  });

  it('run --history writes every request; audit --history on it gives the same audit', async () => {
    const file = writeTarget(dir, 'history.yaml', correct('SKU-H'));
    const history = join(dir, 'history.ndjson');
    const r = await cli(['run', '--target', file, '--quantity', '40', ...LOAD, '-q', '--history', history, '--out', join(dir, 'h-run.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const run = await readReport(join(dir, 'h-run.json'));
    const lines = readFileSync(history, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(run.load.requests + 1); // a header, then one line per request
    expect(JSON.parse(lines[1]!)).toEqual({ user: expect.any(Number), sentAtMs: expect.any(Number), latencyMs: expect.any(Number), status: expect.any(Number), outcome: expect.any(String) });
    const a = await cli(['audit', '--target', file, '--history', history, '-q', '--out', join(dir, 'h-audit.json')]);
    expect(a.exitCode, a.stderr).toBe(0);
    const audited = await readReport(join(dir, 'h-audit.json'));
    expect(audited.audit).toEqual(run.audit);
    expect(audited.load.outcomes).toEqual(run.load.outcomes);
  });

  it("audits k6's --out json output by user id tag: consistent state passes, cancelling counts fail by user", async () => {
    const k6 = join(packageRoot(), 'test', 'fixtures', 'histories', 'k6-shop.json');
    const file = writeTarget(dir, 'k6.yaml', correct('SKU-K6'));
    const db = await mysql.createConnection(dbUrl('shop_correct'));
    const state = async (stock: number, holders: number[]) => {
      await db.query("INSERT INTO inventory (sku, stock) VALUES ('SKU-K6', ?) ON DUPLICATE KEY UPDATE stock = VALUES(stock)", [stock]);
      await db.query("DELETE FROM orders WHERE sku = 'SKU-K6'");
      for (const u of holders) await db.query("INSERT INTO orders (sku, customer) VALUES ('SKU-K6', ?)", [u]);
    };
    try {
      // k6 told users 1-4 "issued", 5 "sold out", 6 timed out, 2 again "already issued"; user 6's claim did land.
      await state(5, [1, 2, 3, 4, 6]);
      const ok = await cli(['audit', '--target', file, '--history', k6, '--quantity', '10', '-q', '--out', join(dir, 'k6-ok.json')]);
      expect(ok.exitCode, ok.stderr).toBe(0);
      const good = await readReport(join(dir, 'k6-ok.json'));
      expect(good.load).toMatchObject({ requests: 7, results: { issued: 4, sold_out: 1, already_issued: 1, timeout: 1 }, peakVUs: 3 });
      expect(good.audit).toMatchObject({ verdict: 'pass', initialQuantity: 10, finalQuantity: 5, rows: 5, clientIssued: 4, clientUnknown: 1, unconfirmedRows: 1 });
      expect(good.audit.identity).toMatchObject({ ok: 4, recovered: 1, lost: 0, unexpected: 0 });

      // The same requests from two k6-operator pods, each with its own --out json file, audited as one run.
      const pods = join(dir, 'k6-pods');
      mkdirSync(pods);
      const lines = readFileSync(k6, 'utf8').trim().split('\n');
      const user = (line: string) => Number(/"userId":"(\d+)"/.exec(line)?.[1] ?? 0);
      writeFileSync(join(pods, 'pod-0.json'), lines.filter((l) => user(l) === 0 || user(l) <= 3).join('\n'));
      writeFileSync(join(pods, 'pod-1.json'), lines.filter((l) => !l.includes('"metric":"vus"') && (user(l) === 0 || user(l) > 3)).join('\n'));
      const merged = await cli(['audit', '--target', file, '--history', pods, '--quantity', '10', '--out', join(dir, 'k6-pods.json')]);
      expect(merged.exitCode, merged.stderr).toBe(0);
      expect(merged.stderr).toContain("history: 7 requests from k6's JSON output (2 parts, lined up by wall-clock time)");
      const fromPods = await readReport(join(dir, 'k6-pods.json'));
      expect(fromPods.audit).toEqual(good.audit);
      expect(fromPods.load.results).toEqual(good.load.results);

      // Same counts (4 rows, 4 successes, stock fell by 4), wrong people: user 4 lost its coupon, user 5 holds one.
      await state(6, [1, 2, 3, 5]);
      gzipK6(k6, join(dir, 'k6-shop.json.gz'));
      const bad = await cli(['audit', '--target', file, '--history', join(dir, 'k6-shop.json.gz'), '--quantity', '10', '-q', '--out', join(dir, 'k6-bad.json')]);
      expect(bad.exitCode).toBe(1);
      const broken = await readReport(join(dir, 'k6-bad.json'));
      expect(broken.audit).toMatchObject({ rows: 4, clientIssued: 4, missingRows: 0, lostDecrements: 0 });
      expect(broken.audit.violations.map((v) => v.kind)).toEqual(['lost_issues', 'unexpected_issues']);
      expect(broken.audit.explanation).toContain('told "issued", holding none (user 4)');
      expect(broken.audit.explanation).toContain('(user 5)');

      const untagged = join(dir, 'untagged.json');
      writeFileSync(untagged, readFileSync(k6, 'utf8').replaceAll('"userId"', '"uid"'));
      const no = await cli(['audit', '--target', file, '--history', untagged, '--quantity', '10', '-q']);
      expect(no.exitCode).toBe(2);
      expect(no.stderr.trim()).toBe(
        `couponbench: history file ${untagged}: 7 of 7 http_reqs Points carry no whole-number "userId" tag; tag each request with its user (params.tags.userId) or name the tag with --user-tag`,
      );
      const renamed = await cli(['audit', '--target', file, '--history', untagged, '--user-tag', 'uid', '--quantity', '10', '-q', '--json']);
      expect(renamed.exitCode).toBe(1);
    } finally {
      await db.end();
    }
  });

  it('a probe cannot write: a function that deletes rows fails in its read-only transaction, and the row stays (issue 15)', async () => {
    const admin = await mysql.createConnection(dbUrl('shop_correct'));
    try {
      await admin.query('DROP FUNCTION IF EXISTS cb_evil');
      await admin.query("CREATE FUNCTION cb_evil() RETURNS INT MODIFIES SQL DATA SQL SECURITY INVOKER BEGIN DELETE FROM orders WHERE sku = 'SKU-KEEP'; RETURN 0; END");
      await admin.query("INSERT INTO orders (sku, customer) VALUES ('SKU-KEEP', 1)");
      const target = correct('SKU-W');
      // The layer under test is the read-only transaction: a login that may write, accepted by the file.
      delete target.audit.url;
      target.audit.allowPrivilegedProbes = true;
      target.audit.quantity = { sql: "SELECT stock + cb_evil() FROM inventory WHERE sku = '{couponId}'" };
      const r = await cli(['run', '--target', writeTarget(dir, 'evil.yaml', target), '--quantity', '5', ...LOAD, '-q']);
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr.trim()).toBe(
        "couponbench: audit.quantity: SELECT stock + cb_evil() FROM inventory WHERE sku = 'SKU-W': tried to write: a probe only reads (it runs in a read-only transaction, rolled back)",
      );
      const [kept] = await admin.query<mysql.RowDataPacket[]>("SELECT COUNT(*) AS n FROM orders WHERE sku = 'SKU-KEEP'");
      expect(kept[0]!.n).toBe(1);
    } finally {
      await admin.query("DELETE FROM orders WHERE sku = 'SKU-KEEP'");
      await admin.query('DROP FUNCTION IF EXISTS cb_evil');
      await admin.end();
    }
  });

  it('a probe that runs too long is stopped by the database in one line; Ctrl-C during a probe ends the run at once (issue 15)', async () => {
    const slow = correct('SKU-Z');
    slow.audit.quantity = { sql: "SELECT stock + SLEEP(60) FROM inventory WHERE sku = '{couponId}'" };
    slow.audit.timeout = '1s';
    const started = Date.now();
    const r = await cli(['run', '--target', writeTarget(dir, 'sleepy.yaml', slow), '--quantity', '5', ...LOAD, '-q']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe("couponbench: audit.quantity: SELECT stock + SLEEP(60) FROM inventory WHERE sku = 'SKU-Z': still running after 1 s, stopped (audit.timeout)");
    expect(Date.now() - started).toBeLessThan(10_000);

    slow.audit.timeout = '60s';
    const child = cli(['run', '--target', writeTarget(dir, 'sleepier.yaml', slow), '--quantity', '5', ...LOAD]);
    let stderr = '';
    await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()).includes('reset step 2/2') && resolve()));
    await new Promise((r) => setTimeout(r, 700)); // the probe is in SLEEP now
    const interrupted = Date.now();
    child.kill('SIGINT');
    const ended = await child;
    expect(ended.exitCode).toBe(130);
    expect(Date.now() - interrupted).toBeLessThan(2500);
  });

  it('a misconfigured target that answers nothing it can judge fails the gate (issue 15: it passed)', async () => {
    const target = correct('SKU-404');
    target.request.url = `${shops.correct!.url}/inventroy/{couponId}/claim`; // a typo: every answer is 404
    const r = await cli(['run', '--target', writeTarget(dir, 'typo.yaml', target), '--quantity', '5', ...LOAD, '-q', '--gate', '--out', join(dir, 'typo.json')]);
    expect(r.exitCode, r.stderr).toBe(1);
    const { load } = await readReport(join(dir, 'typo.json'));
    expect(r.stderr).toContain(
      `✗ shop-correct: no request was served: ${load.requests.toLocaleString('en-US')} HTTP 404 answers outside the contract at http://127.0.0.1:${shops.correct!.port}: an audit of no answers proves nothing`,
    );
    expect(r.stderr).toMatch(/gate FAILED: 1 of 1 report/);
  });

  it('a service that answers only "sold out" while its stock remains fails the gate: nothing was issued (issue 24: it passed)', async () => {
    const target = correct('SKU-NONE');
    target.request.url = `${shops.correct!.url}/inventroy/{couponId}/claim`; // every answer is 404...
    target.outcomes.unshift({ status: 404, outcome: 'sold_out' }); // ...read as "sold out"
    const r = await cli(['run', '--target', writeTarget(dir, 'never.yaml', target), '--quantity', '5', ...LOAD, '-q', '--gate', '--out', join(dir, 'never.json')]);
    expect(r.exitCode, r.stderr).toBe(1);
    const { load, audit } = await readReport(join(dir, 'never.json'));
    expect(audit.verdict).toBe('pass');
    expect(r.stderr).toContain(`✗ shop-correct: nothing was issued; stock 5 left (answers: ${load.requests.toLocaleString('en-US')} sold_out) at http://127.0.0.1:${shops.correct!.port}: an audit of no issues proves nothing`);
    const allowed = await cli(['gate', join(dir, 'never.json'), '--allow-no-issue']);
    expect(allowed.exitCode, allowed.stdout).toBe(0);
  });

  it('a report that cannot be written at the end still prints its tables and says where it could not go (issue 15)', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'cb-lost-'));
    const out = join(outDir, 'sub', 'report.json');
    const child = cli(['run', '--target', writeTarget(dir, 'lost-report.yaml', correct('SKU-LR')), '--quantity', '10', ...LOAD, '--out', out]);
    let stderr = '';
    await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()).includes('load: ') && resolve()));
    writeFileSync(join(outDir, 'sub'), 'a file where the report folder was to be'); // the folder can no longer be made
    const r = await child;
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toContain('integrity');
    expect(r.stderr).toMatch(new RegExp(`report: NOT written to ${out.replace(/[/.]/g, '\\$&')}: .*(EEXIST|ENOTDIR).* \\(the tables above are what is left of this run\\)`));
  });

  it('bad input: one line each, with its exit code, before any load', async () => {
    const cases: Array<[string, (t: Record<string, any>) => void, number, RegExp]> = [
      ['sql-error', (t) => (t.audit.quantity = { sql: "SELECT stok FROM inventory WHERE sku = '{couponId}'" }), 2,
        /^couponbench: audit\.quantity: SELECT stok FROM inventory WHERE sku = 'SKU-E': MySQL says: Unknown column 'stok'/],
      ['no-row', (t) => { t.couponId = 'NOPE'; delete t.reset; }, 2, /^couponbench: audit\.quantity returned no row: SELECT stock FROM inventory WHERE sku = '\{couponId\}'$/],
      ['not-number', (t) => (t.audit.quantity = { sql: "SELECT 'many' FROM inventory WHERE sku = '{couponId}'" }), 2, /^couponbench: audit\.quantity returned "many", not a number/],
      ['reset-fails', (t) => t.reset.splice(1, 0, { shell: 'echo nope >&2; exit 3' }), 2, /^couponbench: reset step 2: echo nope >&2; exit 3: exited with 3: nope$/],
      ['no-token', (t) => {
        t.request.headers = { 'x-session': '{token}' };
        t.login = { request: { url: `${shops.correct!.url}/session`, body: '{"customer": {userId}}' }, token: 'session.token' };
      }, 2, /^couponbench: login for user 1 \(POST http:\/\/127\.0\.0\.1:\d+\/session\) yielded no token at session\.token: 200 /],
      ['unreachable', (t) => (t.request.url = 'http://127.0.0.1:9/claim'), 3, /^couponbench: cannot reach shop-correct at http:\/\/127\.0\.0\.1:9: ECONNREFUSED$/],
      ['remote', (t) => (t.request.url = 'http://10.20.30.40:8080/claim'), 2, /^couponbench: http:\/\/10\.20\.30\.40:8080\/claim is not on this machine \(loopback\); pass --allow-remote to load another host$/],
    ];
    for (const [name, change, code, line] of cases) {
      const target = correct('SKU-E');
      change(target);
      const r = await cli(['run', '--target', writeTarget(dir, `${name}.yaml`, target), '--quantity', '5', ...LOAD, '-q']);
      expect(r.exitCode, `${name}: ${r.stderr}`).toBe(code);
      // A shell step is announced even under -q: it runs a command in the user's name.
      const [error, ...announced] = r.stderr.trim().split('\n').reverse();
      expect(announced, name).toEqual(name === 'reset-fails' ? ['reset step 2/3  shell: echo nope >&2; exit 3'] : []);
      expect(error, name).toMatch(line);
    }
    const both = await cli(['run', '--target', 'x.yaml', '-s', 'naive']);
    expect(both.stderr.trim()).toBe('couponbench: give either --strategy NAME|FILE or --target FILE');
  });
});
