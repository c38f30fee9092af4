/**
 * What one run may ask of this machine, checked before anything starts: a scenario whose load
 * cannot be made here (more sockets than the process may open, no time to run, a fault after the
 * end) is refused in one line instead of failing minutes later or never ending.
 */
import { readFileSync } from 'node:fs';
import { peakVUs, totalDuration, type Scenario } from '../config.js';
import { formatDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { int } from '../report/format.js';

/** More VUs than one driver process holds sockets and request state for (about 8 KB each). */
export const MAX_VUS = 100_000;
/** Iterations per second an arrival-rate stage may ask for. */
export const MAX_RATE_PER_S = 1_000_000;
/** File descriptors the driver needs besides one socket per VU: Node itself, the databases, the server's pipes. */
export const FD_RESERVE = 64;

export interface OpenFilesLimit {
  soft: number;
  hard: number;
}

/** This process's RLIMIT_NOFILE (Node raises the soft limit to the hard one at start); undefined where /proc cannot tell. */
export function openFilesLimit(limitsFile = '/proc/self/limits'): OpenFilesLimit | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) return undefined;
  const value = (s: string) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
  return { soft: value(m[1]!), hard: value(m[2]!) };
}

/** Every check of this module on one scenario; throws the first problem as a UsageError. */
export function assertScenarioRunnable(s: Scenario, limit: OpenFilesLimit | undefined = openFilesLimit()): void {
  const total = totalDuration(s);
  if (total <= 0) throw new UsageError('the load lasts 0 s: give the stages (or --duration) a length above 0');
  if (s.timeout <= 0) throw new UsageError('a client timeout of 0 s ends every request before it is answered: give --timeout (or "timeout") above 0');
  const vus = peakVUs(s);
  if (vus > MAX_VUS) throw new UsageError(`${int(vus)} VUs is more than one couponbench driver runs (${int(MAX_VUS)}); lower the stage targets or --vus`);
  if (s.arrival) {
    const rate = Math.max(s.arrival.startRate, ...s.stages.map((st) => st.target)) / s.arrival.timeUnit;
    if (rate > MAX_RATE_PER_S) throw new UsageError(`an arrival rate of ${int(rate)}/s is more than one couponbench driver makes (${int(MAX_RATE_PER_S)}/s)`);
  }
  assertOpenFiles(vus, limit);
  for (const f of s.faults) {
    if (f.at >= total) throw new UsageError(`${f.kind}@${formatDuration(f.at)} starts after the load ends (${formatDuration(total)}); it would never run`);
  }
}

/** One socket per VU: refuse a peak the process may not open, saying how to raise the limit. */
export function assertOpenFiles(vus: number, limit: OpenFilesLimit | undefined): void {
  if (!limit) return;
  const needed = vus + FD_RESERVE;
  if (needed <= limit.soft) return;
  const suggested = 2 ** Math.ceil(Math.log2(needed));
  throw new UsageError(
    `${int(vus)} VUs need about ${int(needed)} open files (a socket each), but this process may open ${int(limit.soft)} (ulimit -n): ` +
      `raise it, e.g. \`ulimit -n ${suggested}\` (above \`ulimit -Hn\` only as root or through nofile in /etc/security/limits.conf), or run fewer VUs`,
  );
}
