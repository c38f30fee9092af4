/**
 * What a driver worker does, on a thread or in a process of its own: build the plan again from
 * its inputs, wait for the main side's start, drive its share on the main side's clock, send what
 * it recorded about once a second and its totals at the end. Only how messages travel differs
 * (src/load/workers/thread.ts, src/load/workers/process.ts).
 */
import { UsageError } from '../../errors.js';
import { drive } from '../driver.js';
import { batchBuffers, type RequestLog } from '../recorder.js';
import { planFrom } from './plan.js';
import type { MainMessage, WorkerMessage, WorkerShare } from './protocol.js';

export interface WorkerChannel {
  /** `transfer`: buffers a thread may move instead of copying (a process copies). */
  post(message: WorkerMessage, transfer?: ArrayBuffer[]): void;
  onMessage(listener: (message: MainMessage) => void): void;
  /** The CPU this worker has used so far, in ms; null where it cannot say. */
  cpuMs(): number | null;
}

export function runShare(channel: WorkerChannel): void {
  let share: WorkerShare | undefined;
  let sent = 0;
  /** The requests recorded since the last batch, as typed columns. */
  const flush = (log: RequestLog, vus: number) => {
    const batch = log.batch(sent);
    sent = log.length;
    channel.post({ type: 'records', batch, vus }, batchBuffers(batch));
  };
  channel.onMessage((message) => {
    if (message.type === 'share') {
      share = message.share;
      channel.post({ type: 'ready' });
      return;
    }
    if (message.type !== 'start' || !share) return;
    const cpuBefore = channel.cpuMs();
    drive({ ...share, plan: planFrom(share.plan), startAtMs: message.startAtMs, onTick: (tick) => flush(tick.log, tick.vus) }).then(
      (run) => {
        flush(run.log, 0);
        const cpuAfter = channel.cpuMs();
        channel.post({
          type: 'done',
          durationMs: run.durationMs,
          vuSamples: run.vuSamples,
          connErrors: run.connErrors ?? {},
          ...(run.droppedIterations !== undefined ? { droppedIterations: run.droppedIterations } : {}),
          requests: run.log.length,
          cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
        });
      },
      (err: Error) => channel.post({ type: 'fatal', message: err.message, usage: err instanceof UsageError }),
    );
  });
}
