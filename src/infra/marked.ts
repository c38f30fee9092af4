/**
 * Processes found by a mark in their environment, which every descendant inherits: how a
 * service that detaches (setsid, a daemon, `&` in a new session) is still found and stopped,
 * where its process group no longer reaches it.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The pids whose environment holds `name=value` (Linux /proc; none elsewhere). */
export function pidsMarked(name: string, value: string): number[] {
  const entry = `${name}=${value}`;
  let all: string[];
  try {
    all = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const pid of all) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry)) pids.push(Number(pid));
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return pids;
}

/** The same search as a shell loop, for a guard that runs after couponbench is gone. */
export function killMarkedScript(name: string, value: string, signal: 'TERM' | 'KILL'): string {
  return `for p in /proc/[0-9]*; do tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -qx '${name}=${value}' && kill -${signal} "\${p#/proc/}" 2>/dev/null; done`;
}
