import { describe, expect, it } from 'vitest';
import { runStrategy, scenario } from './helpers.js';

// A small, hot scenario: 40 VUs with 5 ms think time on one coupon row, across 2 server instances.
describe('MySQL strategies under a real race (2 instances, real MariaDB)', () => {
  it('none loses decrements and deadlocks, and the audit fails', async () => {
    const r = await runStrategy('none', scenario());
    expect(r.audit.verdict).toBe('fail');
    expect(r.audit.lostDecrements).toBeGreaterThan(0);
    expect(r.audit.violations.map((v) => v.kind)).toContain('lost_decrements');
    expect(r.load.results['failed:deadlock'] ?? 0).toBeGreaterThan(0);
    expect(r.audit.finalQuantity).toBeGreaterThan(r.audit.expectedRemaining);
  });

  for (const strategy of ['mysql-pessimistic', 'mysql-atomic']) {
    it(`${strategy} keeps integrity under the same race`, async () => {
      const r = await runStrategy(strategy, scenario());
      expect(r.audit.violations).toEqual([]);
      expect(r.audit.verdict).toBe('pass');
      expect(r.load.issued).toBeGreaterThan(100);
      expect(r.audit.finalQuantity).toBe(r.audit.expectedRemaining);
      expect(r.server.tally.issued).toBe(r.audit.rows);
    });

    it(`${strategy} sells out exactly, with no over-issue`, async () => {
      const r = await runStrategy(strategy, scenario({ quantity: 150, userPool: 3000 }));
      expect(r.audit.verdict).toBe('pass');
      expect(r.audit.rows).toBe(150);
      expect(r.audit.finalQuantity).toBe(0);
      expect(r.audit.overIssue).toBe(0);
      expect(r.load.results.sold_out ?? 0).toBeGreaterThan(0);
      expect(r.load.statusCounts['410'] ?? 0).toBeGreaterThan(0);
    });
  }
});
