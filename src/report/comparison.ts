/**
 * The comparison model every format renders: one row per strategy configuration, built from one
 * report or aggregated from repeats of it.
 */
import { z } from 'zod';
import { strategyNames } from '../../strategies/index.js';
import { IntegrityPromiseSchema } from '../../strategies/types.js';
import { describeFaultEvent, faultLabel, notActed, type FaultKind } from '../faults/spec.js';
import { FAILURE_GROUP_NAMES, type FailureGroup } from '../outcomes.js';
import { saleIssuedRate } from '../load/summary.js';
import { LatencyHistogram } from '../load/latencyHistogram.js';
import { efficiency, type Report } from './schema.js';
import { cpuLimits } from '../cpu.js';
import { cpuCost } from './cpuCost.js';
import { breakdownLine, cpuLine } from './whereTimeGoes.js';
import { configurationKey, loadSettings, systemSettings } from './configuration.js';

/** The faults the nemesis really ran: one that failed to act, or was not due before the load ended, is never counted as survived. */
const ranFaults = (report: Pick<Report, 'faults'>) => report.faults.filter((f) => !f.events.some(notActed));

/** The kinds of fault that ran: what a promise (`survives`) is about. */
export function faultsRun(report: Pick<Report, 'faults'>): FaultKind[] {
  return [...new Set(ranFaults(report).map((f) => f.kind))];
}

/** The faults that ran as rows name them, with their links (`latency#mysql`). */
export function faultLabelsRun(report: Pick<Report, 'faults'>): string[] {
  return [...new Set(ranFaults(report).map(faultLabel))];
}

/** What the nemesis and the server saw of the lock failing, in words (empty when nothing). */
export function lockFailures(report: Pick<Report, 'faults' | 'server'>): string[] {
  const seen: string[] = [];
  const releases = report.server.warnings.release_failed;
  for (const f of report.faults) {
    const second = f.events.find((e) => e.type === 'second-holder');
    if (second) seen.push(`${describeFaultEvent(second)} while ${f.target} was frozen`);
  }
  if (releases > 0) seen.push(`${releases} release${releases === 1 ? '' : 's'} found the lock no longer theirs`);
  return seen;
}

/**
 * Whether the strategy promises integrity in the configuration and weather it ran in: on its
 * instance count, and under every fault that ran (a promise is conditional on `survives`).
 */
export function promisesIntegrity(report: Pick<Report, 'config' | 'faults'>): boolean {
  const { promise, instances, survives } = report.config;
  const base = promise === 'across-instances' || (promise === 'single-instance' && instances === 1);
  return base && faultsRun(report).every((kind) => survives.includes(kind));
}

/**
 * Reports with the same key are runs of the same thing: the strategy plus the configuration that
 * changes what it promises (`in-process` on 1 instance promises integrity, on 2 it does not).
 */
export function rowKey(report: Pick<Report, 'config' | 'faults'>): string {
  const { strategy, promise, instances } = report.config;
  const faults = faultLabelsRun(report);
  const fenced = report.config.options.fencing ? ' (fenced)' : '';
  return `${promise === 'single-instance' ? `${strategy} ×${instances}` : strategy}${fenced}${faults.length > 0 ? ` + ${faults.join(' + ')}` : ''}`;
}

const failureShares = z.object(Object.fromEntries(FAILURE_GROUP_NAMES.map((g) => [g, z.number()])) as Record<FailureGroup, z.ZodNumber>);

