/**
 * The driver on several workers, threads or processes: each drives its share
 * (src/load/workers/share.ts) on its own connections and event loop, on the main thread's clock;
 * the main thread keeps the one request log, the progress and the load's clock for the nemesis,
 * and at the end puts the requests in the order their answers came back, as one driver would
 * have. Threads share the process's open-files limit; processes each have their own, so a load
 * with more sockets than one process may open is spread over processes.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { UsageError } from '../../errors.js';
import { isLoopback } from '../../infra/ports.js';
import { builtModule } from '../../paths.js';
import type { DriveRequest, LoadRun, VuSample } from '../driver.js';
import { addedVus, mergedLog } from '../merge.js';
import { RequestLog } from '../recorder.js';
import type { PlanSource } from '../requestPlan.js';
import { scheduleDuration } from '../stages.js';
import type { MainMessage, WorkerMessage } from './protocol.js';
import { shareOf } from './share.js';

type Done = Extract<WorkerMessage, { type: 'done' }>;

const TICK_MS = 1000;

/** One thread per core, less one for the system under test when it runs on this machine. */
export function defaultWorkers(hostname: string): number {
  const cores = availableParallelism();
  return isLoopback(hostname) ? Math.max(1, cores - 1) : cores;
}

export type WorkerKind = 'thread' | 'process';

/** One worker as the main thread sees it, whichever it is. */
interface DriverWorker {
  post(message: MainMessage): void;
  on(event: 'message', listener: (message: WorkerMessage) => void): void;
  off(event: 'message', listener: (message: WorkerMessage) => void): void;
  once(event: 'error', listener: (err: Error) => void): void;
  once(event: 'exit', listener: (code: number | null) => void): void;
  stop(): Promise<void>;
}

function threadWorker(): DriverWorker {
  const w = new Worker(builtModule('src/load/workers/thread.js'));
  return Object.assign(w, { post: (m: MainMessage) => w.postMessage(m), stop: async () => void (await w.terminate()) });
}

function processWorker(): DriverWorker {
  // `advanced`: the records' typed columns cross as they are (structured clone), not as JSON.
  const child = fork(builtModule('src/load/workers/process.js'), [], { execArgv: ['--max-semi-space-size=4'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return Object.assign(child, {
    post: (m: MainMessage) => void child.send(m),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  });
}

export async function driveOnWorkers(req: DriveRequest, count: number, plan: PlanSource, kind: WorkerKind = 'thread'): Promise<LoadRun> {
  const live = new RequestLog();
  const vusNow = new Array<number>(count).fill(0);
  const done: Array<Done | undefined> = new Array(count).fill(undefined);
  const workers = Array.from({ length: count }, () => (kind === 'process' ? processWorker() : threadWorker()));
  try {
    const ready = workers.map((w) => once(w, 'ready'));
    workers.forEach((w, k) => w.post({ type: 'share', share: shareOf(req, plan, k, count) }));
    await Promise.all(ready);
    const t0 = performance.now();
    const clock = () => performance.now() - t0;
    const startedAt = new Date(performance.timeOrigin + t0).toISOString();
    req.onStart?.(clock);
    const finished = workers.map(
      (worker, k) =>
        new Promise<void>((resolve, reject) => {
          worker.on('message', (message: WorkerMessage) => {
            if (message.type === 'records') {
              live.append(message.batch);
              vusNow[k] = message.vus;
            } else if (message.type === 'done') {
              done[k] = message;
              resolve();
            } else if (message.type === 'fatal') reject(message.usage ? new UsageError(message.message) : new Error(message.message));
          });
          worker.once('error', reject);
          worker.once('exit', (code) => (done[k] ? resolve() : reject(new Error(`driver worker ${k + 1} exited with code ${code}`))));
        }),
    );
    workers.forEach((w) => w.post({ type: 'start', startAtMs: performance.timeOrigin + t0 }));
    const totalS = scheduleDuration(req);
    const ticker = setInterval(() => req.onTick?.({ elapsedS: clock() / 1000, totalS, vus: vusNow.reduce((a, b) => a + b, 0), log: live }), TICK_MS);
    try {
      await Promise.all(finished);
    } finally {
      clearInterval(ticker);
    }
    const results = done as Done[];
    return {
      startedAt,
      durationMs: Math.max(...results.map((d) => d.durationMs)),
      // One driver's log is in the order the answers came: so is this one.
      log: mergedLog([live], [0]),
      vuSamples: addedVus(results.map((d) => d.vuSamples as VuSample[])),
      connErrors: sumCounts(results.map((d) => d.connErrors)),
      ...(req.arrival ? { droppedIterations: results.reduce((n, d) => n + (d.droppedIterations ?? 0), 0) } : {}),
      workers: results.map((d, k) => ({ worker: k + 1, requests: d.requests, cpuMs: d.cpuMs })),
    };
  } finally {
    // After a clean end they have finished already; on an error the others stop here, at once.
    await Promise.all(workers.map((w) => w.stop()));
  }
}

function once(worker: DriverWorker, type: WorkerMessage['type']): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.type === type) {
        worker.off('message', onMessage);
        resolve();
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`driver worker exited with code ${code} before it was ${type}`)));
  });
}

function sumCounts(counts: Array<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of counts) for (const [k, v] of Object.entries(c)) sum[k] = (sum[k] ?? 0) + v;
  return sum;
}
