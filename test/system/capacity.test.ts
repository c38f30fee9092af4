/**
 * Services without a stock number (issue 18, part 2): a Redis-only service whose coupon total sits
 * inside a JSON value and whose winners are a Redis set, started by couponbench from its target
 * file, audited against a capacity (`audit.capacity` read with a JSON probe); its refusals are all
 * 400s told apart by an error code in the body (`body: { path, equals }` outcome rules).
 */
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { readReport } from '../../src/report/files.js';
import { redisSetTarget } from '../fixtures/redisSet.js';
import { writeTarget } from '../fixtures/shop.js';
import { BIN } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'cb-capacity-'));
const cli = (args: string[]) => execa('node', [BIN, ...args], { reject: false, env: { FORCE_COLOR: '0' }, cwd: dir });
// 300 users for 120 coupons, one each: some ask twice (ERR000004), most find it sold out (ERR000003).
const LOAD = ['--quantity', '120', '--vus', '20', '--duration', '1s', '--think-time', '5ms', '--user-pool', '300'];
const REDIS = inject('redisUrls')[1]!;
const redis = new Redis(REDIS);
afterAll(() => redis.quit());

describe('a Redis-set service audited against a capacity', () => {
  it('a Lua script that checks and adds at once keeps integrity; refusals are told apart by their error code', async () => {
    const file = writeTarget(dir, 'correct.yaml', await redisSetTarget('winners-correct', 'correct', 'W1', REDIS));
    const r = await cli(['run', '--target', file, ...LOAD, '--gate', '-q', '--out', join(dir, 'correct.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = await readReport(join(dir, 'correct.json'));
    const held = await redis.scard('coupon-winners:W1');
    expect(held).toBe(120);
    expect(report.audit).toMatchObject({ verdict: 'pass', capacity: 120, initialQuantity: 120, rows: held, overIssue: 0, lostDecrements: 0, finalQuantity: 0 });
    expect(report.audit.explanation).toMatch(/^capacity 120, 120 left before the load; 120 issued; 120 rows match 120 client successes/);
    expect(report.audit.notChecked.join()).toMatch(/keeps no stock number/);
    // Every answer was read by its rules: no 400 left over as an answer outside the contract.
    expect(report.load.results.issued).toBe(120);
    expect(report.load.results.sold_out).toBeGreaterThan(0);
    expect(report.load.results.already_issued).toBeGreaterThan(0);
    expect(report.load.results.http_400 ?? 0).toBe(0);
    // SMEMBERS says who won, in no order: no Kendall tau is made up from it.
    expect(report.fairness).toMatchObject({ winners: 120, kendallTau: null });
  });

  it('check-then-add in separate round trips over-issues, and the audit counts exactly the records beyond the capacity', async () => {
    const target = await redisSetTarget('winners-racy', 'racy', 'W2', REDIS, (t) => {
      t.audit.capacity = '{quantity}';
    });
    const file = writeTarget(dir, 'racy.yaml', target);
    const r = await cli(['run', '--target', file, ...LOAD, '--gate', '-q', '--out', join(dir, 'racy.json')]);
    expect(r.exitCode, r.stderr).toBe(1);
    const report = await readReport(join(dir, 'racy.json'));
    const held = await redis.scard('coupon-winners:W2');
    // By hand: the set holds more than the 120 the coupon allows; the excess is the over-issue.
    expect(held).toBeGreaterThan(120);
    expect(report.audit.overIssue).toBe(held - 120);
    expect(report.audit.violations[0]!.kind).toBe('over_issue');
    // Two requests of one user both pass SISMEMBER and both SADD: both told "issued", one member.
    expect(report.audit.missingRows).toBe(report.load.issued - held);
    expect(r.stderr).toMatch(new RegExp(`${held} coupons issued where 120 were left of a capacity of 120: ${held - 120} over-issued`));
  });

  it('refuses a file that gives both a stock probe and a capacity, or a capacity without issued records, in one line', async () => {
    const both = writeTarget(dir, 'both.yaml', await redisSetTarget('both', 'correct', 'W3', REDIS, (t) => (t.audit.quantity = { redis: 'SCARD coupon-winners:{couponId}' })));
    const a = await cli(['run', '--target', both, ...LOAD]);
    expect(a.exitCode).toBe(2);
    expect(a.stderr.trim()).toMatch(/^couponbench: .*audit: give "quantity" \(a probe of the stock left\) or "capacity" \(how many may be issued in all\), not both$/);
    const alone = writeTarget(dir, 'alone.yaml', await redisSetTarget('alone', 'correct', 'W4', REDIS, (t) => delete t.audit.issued));
    const b = await cli(['run', '--target', alone, ...LOAD]);
    expect(b.exitCode).toBe(2);
    expect(b.stderr.trim()).toMatch(/audit\.issued: a capacity is audited against the issued records: add audit\.issued$/);
  });
});
