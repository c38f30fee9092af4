/**
 * What one run may ask of this machine, checked before anything starts: a scenario whose load
 * cannot be made here (more sockets than the process may open, no time to run, a fault after the
 * end) is refused in one line instead of failing minutes later or never ending.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { peakVUs, totalDuration, type Scenario } from '../config.js';
import { formatDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { int } from '../report/format.js';

/** More VUs than one couponbench driver runs (its processes hold about 7 KB of sockets and request state each). */
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

/** Descriptors a run needs beyond one socket per VU, by what holds them (said in the refusal). */
export interface DescriptorUse {
  what: string;
  files: number;
}

/** The files all of `uses` hold. */
export const filesOf = (uses: DescriptorUse[]): number => uses.reduce((n, u) => n + u.files, 0);

/** Redis connections one embedded server instance may hold (its client, a subscriber, redlock's nodes). */
const REDIS_CONNECTIONS_PER_INSTANCE = 4;

/**
 * What the embedded server adds to couponbench's own process: the cluster primary accepts each
 * VU's connection here before an instance takes it over (at the opening burst, all of them at
 * once: measured, 190 VUs failed connections under ulimit -n 330 and none under 400); with a link
 * fault, the proxy holds two descriptors (client side, upstream side) for each database and
 * Redis connection it carries.
 */
export function embeddedDescriptors(opts: { vus: number; instances: number; poolSize: number; linked: boolean }): DescriptorUse[] {
  const accepted = { what: "the server's side of each (accepted here before an instance takes it)", files: opts.vus };
  if (!opts.linked) return [accepted];
  const connections = opts.instances * (opts.poolSize + REDIS_CONNECTIONS_PER_INSTANCE);
  return [accepted, { what: `the fault proxy's 2 for each of ${int(connections)} database and Redis connections`, files: 2 * connections }];
}

/** Every check of this module on one scenario; throws the first problem as a UsageError. */
export function assertScenarioRunnable(s: Scenario, limit: OpenFilesLimit | undefined = openFilesLimit(), uses: DescriptorUse[] = []): void {
  const total = totalDuration(s);
  if (total <= 0) throw new UsageError('the load lasts 0 s: give the stages (or --duration) a length above 0');
  if (s.timeout <= 0) throw new UsageError('a client timeout of 0 s ends every request before it is answered: give --timeout (or "timeout") above 0');
  const vus = peakVUs(s);
  if (vus > MAX_VUS) throw new UsageError(`${int(vus)} VUs is more than one couponbench driver runs (${int(MAX_VUS)}); lower the stage targets or --vus`);
  if (s.arrival) {
    const rate = Math.max(s.arrival.startRate, ...s.stages.map((st) => st.target)) / s.arrival.timeUnit;
    if (rate > MAX_RATE_PER_S) throw new UsageError(`an arrival rate of ${int(rate)}/s is more than one couponbench driver makes (${int(MAX_RATE_PER_S)}/s)`);
  }
  assertOpenFiles(vus, limit, uses);
  for (const f of s.faults) {
    if (f.at >= total) throw new UsageError(`${f.kind}@${formatDuration(f.at)} starts after the load ends (${formatDuration(total)}); it would never run`);
  }
}

/**
 * Driver processes the load's sockets go to: 0 when this process holds them besides what else it
 * holds open (`beside`); else enough processes of their own, each under its own limit (they
 * inherit this one), that every one holds its share.
 */
export function driverProcesses(vus: number, beside: number, limit: OpenFilesLimit | undefined = openFilesLimit()): number {
  if (!limit || vus + beside + FD_RESERVE <= limit.soft) return 0;
  return Math.ceil(vus / Math.max(1, limit.soft - FD_RESERVE));
}

/**
 * One socket per VU, and what else the run holds open: the sockets go to driver processes of their
 * own when this one cannot hold them too; refuse what this process must hold and may not open,
 * saying how to raise the limit.
 */
export function assertOpenFiles(vus: number, limit: OpenFilesLimit | undefined, uses: DescriptorUse[] = []): void {
  if (!limit) return;
  const beside = filesOf(uses);
  const processes = driverProcesses(vus, beside, limit);
  const needed = (processes > 0 ? 0 : vus) + beside + FD_RESERVE;
  if (needed <= limit.soft) return;
  const suggested = 2 ** Math.ceil(Math.log2(needed));
  const parts = [...(processes > 0 ? [] : [`a socket each ${int(vus)}`]), ...uses.map((u) => `${u.what} ${int(u.files)}`), `couponbench itself ${FD_RESERVE}`];
  const spread = processes > 0 ? `; the driver's own sockets go to ${processes} process${processes === 1 ? '' : 'es'} of their own` : '';
  throw new UsageError(
    `${int(vus)} VUs need about ${int(needed)} open files in this process (${parts.join(', ')}${spread}), but it may open ${int(limit.soft)} (ulimit -n): ` +
      `raise it, e.g. \`ulimit -n ${suggested}\` (above \`ulimit -Hn\` only as root or through nofile in /etc/security/limits.conf), or run fewer VUs`,
  );
}

/**
 * Driver threads beyond one per core send no faster (each VU's requests are paced, and the
 * threads share the cores) and cost about 25 MB each: refuse more than the machine has.
 */
export function assertWorkersHelp(workers: number, cores = availableParallelism()): void {
  if (workers > cores) {
    throw new UsageError(`--workers ${workers}: this machine has ${cores} core${cores === 1 ? '' : 's'}; driver threads beyond one per core add memory (about 25 MB each) and no load (at most ${cores})`);
  }
}
