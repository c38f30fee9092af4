import { describe, expect, it } from 'vitest';
import { checkIntegrity, reconcileByUser } from '../../src/audit/index.js';
import { RequestLog } from '../../src/load/recorder.js';
import { gateReport } from '../../src/report/gate.js';
import { renderRun } from '../../src/report/runTables.js';
import { fixtureReport } from '../fixtures/reports.js';

function logOf(requests: Array<[user: number, observation: string]>): RequestLog {
  const log = new RequestLog();
  requests.forEach(([userId, observation], i) => log.add({ sentAtMs: i, latencyMs: 1, status: 0, observation, userId }));
  return log;
}

describe('audit by user identity (Jepsen set checker)', () => {
  it('sorts every coupon into ok, lost, recovered or unexpected', () => {
    const log = logOf([
      [1, 'issued'], // holds it: ok
      [2, 'issued'], // holds nothing: lost
      [3, 'timeout'], // holds one: recovered
      [4, 'timeout'], // holds none: unknown, not issued
      [5, 'sold_out'], // holds one: unexpected
      [6, 'lock_timeout'],
      [6, 'issued'], // told once, holds one: ok
    ]);
    const holdings = new Map([[1, 1], [3, 1], [5, 1], [6, 1], [99, 1]]); // 99 never asked: unexpected
    expect(reconcileByUser(log, holdings)).toEqual({
      askers: 6,
      holders: 5,
      ok: 2,
      lost: 1,
      recovered: 1,
      unexpected: 2,
      unknownNotIssued: 1,
      examples: { lost: [2], unexpected: [5, 99] },
    });
  });

  it('catches what the counts cancel out: 5 acknowledged issues gone and 5 unexplained coupons', () => {
    const report = fixtureReport({ strategy: 'mysql-atomic', results: { issued: 100, sold_out: 20 }, swapped: 5 });
    const a = report.audit;
    expect(a.rows).toBe(a.clientIssued); // by counts, rows match successes...
    expect([a.lostDecrements, a.missingRows, a.unexplainedRows]).toEqual([0, 0, 0]);
    expect(a.identity).toMatchObject({ ok: 95, lost: 5, unexpected: 5, recovered: 0 }); // ...by user, they do not
    expect(a.verdict).toBe('fail');
    expect(a.violations.map((v) => v.kind)).toEqual(['lost_issues', 'unexpected_issues']);
    expect(a.explanation).toMatch(/^5 issues acknowledged but not held: told "issued", holding none \(users \d+(, \d+){4}\); 5 coupons held that no answer explains/);
    expect(gateReport(report, []).integrity).toBe('violated');
    expect(renderRun(report)).toMatch(/by user \(set check\)\s+│ ok 95 {2}lost 5 {2}unexpected 5/);
  });

  it('is not part of the verdict where rows do not name users', () => {
    const a = checkIntegrity({ initialQuantity: 10, snapshot: { finalQuantity: 5, rows: 5, duplicateUsers: 0, duplicateRows: 0 }, clientIssued: 5, clientUnknown: 0, onePerUser: true });
    expect(a.identity).toBeNull();
    expect(a.verdict).toBe('pass');
  });
});