export const ComparisonRowSchema = z.object({
  key: z.string(),
  strategy: z.string(),
  promise: IntegrityPromiseSchema,
  instances: z.number().int(),
  /** What the row ran with, as the run header names it (`lease 1s`, `database MySQL 10.11…`); its faults are `faults`. */
  settings: z.record(z.string(), z.string()).default({}),
  /** Whether integrity is promised in this configuration (a violation is then a failure). */
  expected: z.boolean(),
  /** Whether the audit could check by user identity. */
  identityChecked: z.boolean(),
  /** The faults that ran (empty for fair weather). */
  faults: z.array(z.string()).default([]),
  /** Under those faults the lock itself was seen to fail (in every run of the row). */
  lockBroken: z.boolean().default(false),
  /** The runs behind the row; several when a matrix repeats. */
  runs: z.array(
    z.object({
      id: z.string(),
      file: z.string().optional(),
      verdict: z.enum(['pass', 'fail']),
      /** Decrements lost and units over-issued in this run (what a fault broke, run by run). */
      lost: z.number().default(0),
      over: z.number().default(0),
      lockBroken: z.boolean().default(false),
    }),
  ),
  integrity: z.object({
    expectedRemaining: z.number(),
    found: z.number(),
    lostDecrements: z.number(),
    overIssue: z.number(),
    missingRows: z.number(),
    unexplainedRows: z.number(),
    /** By user identity: acknowledged issues not held, and coupons held that no answer explains (0 when not checked). */
    lostIssues: z.number(),
    unexpectedIssues: z.number(),
    duplicates: z.number(),
    /** Figures two stores should agree on but do not: Redis ledger vs database, a target's extra probes. */
    disagreements: z.number(),
    /** Worst of the runs for the gate: any failure where integrity is promised, any pass where it is not. */
    verdict: z.enum(['pass', 'fail']),
  }),
  /** issuedRate and the percentiles are the sale phase's (while stock lasted); rate and max the whole run's. */
  throughput: z.object({
    rate: z.number(),
    issuedRate: z.number(),
    p50: z.number(),
    p95: z.number(),
    p99: z.number(),
    max: z.number(),
    requests: z.number(),
    /** Arrival-rate executors only: iterations dropped (whole run), and p95 from the intended start (sale phase). */
    dropped: z.number().optional(),
    p95FromIntended: z.number().optional(),
    /** The sale phase's latency histograms, HDR-encoded: what repeats merge their percentiles from. */
    hdr: z.string().optional(),
    hdrFromIntended: z.string().optional(),
    /** Issued per CPU-second of the stores and of the machine over the load (src/report/cpuCost.ts); absent without CPU figures. */
    perStoreCpuS: z.number().optional(),
    perMachineCpuS: z.number().optional(),
  }),
  /** Share of requests, 0..1, by failure group (src/outcomes.ts). */
  failures: failureShares,
  fairness: z.object({ earlyWinnerShare: z.number(), earlyEmptyHanded: z.number(), kendallTau: z.number().nullable(), soldOut: z.boolean(), soldOutAtS: z.number().nullable().default(null) }),
  /** Sale-phase issue rate over the hot-row ceiling of the strategy's shape (null: not calibrated). */
  efficiency: z.object({ value: z.number(), ceiling: z.number(), shape: z.string() }).nullable().default(null),
  /** Where the time went (the first run's): the p95 split into phases, CPU per component, what limited the run. */
  time: z
    .object({
      breakdown: z.string().nullable(),
      cpu: z.string().nullable(),
      limits: z.array(z.string()),
    })
    .default({ breakdown: null, cpu: null, limits: [] }),
  /** min..max over repeated runs. */
  spread: z.object({ rate: z.tuple([z.number(), z.number()]), p95: z.tuple([z.number(), z.number()]) }).optional(),
});
export type ComparisonRow = z.infer<typeof ComparisonRowSchema>;

/** Ranked by the sale: a run that sells out is judged while stock lasted, not by its cheap 410s after. */
function saleThroughput(l: Report['load']): ComparisonRow['throughput'] {
  const sale = l.phases?.sale;
  const open =
    l.droppedIterations !== undefined && l.latencyFromIntended
      ? { dropped: l.droppedIterations, p95FromIntended: sale?.p95FromIntended ?? l.latencyFromIntended.p95, ...definedHdr(sale?.hdrFromIntended ?? l.latencyFromIntended.hdr, 'hdrFromIntended') }
      : {};
  return {
    rate: l.rate,
    issuedRate: saleIssuedRate(l),
    p50: sale?.p50 ?? l.latency.med,
    p95: sale?.p95 ?? l.latency.p95,
    p99: sale?.p99 ?? l.latency.p99,
    max: l.latency.max,
    requests: l.requests,
    ...definedHdr(sale?.hdr ?? l.latency.hdr, 'hdr'),
    ...open,
  };
}

