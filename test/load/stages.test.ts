import { describe, expect, it } from 'vitest';
import { scheduleDuration, vusAt } from '../../src/load/stages.js';

describe('vusAt (k6 ramping-vus interpolation)', () => {
  const ramp = { startVUs: 0, stages: [{ duration: 10, target: 2000 }, { duration: 80, target: 2000 }] };

  it('ramps linearly and reaches the target exactly at the end of the stage', () => {
    expect(vusAt(ramp, 0)).toBe(0);
    expect(vusAt(ramp, 0.0049)).toBe(0);
    expect(vusAt(ramp, 0.005)).toBe(1);
    expect(vusAt(ramp, 2.5)).toBe(500);
    expect(vusAt(ramp, 9.999)).toBe(1999);
    expect(vusAt(ramp, 10)).toBe(2000);
    expect(vusAt(ramp, 50)).toBe(2000);
    expect(vusAt(ramp, 90)).toBe(2000);
    expect(vusAt(ramp, 90.01)).toBe(0);
    expect(scheduleDuration(ramp)).toBe(90);
  });

  it('follows the linear formula from+(to-from)*progress, truncated, at every 10 ms', () => {
    const s = { startVUs: 5, stages: [{ duration: 3, target: 50 }, { duration: 2, target: 10 }, { duration: 1, target: 10 }] };
    for (let t = 0; t < 6; t += 0.01) {
      let expected: number;
      if (t < 3) expected = 5 + Math.trunc(45 * (t / 3) + 1e-9);
      else if (t < 5) expected = 50 - Math.trunc(40 * ((t - 3) / 2) + 1e-9);
      else expected = 10;
      expect(vusAt(s, t), `t=${t.toFixed(2)}`).toBe(expected);
    }
  });

  it('starts at startVUs (k6 default 1) and a zero-length stage jumps at once', () => {
    const s = { startVUs: 1, stages: [{ duration: 0, target: 300 }, { duration: 2, target: 300 }] };
    expect(vusAt(s, 0)).toBe(300);
    expect(vusAt({ startVUs: 1, stages: [{ duration: 4, target: 5 }] }, 0)).toBe(1);
    expect(vusAt({ startVUs: 1, stages: [{ duration: 4, target: 5 }] }, 2)).toBe(3);
  });
});
