/**
 * Resident memory of a process and every process below it (Linux /proc): what a driver spread over
 * processes, or a server of several, holds in all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { statFields } from '../cpu.js';

/** VmRSS in bytes, or 0 when the process is gone or /proc cannot say. */
function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every live process (pid -> parent pid, field 4 of its stat). */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry); // undefined: gone meanwhile
    if (fields) parentOf.set(Number(entry), Number(fields[1]));
  }
  return parentOf;
}

/** `root` and its descendants. */
export function processTree(root: number): number[] {
  const parentOf = parents();
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/** RSS of each group of processes, sampled every 100 ms; `peak()` is the highest sum seen per group and of all. */
export function rssSampler<Group extends string>(groups: () => Record<Group, number[]>) {
  const peaks = {} as Record<Group, number>;
  let peakAll = 0;
  const sample = () => {
    let all = 0;
    const now = groups();
    for (const name of Object.keys(now) as Group[]) {
      const sum = now[name].reduce((n, pid) => n + rssOf(pid), 0);
      peaks[name] = Math.max(peaks[name] ?? 0, sum);
      all += sum;
    }
    peakAll = Math.max(peakAll, all);
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    peak: (): Record<Group | 'all', number> => {
      sample();
      return { ...peaks, all: peakAll };
    },
    stop: () => clearInterval(timer),
  };
}
