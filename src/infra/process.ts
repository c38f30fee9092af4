import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A daemon we started: its pid and how to stop it. */
export interface Daemon {
  name: string;
  pid: number;
  logFile: string;
  exited: () => boolean;
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Start a long-running server binary with output going to a log file. `detached` puts it in its
 * own process group so that it survives our exit (`couponbench up`); otherwise it shares our
 * group and a terminal Ctrl-C reaches it too.
 */
export function startDaemon(name: string, bin: string, args: string[], logFile: string, detached = false): Daemon {
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached });
  } finally {
    closeSync(fd);
  }
  let hasExited = false;
  const exit = new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.on('error', () => resolve());
  }).then(() => {
    hasExited = true;
  });
  if (detached) child.unref();
  const pid = child.pid ?? -1;
  return {
    name,
    pid,
    logFile,
    exited: () => hasExited,
    stop: (timeoutMs = 15_000) => stopChild(child, exit, timeoutMs),
  };
}

/** SIGTERM our own child and wait until Node has reaped it; SIGKILL if it will not go. */
async function stopChild(child: ChildProcess, exit: Promise<void>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  if ((await Promise.race([exit, timedOut])) === 'timeout') {
    child.kill('SIGKILL');
    await exit;
  }
  clearTimeout(timer);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM, wait for the process to go, SIGKILL if it will not. */
export async function stopPid(pid: number, timeoutMs = 15_000): Promise<void> {
  if (pid <= 0 || !isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) || isZombie(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** A child that exited but was not yet reaped by Node still answers kill(0). */
function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function logTail(file: string, lines = 5): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join(' | ');
}
