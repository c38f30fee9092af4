/**
 * The reaper: a small detached process that outlives couponbench for one job. couponbench holds
 * a pipe to its stdin and writes `watch <pid> <starttime>` for each daemon it starts, and
 * `release` once it has stopped them itself. If the pipe closes without `release`, couponbench
 * died (kill -9, a crash): stop the watched daemons and remove the directory.
 */
import { rmSync } from 'node:fs';
import { stopProcess, type ProcessRef } from './process.js';

const dir = process.argv[2];
const watched: ProcessRef[] = [];
let released = false;
let pending = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  let newline: number;
  while ((newline = pending.indexOf('\n')) >= 0) {
    const [verb, pid, startTime] = pending.slice(0, newline).split(' ');
    pending = pending.slice(newline + 1);
    if (verb === 'watch' && pid && startTime) watched.push({ pid: Number(pid), startTime });
    if (verb === 'release') released = true;
  }
});
process.stdin.on('close', () => void reap());
process.stdin.on('error', () => void reap());
// Detached in a session of its own, so no terminal signal reaches it; ignore one anyway.
process.on('SIGINT', () => {});

let reaping = false;
async function reap(): Promise<void> {
  if (reaping) return;
  reaping = true;
  if (!released) {
    await Promise.all(watched.map((d) => stopProcess(d, 10_000)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
