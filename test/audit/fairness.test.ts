import { describe, expect, it } from 'vitest';
import { checkFairness, countInversions } from '../../src/audit/fairness.js';
import { RequestLog } from '../../src/load/recorder.js';

function bruteInversions(v: number[]): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) for (let j = i + 1; j < v.length; j++) if (v[i]! > v[j]!) n++;
  return n;
}

describe('fairness audit', () => {
  it('counts inversions like the quadratic definition', () => {
    for (let trial = 0; trial < 50; trial++) {
      const v = Array.from({ length: 1 + Math.floor(Math.random() * 60) }, () => Math.floor(Math.random() * 30));
      expect(countInversions(v)).toBe(bruteInversions(v));
    }
  });

  it('finds who asked first, who won, and who was left empty-handed', () => {
    const log = new RequestLog();
    // users 1..6 ask in that order, 10 ms apart; user 2 first hears lock_timeout, user 3 sold_out.
    const results = ['issued', 'lock_timeout', 'sold_out', 'issued', 'issued', 'issued'];
    results.forEach((observation, i) => log.add({ sentAtMs: i * 10, latencyMs: 1, status: 200, observation, userId: i + 1 }));
    log.add({ sentAtMs: 100, latencyMs: 1, status: 200, observation: 'issued', userId: 2 }); // user 2 retries later and wins
    // 3 units; issue order 1, 4, 2 -> user 2 overtaken by user 4
    const f = checkFairness(log, [1, 4, 2], 3, 3);
    expect(f.soldOut).toBe(true);
    expect(f.askers).toBe(6);
    expect(f.earlyAskers).toBe(3);
    expect(f.earlyWinners).toBe(2); // users 1 and 2; user 4 was not among the first three
    expect(f.earlyEmptyHanded).toBe(1);
    expect(f.earlyEmptyHandedBy).toEqual({ sold_out: 1 });
    expect(f.inversions).toBe(1); // (4, 2): 2 asked before 4 but was issued after
    expect(f.kendallTau).toBeCloseTo(1 - 2 / 3);
  });
});