const definedHdr = <K extends string>(hdr: string | undefined, key: K) => (hdr === undefined ? {} : ({ [key]: hdr } as Record<K, string>));

/**
 * The throughput of K runs: latency percentiles from the runs' histograms added together (as if
 * one run had made every request), the slowest request of all, and rates and counts as medians.
 * Reports older than HDR-encoded histograms fall back to the median of each percentile.
 */
function repeatThroughput(rows: ComparisonRow[]): ComparisonRow['throughput'] {
  const all = rows.map((r) => r.throughput);
  const figures = medians(all.map(({ hdr: _hdr, hdrFromIntended: _intended, ...rest }) => rest));
  const sale = all.every((t) => t.hdr) ? LatencyHistogram.merged(all.map((t) => t.hdr!)) : undefined;
  const intended = all.every((t) => t.hdrFromIntended) ? LatencyHistogram.merged(all.map((t) => t.hdrFromIntended!)) : undefined;
  return {
    ...figures,
    max: Math.max(...all.map((t) => t.max)),
    ...(sale ? { p50: sale.at(50), p95: sale.at(95), p99: sale.at(99), hdr: sale.encode() } : {}),
    ...(intended ? { p95FromIntended: intended.at(95), hdrFromIntended: intended.encode() } : {}),
  };
}

const DISAGREEMENTS = new Set(['redis_stock_mismatch', 'redis_winners_mismatch', 'probe_mismatch']);

