/**
 * A driver worker (a thread of couponbench's own process): builds the plan again from its
 * inputs, waits for the main thread's start, drives its share on the main thread's clock and
 * sends what it recorded. It dies with the process, so Ctrl-C and kill -9 need nothing of it.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { UsageError } from '../../errors.js';
import { drive } from '../driver.js';
import { batchBuffers, type RequestLog } from '../recorder.js';
import { planFrom } from './plan.js';
import type { MainMessage, WorkerData, WorkerMessage } from './protocol.js';

const port = parentPort!;
const { share } = workerData as WorkerData;
const post = (message: WorkerMessage) => port.postMessage(message);

/** This thread's CPU time (utime + stime of /proc/thread-self), in ms; null where /proc cannot say. */
function threadCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // USER_HZ is 100 on Linux.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

let sent = 0;
/** The requests recorded since the last batch, as typed columns moved (not copied) to the main thread. */
function flush(log: RequestLog, vus: number): void {
  const batch = log.batch(sent);
  sent = log.length;
  port.postMessage({ type: 'records', batch, vus } satisfies WorkerMessage, batchBuffers(batch));
}

port.once('message', (message: MainMessage) => {
  if (message.type !== 'start') return;
  const cpuBefore = threadCpuMs();
  drive({ ...share, plan: planFrom(share.plan), startAtMs: message.startAtMs, onTick: (tick) => flush(tick.log, tick.vus) }).then(
    (run) => {
      flush(run.log, 0);
      const cpuAfter = threadCpuMs();
      post({
        type: 'done',
        durationMs: run.durationMs,
        vuSamples: run.vuSamples,
        connErrors: run.connErrors ?? {},
        ...(run.droppedIterations !== undefined ? { droppedIterations: run.droppedIterations } : {}),
        requests: run.log.length,
        cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
      });
    },
    (err: Error) => post({ type: 'fatal', message: err.message, usage: err instanceof UsageError }),
  );
});
post({ type: 'ready' });
