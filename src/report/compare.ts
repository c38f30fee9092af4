import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { DEFAULT_REPORTS_DIR, readReport } from './files.js';
import type { Report } from './schema.js';

/** Whether the strategy promises integrity in the configuration it ran in. */
export function promisesIntegrity(report: Pick<Report, 'config'>): boolean {
  const { promise, instances } = report.config;
  return promise === 'across-instances' || (promise === 'single-instance' && instances === 1);
}

export interface FailureRates {
  lockTimeout: number;
  deadlock: number;
  other5xx: number;
  clientTimeout: number;
}

export interface ComparisonRow {
  strategy: string;
  promise: string;
  instances: number;
  file?: string;
  integrity: {
    expectedRemaining: number;
    found: number;
    lostDecrements: number;
    overIssue: number;
    missingRows: number;
    duplicates: number;
    verdict: 'pass' | 'fail';
    expected: boolean;
  };
  throughput: { rate: number; issuedRate: number; p50: number; p95: number; p99: number; max: number; requests: number };
  /** Share of requests, 0..1, by failure cause. */
  failures: FailureRates;
  fairness: { earlyWinnerShare: number; earlyEmptyHanded: number; kendallTau: number | null; soldOut: boolean };
  /** min..max over repeated runs (matrix --repeat). */
  spread?: { rate: [number, number]; p95: [number, number] };
}

export function failureCounts(results: Record<string, number>): FailureRates {
  const out: FailureRates = { lockTimeout: 0, deadlock: 0, other5xx: 0, clientTimeout: 0 };
  for (const [result, n] of Object.entries(results)) {
    if (result === 'lock_timeout' || result === 'retries_exhausted') out.lockTimeout += n;
    else if (result === 'failed:deadlock') out.deadlock += n;
    else if (result.startsWith('failed:') || /^http_5\d\d$/.test(result)) out.other5xx += n;
    else if (result === 'timeout' || result === 'conn_error') out.clientTimeout += n;
  }
  return out;
}

export function comparisonRow(report: Report, file?: string): ComparisonRow {
  const a = report.audit;
  const l = report.load;
  const f = report.fairness;
  const counts = failureCounts(l.results);
  const share = (n: number) => (l.requests > 0 ? n / l.requests : 0);
  return {
    strategy: report.config.strategy,
    promise: report.config.promise,
    instances: report.config.instances,
    file,
    integrity: {
      expectedRemaining: a.expectedRemaining,
      found: a.finalQuantity,
      lostDecrements: a.lostDecrements,
      overIssue: a.overIssue,
      missingRows: a.missingRows,
      duplicates: a.duplicateRows,
      verdict: a.verdict,
      expected: promisesIntegrity(report),
    },
    throughput: { rate: l.rate, issuedRate: l.issuedRate, p50: l.latency.med, p95: l.latency.p95, p99: l.latency.p99, max: l.latency.max, requests: l.requests },
    failures: {
      lockTimeout: share(counts.lockTimeout),
      deadlock: share(counts.deadlock),
      other5xx: share(counts.other5xx),
      clientTimeout: share(counts.clientTimeout),
    },
    fairness: {
      earlyWinnerShare: f.winners > 0 ? f.earlyWinners / f.winners : 0,
      earlyEmptyHanded: f.earlyEmptyHanded,
      kendallTau: f.kendallTau,
      soldOut: f.soldOut,
    },
  };
}

/** Refuse to put side by side what is not comparable. */
export function assertComparable(reports: Array<{ report: Report; file: string }>): void {
  const scenarios = [...new Set(reports.map((r) => r.report.config.scenario.name))];
  if (scenarios.length > 1) throw new UsageError(`reports are of different scenarios (${scenarios.join(', ')}): compare one scenario at a time`);
  const versions = [...new Set(reports.map((r) => r.report.version))];
  if (versions.length > 1) throw new UsageError(`reports have different schema versions (${versions.join(', ')})`);
}

async function jsonFilesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  return names.map((n) => join(dir, n));
}

/**
 * Reports named on the command line (files or directories); with none, the newest report of
 * each strategy in reports/ for the scenario of the newest report there.
 */
export async function collectReports(paths: string[], dir = DEFAULT_REPORTS_DIR): Promise<Array<{ report: Report; file: string }>> {
  const files: string[] = [];
  if (paths.length === 0) files.push(...(await jsonFilesIn(dir).catch(() => [])));
  for (const p of paths) {
    const s = await stat(p).catch(() => undefined);
    if (!s) throw new UsageError(`no such report: ${p}`);
    files.push(...(s.isDirectory() ? await jsonFilesIn(p) : [p]));
  }
  if (files.length === 0) throw new UsageError(`no reports found${paths.length === 0 ? ` in ${dir}/ (run couponbench run first)` : ''}`);
  const loaded = await Promise.all(files.map(async (file) => ({ file, report: await readReport(file) })));
  if (paths.length > 0) return loaded;

  const newest = loaded.reduce((a, b) => (a.report.createdAt >= b.report.createdAt ? a : b));
  const latest = new Map<string, { report: Report; file: string }>();
  for (const r of loaded) {
    if (r.report.config.scenario.name !== newest.report.config.scenario.name) continue;
    const seen = latest.get(r.report.config.strategy);
    if (!seen || seen.report.createdAt < r.report.createdAt) latest.set(r.report.config.strategy, r);
  }
  return [...latest.values()];
}
