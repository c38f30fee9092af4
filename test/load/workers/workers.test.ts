/**
 * The driver on several threads (issue 17, part 1; src/load/workers/): each worker drives its
 * share on its own connections, and the run is one run, as if one driver had made it: the merged
 * counts are the sum of the parts, the audit matches the database, faults land on the load's
 * clock, and the open model's rate is split exactly.
 */
import { describe, expect, it } from 'vitest';
import type { DriveRequest } from '../../../src/load/driver.js';
import { evenShare, shareOf } from '../../../src/load/workers/share.js';
import { runStrategy, scenario } from '../../helpers.js';

describe('shares of the load', () => {
  it('splits VUs as evenly as whole numbers allow and rates exactly, each worker with its own users and VU numbers', () => {
    expect([0, 1, 2].map((k) => evenShare(10, k, 3))).toEqual([4, 3, 3]);
    const req = { startVUs: 5, stages: [{ duration: 2, target: 7 }], thinkTime: 0, timeout: 1, gracefulStop: 1, userPool: 10, seed: 3 } as unknown as DriveRequest;
    const shares = [0, 1].map((k) => shareOf(req, { kind: 'embedded', baseUrl: 'http://127.0.0.1:1', path: '/x' }, k, 2));
    expect(shares.map((s) => s.startVUs)).toEqual([3, 2]);
    expect(shares.map((s) => s.stages[0]!.target)).toEqual([4, 3]);
    expect(shares.map((s) => [s.seed, s.vuOffset, s.vuStride])).toEqual([[3, 0, 2], [4, 1, 2]]);
    const open = shareOf({ ...req, arrival: { startRate: 3, timeUnit: 1, preAllocatedVUs: 3, maxVUs: 9 } }, { kind: 'embedded', baseUrl: 'http://127.0.0.1:1', path: '/x' }, 1, 2);
    expect(open.arrival).toMatchObject({ startRate: 1.5, preAllocatedVUs: 1, maxVUs: 4 });
    expect(open.stages[0]!.target).toBe(3.5);
  });
});

describe('a run on two driver threads', () => {
  it('is one run: requests are the sum of the workers, the audit holds, a fault lands on the load clock', async () => {
    const s = scenario({ quantity: 100_000, startVUs: 20, stages: [{ duration: 2.5, target: 20 }], thinkTime: 0.005, userPool: 100_000, timeout: 2, faults: [{ kind: 'pause-instance', at: 0.8, duration: 0.5 }] });
    const r = await runStrategy('mysql-atomic', s, { workers: 2 });
    const workers = r.load.workers!;
    expect(workers.map((w) => w.worker)).toEqual([1, 2]);
    expect(workers[0]!.requests).toBeGreaterThan(0);
    expect(workers[1]!.requests).toBeGreaterThan(0);
    expect(workers[0]!.requests + workers[1]!.requests).toBe(r.load.requests);
    // Each worker's thread used CPU of its own, and says how much per request.
    for (const w of workers) expect(w.cpuUsPerRequest).toBeGreaterThan(0);
    expect(r.series.reduce((n, p) => n + p.sent, 0)).toBe(r.load.requests);
    expect(r.load.peakVUs).toBe(20);
    expect(r.audit).toMatchObject({ verdict: 'pass', violations: [] });
    expect(r.audit.rows).toBe(r.audit.clientIssued + r.audit.identity!.recovered);
    const [fault] = r.faults;
    expect(fault!.events.map((e) => e.type)).toEqual(['paused', 'resumed']);
    expect(fault!.startS).toBeGreaterThanOrEqual(0.75);
    expect(fault!.startS).toBeLessThan(1.2);
    expect(fault!.livenessS).not.toBeNull();
  });

  it('splits an arrival rate exactly: 2 workers at half the rate each make the rate asked for', async () => {
    const s = scenario({ quantity: 100_000, userPool: 100_000, executor: 'constant-arrival-rate', startVUs: 0, stages: [{ duration: 2, target: 150 }], arrival: { startRate: 150, timeUnit: 1, preAllocatedVUs: 20, maxVUs: 100 } });
    const r = await runStrategy('mysql-atomic', s, { workers: 2 });
    expect(r.load.droppedIterations).toBe(0);
    // 150/s for 2 s: 300 iterations, each worker starting its own 75/s.
    expect(r.load.requests).toBeGreaterThanOrEqual(296);
    expect(r.load.requests).toBeLessThanOrEqual(302);
    for (const w of r.load.workers!) expect(Math.abs(w.requests - 150)).toBeLessThanOrEqual(3);
  });
});
