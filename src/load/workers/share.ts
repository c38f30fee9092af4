/**
 * One worker's share of the load: VU counts split as evenly as whole numbers allow (the first
 * workers take the remainder), arrival rates split exactly, each worker on its own user-id
 * sequence and its own VU numbers (k6's __VU stays unique across workers).
 */
import type { Arrival } from '../../config.js';
import type { DriveRequest } from '../driver.js';
import type { PlanSource } from '../requestPlan.js';
import type { WorkerShare } from './protocol.js';

/** Worker k's (0-based) part of `n` whole units over `workers`. */
export function evenShare(n: number, k: number, workers: number): number {
  return Math.floor(n / workers) + (k < n % workers ? 1 : 0);
}

export function shareOf(req: DriveRequest, plan: PlanSource, k: number, workers: number): WorkerShare {
  const closed = !req.arrival;
  const split = (n: number) => (closed ? evenShare(n, k, workers) : n / workers);
  const arrival: Arrival | undefined = req.arrival && {
    ...req.arrival,
    startRate: req.arrival.startRate / workers,
    preAllocatedVUs: Math.max(1, evenShare(req.arrival.preAllocatedVUs, k, workers)),
    maxVUs: Math.max(1, evenShare(req.arrival.maxVUs, k, workers)),
  };
  return {
    startVUs: split(req.startVUs),
    stages: req.stages.map((s) => ({ ...s, target: split(s.target) })),
    thinkTime: req.thinkTime,
    timeout: req.timeout,
    gracefulStop: req.gracefulStop,
    userPool: req.userPool,
    // Worker 1 keeps the run's seed, so one worker draws the users one driver would.
    seed: req.seed + k,
    ...(arrival ? { arrival } : {}),
    vuOffset: k,
    vuStride: workers,
    plan,
  };
}
