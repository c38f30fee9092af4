import { performance } from 'node:perf_hooks';
import { RequestLog } from './recorder.js';
import type { RequestPlan } from './requestPlan.js';
import type { Arrival } from '../config.js';
import { ArrivalSchedule } from './arrivals.js';
import { scheduleDuration, vusAt, type StageSchedule } from './stages.js';
import { userPicker } from './userIds.js';
import { VirtualUser } from './virtualUser.js';
import { peakVUs } from '../config.js';
import { driverProcesses } from './limits.js';
import { driveOnWorkers } from './workers/pool.js';

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
  /** An arrival-rate executor: `stages` targets are then iterations per timeUnit. */
  arrival?: Arrival;
  /** Split the load over this many worker threads, each with its own connections (src/load/workers/); needs a plan with a `source`. */
  workers?: number;
  /** VU numbers are vuOffset + 1, vuOffset + 1 + vuStride, ...: unique across workers (default 0 and 1). */
  vuOffset?: number;
  vuStride?: number;
  /** When the load's clock starts, as performance.timeOrigin + performance.now() (a worker starts on its main thread's clock). */
  startAtMs?: number;
  /** Open files this process holds during the load besides the driver's sockets (the embedded server's accepted connections): with them, the sockets may go to driver processes of their own. */
  filesHeldBeside?: number;
}

/** The part of a scenario the driver reads; a scenario (src/config.ts) has these fields under these names. */
export type LoadShape = Pick<DriveRequest, 'startVUs' | 'stages' | 'thinkTime' | 'timeout' | 'gracefulStop' | 'userPool' | 'arrival'>;

export function loadShape(s: LoadShape): LoadShape {
  return { startVUs: s.startVUs, stages: s.stages, thinkTime: s.thinkTime, timeout: s.timeout, gracefulStop: s.gracefulStop, userPool: s.userPool, arrival: s.arrival };
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
  /** Arrival-rate executors: iterations due when no VU was free and maxVUs was reached. */
  droppedIterations?: number;
  /** Connection errors by socket error code (ECONNREFUSED, EMFILE, ECLOSED: closed by the server). */
  connErrors?: Record<string, number>;
  /** A driver on several threads: what each worker sent, and the CPU its thread used (null where /proc cannot say). */
  workers?: Array<{ worker: number; requests: number; cpuMs: number | null }>;
}

const TICK_MS = 10;
const SAMPLE_MS = 100;

/** What starts and stops VUs each tick: the closed model (ramping VUs) or the open one (arrivals). */
interface Executor {
  /** Called every tick with the time since the start; returns the VUs busy now. */
  tick(nowMs: number, end: boolean): number;
  /** Every VU ever started that has not been stopped, and the promises of those stopping. */
  retiring(): { stopping: Promise<void>[]; all: VirtualUser[] };
  /** The open model's iterations dropped for want of a free VU (the closed model drops none). */
  dropped?(): number;
}

/**
 * Run the schedule, then let in-flight requests finish (up to gracefulStop) and close everything.
 * ramping-vus starts and stops virtual users so that the active count follows vusAt(t); the
 * arrival-rate executors start iterations on their own clock, on free VUs.
 */
