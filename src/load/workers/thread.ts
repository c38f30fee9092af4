/**
 * A driver worker (a thread of couponbench's own process): builds the plan again from its
 * inputs, waits for the main thread's start, drives its share on the main thread's clock and
 * sends what it recorded. It dies with the process, so Ctrl-C and kill -9 need nothing of it.
 */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { UsageError } from '../../errors.js';
import { drive } from '../driver.js';
import type { RequestLog } from '../recorder.js';
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
/** The records added since the last batch, as plain objects the main thread adds to its log. */
function flush(log: RequestLog, vus: number): void {
  const records = [];
  for (let i = sent; i < log.length; i++) records.push(log.record(i));
  sent = log.length;
  post({ type: 'records', records, vus });
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
