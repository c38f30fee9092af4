/**
 * Processes found by what /proc says of them: a mark in their environment, which every
 * descendant inherits (how a service that detaches, setsid or a daemon, is still found and
 * stopped where its process group no longer reaches it), or any other test.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The pids of this machine (but ours) for which `test(pid)` holds; a process gone or not ours to read meanwhile is skipped. */
export function pidsWhere(test: (pid: string) => boolean): number[] {
  let all: string[];
  try {
    all = readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid);
  } catch {
    return [];
  }
  return all.filter((pid) => {
    try {
      return test(pid);
    } catch {
      return false;
    }
  }).map(Number);
}

/** The pids whose environment holds `name=value` (Linux /proc; none elsewhere). */
export function pidsMarked(name: string, value: string): number[] {
  const entry = `${name}=${value}`;
  return pidsWhere((pid) => readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry));
}

/** The same search as a shell loop, for a guard that runs after couponbench is gone. */
export function killMarkedScript(name: string, value: string, signal: 'TERM' | 'KILL'): string {
  return `for p in /proc/[0-9]*; do tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -qx '${name}=${value}' && kill -${signal} "\${p#/proc/}" 2>/dev/null; done`;
}
