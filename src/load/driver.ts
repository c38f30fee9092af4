import { performance } from 'node:perf_hooks';
import { RequestLog } from './recorder.js';
import type { RequestPlan } from './requestPlan.js';
import { scheduleDuration, vusAt, type StageSchedule } from './stages.js';
import { userPicker } from './userIds.js';
import { VirtualUser } from './virtualUser.js';

export interface DriveRequest extends StageSchedule {
  plan: RequestPlan;
  thinkTime: number;
  timeout: number;
  gracefulStop: number;
  userPool: number;
  seed: number;
  /** Called about once a second with a live view of the run. */
  onTick?: (tick: DriveTick) => void;
  /** Called once as the load starts, with its clock (ms since the start): the nemesis runs on it. */
  onStart?: (clock: () => number) => void;
}

/** The part of a scenario the driver reads; a scenario (src/config.ts) has these fields under these names. */
export type LoadShape = Pick<DriveRequest, 'startVUs' | 'stages' | 'thinkTime' | 'timeout' | 'gracefulStop' | 'userPool'>;

export function loadShape(s: LoadShape): LoadShape {
  return { startVUs: s.startVUs, stages: s.stages, thinkTime: s.thinkTime, timeout: s.timeout, gracefulStop: s.gracefulStop, userPool: s.userPool };
}

export interface DriveTick {
  elapsedS: number;
  totalS: number;
  vus: number;
  log: RequestLog;
}

export interface VuSample {
  atMs: number;
  vus: number;
}

export interface LoadRun {
  startedAt: string;
  /** From the first VU to the last response (or forced stop). */
  durationMs: number;
  log: RequestLog;
  vuSamples: VuSample[];
}

const TICK_MS = 10;
const SAMPLE_MS = 100;

/**
 * Run the stage schedule: start and stop virtual users so that the active count follows
 * vusAt(t), then let in-flight requests finish (up to gracefulStop) and close everything.
 */
export async function drive(req: DriveRequest): Promise<LoadRun> {
  const log = new RequestLog();
  const nextUserId = userPicker(req.userPool, req.seed);
  const totalMs = scheduleDuration(req) * 1000;
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const startedAt = new Date().toISOString();
  req.onStart?.(clock);
  const active: VirtualUser[] = [];
  const stopping: Promise<void>[] = [];
  const retired: VirtualUser[] = [];
  const vuSamples: VuSample[] = [];
  let lastSampleMs = -SAMPLE_MS;
  let lastTickS = 0;
  let vuCount = 0;
  let fatal: Error | undefined;

  const adjust = (nowMs: number) => {
    const want = nowMs >= totalMs ? 0 : vusAt(req, nowMs / 1000);
    while (active.length < want) {
      const vu = new VirtualUser({
        plan: req.plan,
        vu: ++vuCount,
        thinkMs: req.thinkTime * 1000,
        timeoutSec: req.timeout,
        nextUserId,
        log,
        clock,
        onFatal: (err) => (fatal ??= err),
      });
      active.push(vu);
      vu.start();
    }
    while (active.length > want) {
      const vu = active.pop()!;
      retired.push(vu);
      stopping.push(vu.stop());
    }
    if (nowMs - lastSampleMs >= SAMPLE_MS) {
      vuSamples.push({ atMs: nowMs, vus: active.length });
      lastSampleMs = nowMs;
    }
    const second = Math.floor(nowMs / 1000);
    if (req.onTick && second > lastTickS) {
      lastTickS = second;
      req.onTick({ elapsedS: nowMs / 1000, totalS: totalMs / 1000, vus: active.length, log });
    }
  };

  await new Promise<void>((resolve, reject) => {
    adjust(0);
    const timer = setInterval(() => {
      if (fatal) {
        clearInterval(timer);
        for (const vu of [...active, ...retired]) vu.kill();
        reject(fatal);
        return;
      }
      const now = clock();
      adjust(now);
      if (now >= totalMs) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  vuSamples.push({ atMs: clock(), vus: 0 });

  // Graceful stop: VUs in flight get up to gracefulStop to receive their response.
  const grace = new Promise<'grace'>((resolve) => setTimeout(() => resolve('grace'), req.gracefulStop * 1000).unref());
  const outcome = await Promise.race([Promise.all(stopping).then(() => 'done' as const), grace]);
  if (outcome === 'grace') {
    // Requests still in flight are logged as interrupted.
    for (const vu of retired) vu.kill();
  }
  return { startedAt, durationMs: clock(), log, vuSamples };
}
