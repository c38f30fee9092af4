import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../src/audit/index.js';

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
});
