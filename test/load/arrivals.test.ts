/** The open model's clock (issue #10, part 5): arrivals by time, and each arrival's intended start. */
import { describe, expect, it } from 'vitest';
import { applyOverrides, normaliseScenario, ScenarioFileSchema } from '../../src/config.js';
import { ArrivalSchedule } from '../../src/load/arrivals.js';

describe('arrival schedule', () => {
  it('a constant rate: k arrivals by k / rate seconds, each at its own instant', () => {
    const s = new ArrivalSchedule({ startRate: 200, timeUnit: 1, stages: [{ duration: 10, target: 200 }] });
    expect(s.total).toBe(2000);
    expect(s.dueBy(0)).toBe(0);
    expect(s.dueBy(1)).toBe(200);
    expect(s.dueBy(2.5)).toBe(500);
    expect(s.timeOf(1)).toBeCloseTo(0.005, 9);
    expect(s.timeOf(500)).toBeCloseTo(2.5, 9);
  });

  it('a ramp integrates the rate: 0 to 100/s over 10 s is 500 arrivals, half of them in the last 3 s', () => {
    const s = new ArrivalSchedule({ startRate: 0, timeUnit: 1, stages: [{ duration: 10, target: 100 }, { duration: 5, target: 100 }] });
    expect(s.total).toBe(1000);
    expect(s.dueBy(10)).toBe(500);
    expect(s.dueBy(5)).toBe(125); // 0.5 * 50/s * 5 s
    expect(s.timeOf(125)).toBeCloseTo(5, 6);
    expect(s.timeOf(500)).toBeCloseTo(10, 6);
    expect(s.timeOf(750)).toBeCloseTo(12.5, 6);
    for (let k = 1; k < 1000; k += 37) expect(s.dueBy(s.timeOf(k) + 1e-6)).toBeGreaterThanOrEqual(k);
  });

  it('timeUnit scales the rate: 60 per minute is one a second', () => {
    const s = new ArrivalSchedule({ startRate: 60, timeUnit: 60, stages: [{ duration: 30, target: 60 }] });
    expect(s.total).toBe(30);
    expect(s.timeOf(3)).toBeCloseTo(3, 9);
  });
});

describe('arrival-rate scenarios', () => {
  const parse = (file: unknown) => ScenarioFileSchema.safeParse(file);
  const base = { quantity: 10, userPool: 10 };

  it('reads both executors in k6 terms; a constant rate becomes one flat stage', () => {
    const constant = parse({ ...base, executor: 'constant-arrival-rate', rate: 300, duration: '20s', preAllocatedVUs: 50, maxVUs: 400 });
    expect(constant.success).toBe(true);
    expect(normaliseScenario(constant.data!, 'x')).toMatchObject({
      executor: 'constant-arrival-rate',
      stages: [{ duration: 20, target: 300 }],
      arrival: { startRate: 300, timeUnit: 1, preAllocatedVUs: 50, maxVUs: 400 },
    });
    const ramping = parse({ ...base, executor: 'ramping-arrival-rate', timeUnit: '1m', stages: [{ duration: '10s', target: 600 }], preAllocatedVUs: 5 });
    expect(normaliseScenario(ramping.data!, 'x').arrival).toEqual({ startRate: 0, timeUnit: 60, preAllocatedVUs: 5, maxVUs: 5 });
  });

  it('names what is missing or does not belong, per executor', () => {
    const message = (file: unknown) => {
      const r = parse({ ...base, ...(file as object) });
      return r.success ? 'ok' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(message({ executor: 'constant-arrival-rate', rate: 10, duration: '1s' })).toBe('preAllocatedVUs: constant-arrival-rate needs "preAllocatedVUs"');
    expect(message({ executor: 'ramping-arrival-rate', preAllocatedVUs: 1, vus: 3, stages: [{ duration: '1s', target: 1 }] })).toMatch(/^vus: ramping-arrival-rate takes "preAllocatedVUs" and "maxVUs", not VUs/);
    expect(message({ executor: 'constant-arrival-rate', rate: 10, duration: '1s', preAllocatedVUs: 5, maxVUs: 2 })).toBe('maxVUs: must be at least "preAllocatedVUs"');
    expect(message({ vus: 3, duration: '1s', rate: 5 })).toBe('rate: only the arrival-rate executors take "rate" (set "executor")');
  });

  it('--duration keeps the open model at the peak rate; --vus goes back to VUs', () => {
    const flash = normaliseScenario(parse({ ...base, executor: 'ramping-arrival-rate', stages: [{ duration: '3s', target: 4000 }], preAllocatedVUs: 10 }).data!, 'flash');
    expect(applyOverrides(flash, { duration: 5 })).toMatchObject({ executor: 'constant-arrival-rate', stages: [{ duration: 5, target: 4000 }], arrival: { startRate: 4000 }, name: 'flash duration=5' });
    const closed = applyOverrides(flash, { vus: 20 });
    expect(closed).toMatchObject({ executor: 'ramping-vus', startVUs: 20, stages: [{ duration: 3, target: 20 }] });
    expect(closed.arrival).toBeUndefined();
  });
});
