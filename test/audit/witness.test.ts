import { describe, expect, it } from 'vitest';
import { checkIntegrity, findWitnesses, reconcileByUser, witnessSpan, type StockReading } from '../../src/audit/index.js';
import { RequestLog } from '../../src/load/recorder.js';
import { witnessLines } from '../../src/report/witnessText.js';

interface Req {
  user: number;
  fromS: number;
  toS: number;
  observation?: string;
}

function logOf(requests: Req[]): RequestLog {
  const log = new RequestLog();
  for (const r of requests) log.add({ sentAtMs: r.fromS * 1000, latencyMs: (r.toS - r.fromS) * 1000, status: 0, observation: r.observation ?? 'issued', userId: r.user, serverTiming: 'tx;dur=12.5' });
  return log;
}

const reading = (atS: number, left: number, tookS = 0.01): StockReading => ({ sentS: atS, answeredS: atS + tookS, left });

/** The audit and witnesses of a run of `requests` on `q0` units that ended with `qf` left, everyone holding what they were told. */
function witness(q0: number, qf: number, requests: Req[], readings: StockReading[], extra: { holdings?: Map<number, number>; onePerUser?: boolean; unknown?: number } = {}) {
  const log = logOf(requests);
  const told = requests.filter((r) => (r.observation ?? 'issued') === 'issued');
  const holdings = extra.holdings ?? new Map(told.map((r) => [r.user, 1]));
  const rows = [...holdings.values()].reduce((a, b) => a + b, 0);
  const duplicates = [...holdings.values()].filter((n) => n > 1);
  const audit = checkIntegrity({
    initialQuantity: q0,
    snapshot: { finalQuantity: qf, rows, duplicateUsers: duplicates.length, duplicateRows: duplicates.reduce((a, n) => a + n - 1, 0) },
    clientIssued: told.length,
    clientUnknown: extra.unknown ?? 0,
    onePerUser: extra.onePerUser ?? true,
    identity: reconcileByUser(log, holdings),
  });
  const order = [...holdings.keys()];
  return { audit, witnesses: findWitnesses({ audit, log, readings, endS: 10, holdings, issueOrder: order, issueOrdered: true }) };
}

describe('witness of lost decrements', () => {
  it('is the window with the fewest "issued" requests wholly inside that outnumber the stock fall', () => {
    // Stock 10. Users 1-3 take one each cleanly (10 -> 7, read at 3 s); users 4 and 5 overlap
    // between 4 and 6 s and write the same value (7 -> 6), user 6 then takes one (6 -> 5).
    const requests: Req[] = [
      { user: 1, fromS: 0.5, toS: 0.6 },
      { user: 2, fromS: 1.5, toS: 1.6 },
      { user: 3, fromS: 2.5, toS: 2.6 },
      { user: 4, fromS: 4.1, toS: 5.5 },
      { user: 5, fromS: 4.2, toS: 5.6 },
      { user: 6, fromS: 7.0, toS: 7.1 },
    ];
    const readings = [reading(1, 9), reading(2, 8), reading(3, 7), reading(4, 7), reading(6, 6), reading(8, 5)];
    const { audit, witnesses } = witness(10, 5, requests, readings);
    expect(audit.lostDecrements).toBe(1);
    expect(witnesses).toHaveLength(1);
    const w = witnesses[0]!;
    expect(w.kind).toBe('lost-decrements');
    if (w.kind !== 'lost-decrements') return;
    expect([w.fromS, w.toS, w.leftBefore, w.leftAfter, w.missing]).toEqual([4.01, 6, 7, 6, 1]);
    expect(w.requests.map((r) => r.user)).toEqual([4, 5]);
    expect(w.requests[0]).toMatchObject({ startS: 4.1, observation: 'issued', phases: { tx: 12.5 } });
    expect(w.requests[0]!.endS).toBeCloseTo(5.5);
  });

  it('never counts a request that began before a reading was answered or ended after the next was sent', () => {
    // User 2 began while the 4 s reading was on the wire: its decrement may be in that reading.
    const requests: Req[] = [
      { user: 1, fromS: 4.5, toS: 5.0 },
      { user: 2, fromS: 4.05, toS: 5.0 },
    ];
    const { witnesses } = witness(10, 9, requests, [reading(4, 10, 0.1), reading(6, 9)]);
    const w = witnesses[0]!;
    if (w.kind !== 'lost-decrements') throw new Error(w.kind);
    // From 4.1 s only user 1 is inside, and the stock fell by 1: no contradiction. The baseline
    // and the 6 s reading bound both: 2 told, 1 taken.
    expect([w.fromS, w.toS, w.requests.length, w.missing]).toEqual([0, 6, 2, 1]);
  });

  it('falls back to the whole run when no reading was taken (a history, a write-behind strategy)', () => {
    const requests: Req[] = [1, 2, 3].map((user) => ({ user, fromS: user, toS: user + 0.5 }));
    const { witnesses } = witness(5, 4, requests, []);
    expect(witnesses[0]).toMatchObject({ kind: 'lost-decrements', fromS: 0, toS: 10, leftBefore: 5, leftAfter: 4, missing: 2 });
  });

  it('names the holders whose requests got no answer when the answers fit the stock fall (an instance killed after writing)', () => {
    // Stock 10 fell to 8, three records: users 1 and 2 were told "issued", user 3's connection was
    // cut after its record was written. No window of answers outnumbers the fall.
    const requests: Req[] = [
      { user: 1, fromS: 0.5, toS: 0.6 },
      { user: 2, fromS: 1.5, toS: 1.6 },
      { user: 3, fromS: 2.5, toS: 2.9, observation: 'conn_error' },
      { user: 4, fromS: 3.0, toS: 3.2, observation: 'conn_error' },
    ];
    const holdings = new Map([[1, 1], [2, 1], [3, 1]]);
    const { audit, witnesses } = witness(10, 8, requests, [reading(1, 9), reading(2, 8)], { holdings, unknown: 2 });
    expect(audit.lostDecrements).toBe(1);
    expect(witnesses).toHaveLength(1);
    expect(witnesses[0]).toMatchObject({ kind: 'unanswered-records', records: 3, fell: 2, told: 2, users: [{ user: 3, held: 1, requests: [{ observation: 'conn_error' }] }], more: 0 });
    expect(witnessSpan(witnesses[0]!)).toEqual({ fromS: 2.5, toS: 2.9 });
    expect(witnessLines({ witnesses, faults: [] })).toEqual([
      'witness (lost decrements): 3 records were written while the stock fell by 2, and the answers fit the fall (2 told "issued"): the 1 record beyond them came from requests that got no answer, held by this user',
      '  user 3 holds 1, asked 1 time:',
      '    2.50 s-2.90 s conn_error (tx 12.5 ms)',
    ]);
  });

  it('finds none in a passing run', () => {
    const requests: Req[] = [1, 2, 3].map((user) => ({ user, fromS: user, toS: user + 0.5 }));
    expect(witness(5, 2, requests, [reading(1.7, 4), reading(2.7, 3)]).witnesses).toEqual([]);
  });
});

