import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { which } from './binaries.js';

/** A process by pid and kernel start time, so that a reused pid is never mistaken for it. */
export interface ProcessRef {
  pid: number;
  startTime: string;
}

/** A daemon we started: its pid and how to stop it. */
export interface Daemon extends ProcessRef {
  name: string;
  logFile: string;
  exited: () => boolean;
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Start a long-running server binary with output going to a log file. `detached` puts it in its
 * own process group so that it survives our exit (`couponbench up`). Otherwise it shares our
 * group (a terminal Ctrl-C reaches it too) and, through util-linux `setpriv --pdeathsig`, the
 * kernel sends it SIGTERM if couponbench dies without stopping it (kill -9).
 */
export function startDaemon(name: string, bin: string, args: string[], logFile: string, detached = false, opts: DaemonOptions = {}): Daemon {
  const fd = openSync(logFile, 'a');
  const setpriv = detached ? undefined : which('setpriv');
  const user = opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {};
  let child: ChildProcess;
  try {
    child = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', bin, ...args], { stdio: ['ignore', fd, fd], ...user })
      : spawn(bin, args, { stdio: ['ignore', fd, fd], detached, ...user });
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
    startTime: startTimeOf(pid) ?? '',
    logFile,
    exited: () => hasExited,
    stop: (timeoutMs = 15_000) => stopChild(child, exit, timeoutMs, opts.stopSignal ?? 'SIGTERM'),
  };
}

export interface DaemonOptions {
  /** Run as this user (a server that refuses to run as root: postgres). */
  user?: { uid: number; gid: number };
  /** How to ask it to stop (postgres: SIGINT, its fast shutdown; SIGTERM waits for every client to leave). */
  stopSignal?: NodeJS.Signals;
}

/** Signal our own child to stop and wait until Node has reaped it; SIGKILL if it will not go. */
async function stopChild(child: ChildProcess, exit: Promise<void>, timeoutMs: number, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
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

/** Field `n` (1-based, as in proc(5)) of /proc/<pid>/stat, from field 3 on. */
function statField(pid: number, n: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3];
  } catch {
    return undefined;
  }
}

/** The kernel's start time of `pid` (clock ticks since boot, field 22). */
export const startTimeOf = (pid: number): string | undefined => statField(pid, 22);

/** The process group `pid` belongs to (field 5). */
export function processGroupOf(pid: number): number | undefined {
  const group = statField(pid, 5);
  return group === undefined ? undefined : Number(group);
}

/** Still the same process (not gone, not a zombie, pid not reused). */
export function isRunning(ref: ProcessRef): boolean {
  return isAlive(ref.pid) && !isZombie(ref.pid) && startTimeOf(ref.pid) === ref.startTime;
}

/** Stop a process we may not be the parent of, only if it is still the one we mean. */
export async function stopProcess(ref: ProcessRef, timeoutMs = 15_000): Promise<void> {
  if (isRunning(ref)) await stopPid(ref.pid, timeoutMs);
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

/**
 * A small detached shell that outlives couponbench for one job: once this process is gone (even
 * by kill -9), it runs `script` (with `args` as $1, $2, ...). Returns how to call it off.
 */
export function whenWeAreGone(script: string, args: string[] = []): () => void {
  const guard = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.2; done; ${script}`, 'guard', ...args], { detached: true, stdio: 'ignore' });
  guard.unref();
  return () => {
    try {
      if (guard.pid) process.kill(guard.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
}
