/**
 * A driver worker on a thread of couponbench's own process. It dies with the process, so Ctrl-C
 * and kill -9 need nothing of it.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { MainMessage, WorkerMessage } from './protocol.js';
import { runShare } from './runShare.js';

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

const port = parentPort!;
runShare({
  post: (message: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer),
  onMessage: (listener) => port.on('message', (message: MainMessage) => listener(message)),
  cpuMs: threadCpuMs,
});