/** `label`: the row's name among the rows shown with it (configurationLabels); default the strategy's own. */
export function comparisonRow(report: Report, file?: string, label?: string): ComparisonRow {
  const a = report.audit;
  const l = report.load;
  const f = report.fairness;
  const share = (n: number) => (l.requests > 0 ? n / l.requests : 0);
  const faults = faultLabelsRun(report);
  const lockBroken = faults.length > 0 && lockFailures(report).length > 0;
  return {
    key: label ?? rowKey(report),
    strategy: report.config.strategy,
    promise: report.config.promise,
    instances: report.config.instances,
    settings: Object.fromEntries(systemSettings(report).filter(([name]) => name !== 'faults')),
    expected: promisesIntegrity(report),
    identityChecked: a.identity !== null,
    faults,
    lockBroken,
    runs: [{ id: report.id, ...(file ? { file } : {}), verdict: a.verdict, lost: a.lostDecrements, over: a.overIssue, lockBroken }],
    integrity: {
      expectedRemaining: a.expectedRemaining,
      found: a.finalQuantity,
      lostDecrements: a.lostDecrements,
      overIssue: a.overIssue,
      missingRows: a.missingRows,
      unexplainedRows: a.unexplainedRows,
      lostIssues: a.identity?.lost ?? 0,
      unexpectedIssues: a.identity?.unexpected ?? 0,
      duplicates: a.duplicateRows,
      disagreements: a.violations.filter((v) => DISAGREEMENTS.has(v.kind)).length,
      verdict: a.verdict,
    },
    throughput: { ...saleThroughput(l), ...cpuCost(l.issued, report.cpu) },
    failures: Object.fromEntries(FAILURE_GROUP_NAMES.map((g) => [g, share(l.outcomes.failures[g])])) as ComparisonRow['failures'],
    fairness: {
      earlyWinnerShare: f.winners > 0 ? f.earlyWinners / f.winners : 0,
      earlyEmptyHanded: f.earlyEmptyHanded,
      kendallTau: f.kendallTau,
      soldOut: f.soldOut,
      soldOutAtS: report.load.phases?.soldOutAtS ?? null,
    },
    efficiency: efficiency(report) ?? null,
    time: {
      breakdown: l.breakdown ? breakdownLine(l.breakdown.p95) : null,
      cpu: report.cpu ? cpuLine(report.cpu) : null,
      limits: report.cpu ? cpuLimits(report.cpu) : [],
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The median of each field; a field some objects lack is left out. */
function medians<T extends Record<string, number | undefined>>(objects: T[]): T {
  const keys = Object.keys(objects[0]!) as Array<keyof T>;
  return Object.fromEntries(keys.filter((k) => objects.every((o) => typeof o[k] === 'number')).map((k) => [k, median(objects.map((o) => o[k] as number))])) as T;
}

/**
 * One row from K runs of the same key. Every count is the median of that field over the runs, so
 * no figure is taken from one run and another from a different one; the verdict is the worst for
 * the gate, and the runs it comes from are named in `runs`.
 */
export function aggregateRows(rows: ComparisonRow[]): ComparisonRow {
  if (rows.length === 1) return rows[0]!;
  const keys = [...new Set(rows.map((r) => r.key))];
  if (keys.length > 1) throw new Error(`cannot aggregate rows of different configurations: ${keys.join(', ')}`);
  const first = rows[0]!;
  const verdicts = rows.map((r) => r.integrity.verdict);
  const worst = first.expected ? (verdicts.includes('fail') ? 'fail' : 'pass') : verdicts.includes('pass') ? 'pass' : 'fail';
  const taus = rows.map((r) => r.fairness.kendallTau).filter((t): t is number => t !== null);
  const range = (pick: (r: ComparisonRow) => number): [number, number] => [Math.min(...rows.map(pick)), Math.max(...rows.map(pick))];
  return {
    ...first,
    runs: rows.flatMap((r) => r.runs),
    lockBroken: rows.every((r) => r.lockBroken),
    integrity: { ...medians(rows.map((r) => integrityCounts(r))), verdict: worst },
    throughput: repeatThroughput(rows),
    failures: medians(rows.map((r) => r.failures)),
    fairness: {
      earlyWinnerShare: median(rows.map((r) => r.fairness.earlyWinnerShare)),
      earlyEmptyHanded: median(rows.map((r) => r.fairness.earlyEmptyHanded)),
      kendallTau: taus.length > 0 ? median(taus) : null,
      soldOut: rows.every((r) => r.fairness.soldOut),
      soldOutAtS: rows.every((r) => r.fairness.soldOutAtS !== null) ? median(rows.map((r) => r.fairness.soldOutAtS!)) : null,
    },
    spread: { rate: range((r) => r.throughput.rate), p95: range((r) => r.throughput.p95) },
    efficiency: rows.every((r) => r.efficiency) ? { ...first.efficiency!, value: median(rows.map((r) => r.efficiency!.value)) } : null,
  };
}

function integrityCounts(row: ComparisonRow): Omit<ComparisonRow['integrity'], 'verdict'> {
  const { verdict: _verdict, ...counts } = row.integrity;
  return counts;
}

/** Group rows by key (in first-seen order) and aggregate each group. */
export function aggregateByKey(rows: ComparisonRow[]): ComparisonRow[] {
  const groups = new Map<string, ComparisonRow[]>();
  for (const row of rows) groups.set(row.key, [...(groups.get(row.key) ?? []), row]);
  return [...groups.values()].map(aggregateRows);
}

/** Registry order of strategies, then instances: the order every comparison lists rows (and reports) in. */
export function inStrategyOrder<T>(items: T[], configOf: (item: T) => { strategy: string; instances: number }): T[] {
  const order = strategyNames();
  const rank = (item: T) => {
    const i = order.indexOf(configOf(item).strategy);
    return i < 0 ? order.length : i; // plugins after the built-ins
  };
  return [...items].sort((a, b) => rank(a) - rank(b) || configOf(a).instances - configOf(b).instances);
}

/** The newest report of each configuration, among reports of the newest report's load. */
export function latestPerKey<T extends { report: Report }>(loaded: T[]): T[] {
  if (loaded.length === 0) return [];
  const newest = loaded.reduce((a, b) => (a.report.createdAt >= b.report.createdAt ? a : b));
  const load = JSON.stringify(loadSettings(newest.report));
  const latest = new Map<string, T>();
  for (const r of loaded) {
    if (JSON.stringify(loadSettings(r.report)) !== load) continue;
    const key = configurationKey(r.report);
    const seen = latest.get(key);
    if (!seen || seen.report.createdAt < r.report.createdAt) latest.set(key, r);
  }
  return [...latest.values()];
}

/** The first 8 characters of a report id: enough to find its file. */
export const shortId = (id: string): string => id.slice(0, 8);
