import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../src/audit/index.js';

const clean = { finalQuantity: 0, rows: 0, duplicateUsers: 0, duplicateRows: 0 };

describe('audit arithmetic', () => {
  it('finds the lost decrements of the original experiment and says so in numbers', () => {
    const a = checkIntegrity({
      initialQuantity: 30_000,
      snapshot: { ...clean, finalQuantity: 25_931, rows: 7_836 },
      clientIssued: 7_836,
      clientUnknown: 0,
      onePerUser: false,
    });
    expect(a.expectedRemaining).toBe(22_164);
    expect(a.lostDecrements).toBe(3_767);
    expect(a.verdict).toBe('fail');
    expect(a.explanation).toBe('expected remaining 22,164, found 25,931: 3,767 lost decrements');
  });

  it('passes a consistent run, explaining rows the client never heard about', () => {
    const a = checkIntegrity({
      initialQuantity: 100,
      snapshot: { ...clean, finalQuantity: 40, rows: 60 },
      clientIssued: 58,
      clientUnknown: 2,
      onePerUser: true,
    });
    expect(a.verdict).toBe('pass');
    expect(a.unconfirmedRows).toBe(2);
    expect(a.unexplainedRows).toBe(0);
    expect(a.explanation).toMatch(/plus 2 of the 2 requests whose outcome the client never learnt/);
  });

  it('flags over-issue, negative stock, missing rows, vanished units and duplicates', () => {
    const over = checkIntegrity({ initialQuantity: 10, snapshot: { ...clean, finalQuantity: -2, rows: 12 }, clientIssued: 12, clientUnknown: 0, onePerUser: false });
    expect(over.overIssue).toBe(2);
    expect(over.negativeStock).toBe(true);
    expect(over.lostDecrements).toBe(0);
    expect(over.violations.map((v) => v.kind)).toEqual(['over_issue', 'negative_stock']);

    const missing = checkIntegrity({ initialQuantity: 10, snapshot: { ...clean, finalQuantity: 5, rows: 5 }, clientIssued: 7, clientUnknown: 0, onePerUser: false });
    expect(missing.missingRows).toBe(2);
    expect(missing.verdict).toBe('fail');

    const vanished = checkIntegrity({ initialQuantity: 10, snapshot: { ...clean, finalQuantity: 3, rows: 5 }, clientIssued: 5, clientUnknown: 0, onePerUser: false });
    expect(vanished.phantomDecrements).toBe(2);

    const dup = { ...clean, finalQuantity: 5, rows: 5, duplicateUsers: 1, duplicateRows: 2 };
    expect(checkIntegrity({ initialQuantity: 10, snapshot: dup, clientIssued: 5, clientUnknown: 0, onePerUser: true }).violations[0]!.kind).toBe('duplicates');
    expect(checkIntegrity({ initialQuantity: 10, snapshot: dup, clientIssued: 5, clientUnknown: 0, onePerUser: false }).verdict).toBe('pass');
  });

  it('fails rows beyond the requests with an unknown outcome: users told "not issued" who hold one (bug 10)', () => {
    const a = checkIntegrity({ initialQuantity: 100, snapshot: { ...clean, finalQuantity: 40, rows: 60 }, clientIssued: 50, clientUnknown: 2, onePerUser: true });
    expect(a.unconfirmedRows).toBe(10);
    expect(a.unexplainedRows).toBe(8);
    expect(a.verdict).toBe('fail');
    expect(a.violations).toEqual([
      { kind: 'unconfirmed_rows', count: 8, text: '60 rows but only 50 clients were told "issued" and 2 never learnt their outcome: 8 rows belong to users told "not issued"' },
    ]);
  });

  it('a code pool: a code held by two rows is a violation, though the counts agree (issue 18)', () => {
    const a = checkIntegrity({ initialQuantity: 100, snapshot: { ...clean, finalQuantity: 0, rows: 100, codesHeldTwice: 2 }, clientIssued: 100, clientUnknown: 0, onePerUser: true });
    expect(a.lostDecrements).toBe(0);
    expect(a.codesHeldTwice).toBe(2);
    expect(a.violations.map((v) => v.kind)).toEqual(['code_held_twice']);
    expect(a.explanation).toBe('2 rows hold a code another row holds too');
    // Codes held beyond those the pool marked claimed: the stock (free codes) fell by less than the rows.
    const unmarked = checkIntegrity({ initialQuantity: 100, snapshot: { ...clean, finalQuantity: 3, rows: 100 }, clientIssued: 100, clientUnknown: 0, onePerUser: true });
    expect(unmarked.violations.map((v) => v.kind)).toEqual(['lost_decrements']);
  });

  it('a capacity: the stock is derived, so only records beyond the capacity count, never a negative stock', () => {
    const a = checkIntegrity({ initialQuantity: 120, snapshot: { ...clean, finalQuantity: -5, rows: 125 }, clientIssued: 125, clientUnknown: 0, onePerUser: true, capacity: 120 });
    expect(a.violations.map((v) => v.kind)).toEqual(['over_issue']);
    expect(a.explanation).toBe('125 coupons issued where 120 were left of a capacity of 120: 5 over-issued');
    expect(a.notChecked.join()).toMatch(/lost decrements \(the service keeps no stock number/);
  });
});
