/**
 * The embedded server on PostgreSQL (`--db postgres`, issue 18, part 1): its strategies race on
 * one coupon row across 2 instances on the suite's private PostgreSQL. The naive path loses
 * updates (and, unlike InnoDB, does not deadlock); every strategy that promises integrity keeps
 * it and sells out exactly, the Redis ones unchanged with PostgreSQL as their database.
 */
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readReport } from '../../../src/report/files.js';
import { describe, expect, inject, it } from 'vitest';
import { DEFAULT_STRATEGY_OPTIONS, STRATEGIES } from '../../../strategies/index.js';
import { BIN, pgRows, runStrategy, scenario } from '../../helpers.js';

const OPTIONS = { ...DEFAULT_STRATEGY_OPTIONS, lockWaitMs: 10_000, retryIntervalMs: 20, maxRetries: 30 };
const ON_POSTGRES = STRATEGIES.filter((s) => s.promise === 'across-instances' && (s.databases ?? []).includes('postgres') && s.name !== 'redlock');

describe('strategies on PostgreSQL, 2 instances racing on one coupon', () => {
  it('none loses updates under READ COMMITTED, without a deadlock, and the audit fails', async () => {
    const r = await runStrategy('none', scenario({ stages: [{ duration: 1.5, target: 40 }] }), { db: 'postgres' });
    expect(r.environment.database).toMatch(/^PostgreSQL \d+/);
    expect(r.audit.verdict).toBe('fail');
    expect(r.audit.lostDecrements).toBeGreaterThan(0);
    expect(r.audit.finalQuantity).toBe(r.audit.expectedRemaining + r.audit.lostDecrements);
    expect(r.load.results['failed:deadlock'] ?? 0).toBe(0);
  });

  for (const strategy of ON_POSTGRES) {
    // Those that retry on a conflict issue slowest: on a loaded machine pg-optimistic sold 48 of 50 in 1 s.
    const quantity = ['pg-optimistic', 'pg-serializable'].includes(strategy.name) ? 30 : 50;
    it(`${strategy.name} keeps integrity and sells out exactly`, async () => {
      const r = await runStrategy(strategy.name, scenario({ quantity, userPool: 3000, stages: [{ duration: 1, target: 40 }] }), { db: 'postgres', options: OPTIONS });
      expect(r.audit.violations).toEqual([]);
      expect(r.audit).toMatchObject({ verdict: 'pass', rows: quantity, finalQuantity: 0, overIssue: 0, duplicateRows: 0 });
      expect(r.audit.identity).toMatchObject({ ok: quantity, lost: 0, unexpected: 0 });
      expect(r.load.results.sold_out ?? 0).toBeGreaterThan(0);
      expect(r.config.db).toBe('postgres');
    });
  }

  it('refuses, in one line and before anything starts, a strategy that does not issue on the chosen database', async () => {
    const r = await execa('node', [BIN, 'run', '-s', 'mysql-pessimistic', '--db', 'postgres', '--duration', '1s'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.trim()).toMatch(/^couponbench: mysql-pessimistic issues on mysql, not postgres \(strategies for --db postgres: none, in-process, pg-pessimistic, .*redis-atomic\)$/);
    expect(r.stdout).toBe('');
  });

  it('owns the database its --postgres-url names, with only --redis-url beside it, and refuses one holding tables in another schema (issue 24)', async () => {
    const server = inject('postgresUrl');
    const url = (db: string) => Object.assign(new URL(server), { pathname: `/${db}` }).toString();
    for (const db of ['cbt_named', 'cbt_foreign']) await pgRows(server, `DROP DATABASE IF EXISTS ${db}`);
    await pgRows(server, 'CREATE DATABASE cbt_foreign');
    await pgRows(url('cbt_foreign'), 'CREATE SCHEMA app');
    await pgRows(url('cbt_foreign'), 'CREATE TABLE app.orders (id int)');
    const external = ['--db', 'postgres', '--redis-url', inject('redisUrls')[0]!, '--vus', '5', '--duration', '1s', '--quantity', '20', '-q'];
    const out = join(mkdtempSync(join(tmpdir(), 'cb-pgurl-')), 'named.json');
    const named = await execa('node', [BIN, 'run', '-s', 'pg-atomic', '--postgres-url', url('cbt_named'), ...external, '--out', out], { reject: false });
    expect(named.exitCode, named.stderr).toBe(0);
    expect((await readReport(out)).config.database).toBe('cbt_named');
    expect(await pgRows(url('cbt_named'), 'SELECT quantity FROM coupons')).toEqual([{ quantity: 0 }]);
    const foreign = await execa('node', [BIN, 'run', '-s', 'pg-atomic', '--postgres-url', url('cbt_foreign'), ...external], { reject: false });
    expect(foreign.exitCode).toBe(2);
    expect(foreign.stderr.trim()).toBe('couponbench: database "cbt_foreign" holds tables couponbench did not create (app.orders); pick another with --database');
    expect(await pgRows(url('cbt_foreign'), 'SELECT count(*)::int AS n FROM app.orders')).toEqual([{ n: 0 }]);
  });
});
