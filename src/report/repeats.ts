/**
 * Repeats of one configuration judged as one run: what the gate's thresholds read over
 * `matrix --repeat` (or a folder of runs of one configuration). Counts are added, latency comes
 * from the runs' histograms added together, rates are over the runs' total time: the figures one
 * run would have printed had it made every request. Never an average of percentiles.
 */
import { LatencyHistogram } from '../load/latencyHistogram.js';
import type { Phase } from '../load/phases.js';
import type { LatencyStats, LoadSummary } from '../load/summary.js';
import type { Report } from './schema.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function addCounts(records: Array<Record<string, number> | undefined>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const r of records) for (const [k, n] of Object.entries(r ?? {})) total[k] = (total[k] ?? 0) + n;
  return total;
}

/** Whether every report keeps the histograms a combination needs (reports older than HDR encoding do not). */
export function combinable(reports: Report[]): boolean {
  return reports.every((r) => r.load.latency.hdr !== undefined && (r.load.phases === undefined || r.load.phases.sale.hdr !== undefined));
}

function combineLatency(stats: LatencyStats[]): LatencyStats {
  const h = LatencyHistogram.merged(stats.map((s) => s.hdr!));
  const answered = stats.filter((s) => s.max > 0);
  return { ...h.kept(), min: answered.length > 0 ? Math.min(...answered.map((s) => s.min)) : 0, max: Math.max(0, ...stats.map((s) => s.max)) };
}

function combinePhase(phases: Phase[]): Phase {
  const seconds = sum(phases.map((p) => p.endS - p.startS));
  const requests = sum(phases.map((p) => p.requests));
  const issued = sum(phases.map((p) => p.issued));
  const h = LatencyHistogram.merged(phases.map((p) => p.hdr!));
  const intended = phases.every((p) => p.hdrFromIntended) ? LatencyHistogram.merged(phases.map((p) => p.hdrFromIntended!)) : undefined;
  return {
    startS: 0,
    endS: seconds,
    requests,
    issued,
    rate: seconds > 0 ? requests / seconds : 0,
    issuedRate: seconds > 0 ? issued / seconds : 0,
    p50: h.at(50),
    p95: h.at(95),
    p99: h.at(99),
    hdr: h.encode(),
    ...(intended ? { p95FromIntended: intended.at(95), hdrFromIntended: intended.encode() } : {}),
  };
}

function combineLoads(loads: LoadSummary[]): LoadSummary {
  const durationS = sum(loads.map((l) => l.durationS));
  const requests = sum(loads.map((l) => l.requests));
  const issued = sum(loads.map((l) => l.issued));
  const outcomes = loads.map((l) => l.outcomes);
  const phases = loads.map((l) => l.phases);
  const soldOut = phases.flatMap((p) => (p?.soldOut ? [p.soldOut] : []));
  const open = loads.every((l) => l.latencyFromIntended?.hdr !== undefined);
  return {
    requests,
    responses: sum(loads.map((l) => l.responses)),
    durationS,
    rate: durationS > 0 ? requests / durationS : 0,
    issued,
    issuedRate: durationS > 0 ? issued / durationS : 0,
    latency: combineLatency(loads.map((l) => l.latency)),
    statusCounts: addCounts(loads.map((l) => l.statusCounts)),
    results: addCounts(loads.map((l) => l.results)),
    outcomes: {
      classes: addCounts(outcomes.map((o) => o.classes)) as LoadSummary['outcomes']['classes'],
      failures: addCounts(outcomes.map((o) => o.failures)) as LoadSummary['outcomes']['failures'],
      failed: sum(outcomes.map((o) => o.failed)),
      unserved: sum(outcomes.map((o) => o.unserved)),
    },
    peakVUs: Math.max(...loads.map((l) => l.peakVUs)),
    distinctUsers: sum(loads.map((l) => l.distinctUsers)),
    ...(phases.every((p) => p !== undefined)
      ? { phases: { soldOutAtS: null, sale: combinePhase(phases.map((p) => p!.sale)), soldOut: soldOut.length > 0 ? combinePhase(soldOut) : null } }
      : {}),
    ...(loads.some((l) => l.connErrors) ? { connErrors: addCounts(loads.map((l) => l.connErrors)) } : {}),
    ...(loads.every((l) => l.droppedIterations !== undefined) ? { droppedIterations: sum(loads.map((l) => l.droppedIterations!)) } : {}),
    ...(open ? { latencyFromIntended: combineLatency(loads.map((l) => l.latencyFromIntended!)) } : {}),
  };
}

/** One report standing for every run in `reports` (runs of one configuration), for reading metrics. */
export function combineRepeats(reports: Report[]): Report {
  const first = reports[0]!;
  return reports.length === 1 ? first : { ...first, load: combineLoads(reports.map((r) => r.load)) };
}
