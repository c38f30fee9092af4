import { describe, expect, it } from 'vitest';
import { liveChecker } from '../../src/audit/index.js';
import { RequestLog } from '../../src/load/recorder.js';

/** Requests answered `observation` between fromS and toS, appended to `log`. */
function answer(log: RequestLog, n: number, fromS: number, toS: number, observation = 'issued'): void {
  for (let k = 0; k < n; k++) log.add({ sentAtMs: fromS * 1000, latencyMs: (toS - fromS) * 1000, status: 200, observation, userId: log.length + 1 });
}

const reading = (sentS: number, left: number) => ({ sentS, answeredS: sentS + 0.01, left });

describe('violations found while the load runs', () => {
  it('finds none in a correct run, however the answers and readings interleave', () => {
    const check = liveChecker(100);
    const log = new RequestLog();
    answer(log, 10, 0.1, 0.3);
    // 10 answered before the reading was sent, 5 more taken but not yet answered: 85 left.
    expect(check(log, reading(0.4, 85))).toEqual([]);
    answer(log, 5, 0.35, 0.6);
    answer(log, 20, 0.5, 0.9, 'sold_out');
    expect(check(log, reading(1.0, 85))).toEqual([]);
    answer(log, 85, 1.0, 1.5);
    expect(check(log, reading(2.0, 0))).toEqual([]);
  });

  it('does not count an answer that came after the reading was sent against it', () => {
    const check = liveChecker(100);
    const log = new RequestLog();
    // 30 told issued, but answered after the reading that still saw 100 left: no proof yet.
    answer(log, 30, 0.1, 0.5);
    expect(check(log, reading(0.4, 100))).toEqual([]);
    // The next reading comes after them: the stock fell by 10 while 30 took a unit.
    expect(check(log, reading(0.6, 90))).toEqual([{ kind: 'lost-decrements', atLeast: 20, readS: 0.6, left: 90, toldBefore: 30 }]);
  });

  it('says a violation when found and again only once it has doubled', () => {
    const check = liveChecker(1000);
    const log = new RequestLog();
    answer(log, 20, 0.1, 0.2);
    expect(check(log, reading(0.3, 990)).map((v) => v.atLeast)).toEqual([10]);
    answer(log, 5, 0.3, 0.4);
    expect(check(log, reading(0.5, 990))).toEqual([]); // 15: not yet twice 10
    answer(log, 5, 0.5, 0.6);
    expect(check(log, reading(0.7, 990)).map((v) => v.atLeast)).toEqual([20]);
  });

  it('finds over-issue from the answers alone, and negative stock from a reading', () => {
    const check = liveChecker(10);
    const log = new RequestLog();
    answer(log, 12, 0.1, 0.2);
    expect(check(log, null)).toEqual([{ kind: 'over-issue', atLeast: 2, told: 12 }]);
    expect(check(log, reading(0.3, -2))).toEqual([{ kind: 'negative-stock', atLeast: 2, readS: 0.3, left: -2 }]);
  });
});