describe('witnesses by user', () => {
  it('names the user holding two, the users beyond the stock, and the user told "issued" holding none, with their requests', () => {
    const requests: Req[] = [
      { user: 1, fromS: 1, toS: 1.2 },
      { user: 1, fromS: 2, toS: 2.2 },
      { user: 2, fromS: 3, toS: 3.2 },
      { user: 3, fromS: 4, toS: 4.2 },
      { user: 4, fromS: 5, toS: 5.2, observation: 'sold_out' },
    ];
    const holdings = new Map([[1, 2], [2, 1], [4, 1]]);
    const { audit, witnesses } = witness(2, 0, requests, [], { holdings });
    expect(audit.violations.map((v) => v.kind)).toEqual(expect.arrayContaining(['over_issue', 'duplicates', 'lost_issues', 'unexpected_issues']));
    const byKind = Object.fromEntries(witnesses.map((w) => [w.kind, w]));
    expect(byKind['held-twice']).toMatchObject({ users: [{ user: 1, held: 2, requests: [{ startS: 1 }, { startS: 2 }] }], more: 0 });
    expect(byKind['over-issue']).toMatchObject({ stock: 2, beyond: [{ user: 4, held: 1 }], more: 0 });
    expect(byKind['lost-issue']).toMatchObject({ users: [{ user: 3, held: 0, requests: [{ observation: 'issued' }] }] });
    expect(byKind['unexpected-issue']).toMatchObject({ users: [{ user: 4, requests: [{ observation: 'sold_out' }] }] });
  });

  it('is said under the integrity table with the faults over its span', () => {
    const requests: Req[] = [
      { user: 7, fromS: 4.1, toS: 5.5 },
      { user: 8, fromS: 4.2, toS: 5.6 },
    ];
    const { witnesses } = witness(10, 9, requests, [reading(4, 10), reading(6, 9)]);
    const lines = witnessLines({
      witnesses,
      faults: [
        {
          kind: 'latency',
          link: 'mysql',
          startS: 3.9,
          endS: 5.4,
          target: 'the mysql link',
          events: [{ type: 'link-slowed', atS: 3.9, link: 'mysql', seconds: 2 }, { type: 'lease-expired', atS: 4.6 }, { type: 'link-restored', atS: 5.4, link: 'mysql' }],
          livenessS: 0.2,
        },
      ],
    });
    expect(lines[0]).toBe('witness (lost decrements): between 4.01 s and 6.00 s the stock went from 10 to 9, yet 2 users were told "issued" for requests made wholly in between: at least 1 of their decrements is missing');
    expect(lines).toContain('  user 7: 4.10 s-5.50 s issued (tx 12.5 ms)');
    expect(lines).toContain('  fault in effect: latency#mysql 3.90 s-5.40 s on the mysql link');
    expect(lines).toContain('  lock: lease expired at 4.60 s');
  });
});
