/**
 * The reaper: a small detached process that outlives couponbench for one job. couponbench holds
 * a pipe to its stdin and writes `watch <pid> <starttime>` for each daemon it starts, and
 * `release` once it has stopped them itself (or handed them over); `file <path>` names a file
 * that speaks of them (`up`'s state) and goes with them. If the pipe closes without `release`, couponbench
 * died (kill -9, a crash): stop the watched daemons and remove the directory.
 */
import { readFileSync, readlinkSync, rmdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pidsWhere } from './marked.js';
import { stopProcess, type ProcessRef } from './process.js';

const dir = process.argv[2];
const watched: ProcessRef[] = [];
const files: string[] = [];
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
    if (verb === 'file' && pid) files.push(decodeURIComponent(pid));
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
    if (dir) await removeDir(dir);
    for (const file of files) {
      rmSync(file, { force: true });
      try {
        rmdirSync(dirname(file));
      } catch {
        /* not empty */
      }
    }
  }
  process.exit(0);
}

/**
 * What was still being set up when couponbench died (mariadb-install-db, initdb) is no daemon it
 * had announced, and would write into the directory after it was removed: stop every process
 * whose command line names the directory, then remove it, and once more after a moment.
 */
async function removeDir(path: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    // Named on its command line (an installer), or running in it (a daemon spawned before it was announced).
    const inside = pidsWhere((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(path) || readlinkSync(`/proc/${pid}/cwd`).startsWith(path));
    for (const pid of inside) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    rmSync(path, { recursive: true, force: true });
    await sleep(300);
  }
}