export async function drive(req: DriveRequest): Promise<LoadRun> {
  const { source } = req.plan;
  // More sockets than this process may open: driver processes of their own, each under its own limit.
  const processes = source ? driverProcesses(peakVUs(req), req.filesHeldBeside ?? 0) : 0;
  if (source && processes > 0) return driveOnWorkers(req, Math.max(processes, req.workers ?? 1), source, 'process');
  if ((req.workers ?? 1) > 1 && source) return driveOnWorkers(req, req.workers!, source);
  const log = new RequestLog();
  const nextUserId = userPicker(req.userPool, req.seed);
  const totalMs = scheduleDuration(req) * 1000;
  const t0 = req.startAtMs !== undefined ? req.startAtMs - performance.timeOrigin : performance.now();
  const clock = () => performance.now() - t0;
  const startedAt = new Date(performance.timeOrigin + t0).toISOString();
  const vuNumber = (count: number) => (req.vuOffset ?? 0) + (count - 1) * (req.vuStride ?? 1) + 1;
  req.onStart?.(clock);
  const vuSamples: VuSample[] = [];
  let lastSampleMs = -SAMPLE_MS;
  let lastTickS = 0;
  let fatal: Error | undefined;
  const connErrors: Record<string, number> = {};
  const vuOptions = (count: number, onFree?: (vu: VirtualUser) => void) => ({
    plan: req.plan,
    vu: vuNumber(count),
    thinkMs: req.thinkTime * 1000,
    timeoutSec: req.timeout,
    nextUserId,
    log,
    clock,
    onFatal: (err: Error) => (fatal ??= err),
    onFree,
    onConnError: (code: string) => void (connErrors[code] = (connErrors[code] ?? 0) + 1),
  });
  const executor = req.arrival ? arrivalExecutor(req, req.arrival, vuOptions) : rampingVus(req, vuOptions);

  const adjust = (nowMs: number) => {
    const vus = executor.tick(nowMs, nowMs >= totalMs);
    if (nowMs - lastSampleMs >= SAMPLE_MS) {
      vuSamples.push({ atMs: nowMs, vus });
      lastSampleMs = nowMs;
    }
    const second = Math.floor(nowMs / 1000);
    if (req.onTick && second > lastTickS) {
      lastTickS = second;
      req.onTick({ elapsedS: nowMs / 1000, totalS: totalMs / 1000, vus, log });
    }
  };

  await new Promise<void>((resolve, reject) => {
    adjust(0);
    const timer = setInterval(() => {
      if (fatal) {
        clearInterval(timer);
        for (const vu of executor.retiring().all) vu.kill();
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
  const { stopping, all } = executor.retiring();
  const grace = new Promise<'grace'>((resolve) => setTimeout(() => resolve('grace'), req.gracefulStop * 1000).unref());
  const outcome = await Promise.race([Promise.all(stopping).then(() => 'done' as const), grace]);
  if (outcome === 'grace') {
    // Requests still in flight are logged as interrupted.
    for (const vu of all) vu.kill();
  }
  return { startedAt, durationMs: clock(), log, vuSamples, connErrors, ...(executor.dropped ? { droppedIterations: executor.dropped() } : {}) };
}

/** The options of the `count`-th VU this driver starts (1-based). */
type VuOptions = (count: number, onFree?: (vu: VirtualUser) => void) => ConstructorParameters<typeof VirtualUser>[0];

/** k6's ramping-vus: the active VU count follows the stages; each VU loops request, think, request. */
function rampingVus(schedule: StageSchedule, options: VuOptions): Executor {
  const active: VirtualUser[] = [];
  const retired: VirtualUser[] = [];
  const stopping: Promise<void>[] = [];
  let count = 0;
  return {
    tick(nowMs, end) {
      const want = end ? 0 : vusAt(schedule, nowMs / 1000);
      while (active.length < want) {
        const vu = new VirtualUser(options(++count));
        active.push(vu);
        vu.start();
      }
      while (active.length > want) {
        const vu = active.pop()!;
        retired.push(vu);
        stopping.push(vu.stop());
      }
      return active.length;
    },
    retiring: () => ({ stopping, all: [...active, ...retired] }),
  };
}

/**
 * k6's arrival-rate executors: iterations start when the schedule says, each on a free VU. VUs
 * are pre-allocated, more are added up to maxVUs when none is free, and an iteration due when
 * every VU is busy and maxVUs is reached is dropped (dropped_iterations), not queued.
 */
function arrivalExecutor(req: DriveRequest, arrival: Arrival, options: VuOptions): Executor {
  const schedule = new ArrivalSchedule({ startRate: arrival.startRate, timeUnit: arrival.timeUnit, stages: req.stages });
  const all: VirtualUser[] = [];
  const free: VirtualUser[] = [];
  // A VU added for an iteration runs it as soon as it is ready (connected, signed in).
  const firstIteration = new Map<VirtualUser, number>();
  let started = 0;
  let dropped = 0;
  let ended = false;
  const onFree = (vu: VirtualUser) => {
    if (ended) return;
    const intendedMs = firstIteration.get(vu);
    if (intendedMs === undefined) return void free.push(vu);
    firstIteration.delete(vu);
    vu.iterate(intendedMs);
  };
  const allocate = (intendedMs?: number) => {
    const vu = new VirtualUser(options(all.length + 1, onFree));
    all.push(vu);
    if (intendedMs !== undefined) firstIteration.set(vu, intendedMs);
    vu.start(); // signs in if the plan does, then reports itself free
  };
  for (let i = 0; i < arrival.preAllocatedVUs; i++) allocate();
  return {
    tick(nowMs: number, end: boolean): number {
      // Iterations that fell due since the last tick, the run's last one included, are started
      // or counted as dropped before the end: none is lost between the last tick and the end.
      if (!ended) {
        const due = schedule.dueBy(nowMs / 1000);
        while (started < due) {
          started++;
          const intendedMs = schedule.timeOf(started) * 1000;
          const vu = free.pop();
          if (vu) vu.iterate(intendedMs);
          else if (all.length < arrival.maxVUs) allocate(intendedMs);
          else dropped++;
        }
      }
      if (end && !ended) {
        ended = true;
        free.length = 0;
      }
      return all.length - free.length;
    },
    retiring: () => ({ stopping: all.map((vu) => vu.stop()), all }),
    dropped: () => dropped,
  };
}
