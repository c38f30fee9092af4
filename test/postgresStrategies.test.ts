/**
 * The embedded server on PostgreSQL (`--db postgres`, issue 18, part 1): its strategies race on
 * one coupon row across 2 instances on the suite's private PostgreSQL. The naive path loses
 * updates (and, unlike InnoDB, does not deadlock); every strategy that promises integrity keeps
 * it and sells out exactly, the Redis ones unchanged with PostgreSQL as their database.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STRATEGY_OPTIONS, STRATEGIES } from '../strategies/index.js';
import { BIN, runStrategy, scenario } from './helpers.js';

const OPTIONS = { ...DEFAULT_STRATEGY_OPTIONS, lockWaitMs: 10_000, retryIntervalMs: 20, maxRetries: 30 };
const ON_POSTGRES = STRATEGIES.filter((s) => s.promise === 'across-instances' && (s.databases ?? []).includes('postgres') && s.name !== 'redlock');

describe('strategies on PostgreSQL, 2 instances racing on one coupon', () => {
  it('none loses updates under READ COMMITTED, without a deadlock, and the audit fails', async () => {
    const r = await runStrategy('none', scenario({ stages: [{ duration: 1.5, target: 40 }] }), { db: 'postgres' });
    expect(r.environment.mysqlVersion).toMatch(/^PostgreSQL \d+/);
    expect(r.audit.verdict).toBe('fail');
    expect(r.audit.lostDecrements).toBeGreaterThan(0);
    expect(r.audit.finalQuantity).toBe(r.audit.expectedRemaining + r.audit.lostDecrements);
    expect(r.load.results['failed:deadlock'] ?? 0).toBe(0);
  });

  for (const strategy of ON_POSTGRES) {
    it(`${strategy.name} keeps integrity and sells out exactly`, async () => {
      const r = await runStrategy(strategy.name, scenario({ quantity: 120, userPool: 3000, stages: [{ duration: 1, target: 40 }] }), { db: 'postgres', options: OPTIONS });
      expect(r.audit.violations).toEqual([]);
      expect(r.audit).toMatchObject({ verdict: 'pass', rows: 120, finalQuantity: 0, overIssue: 0, duplicateRows: 0 });
      expect(r.audit.identity).toMatchObject({ ok: 120, lost: 0, unexpected: 0 });
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
});
