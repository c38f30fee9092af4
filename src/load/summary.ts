import type { LoadRun } from './driver.js';
import { CLIENT_RESULTS, type RequestLog } from './recorder.js';

export interface LatencyStats {
  avg: number;
  min: number;
  med: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadSummary {
  /** Requests sent (every one ends as a response, a timeout, a connection error or interrupted). */
  requests: number;
  responses: number;
  durationS: number;
  /** Requests per second over the run's duration, as k6's http_reqs rate. */
  rate: number;
  issued: number;
  issuedRate: number;
  /** Latency of requests that got a response, in milliseconds (k6's http_req_duration). */
  latency: LatencyStats;
  statusCounts: Record<string, number>;
  results: Record<string, number>;
  timeouts: number;
  errors: number;
  interrupted: number;
  peakVUs: number;
  distinctUsers: number;
}

export interface SeriesPoint {
  second: number;
  vus: number;
  sent: number;
  responses: number;
  issued: number;
  /** Failures this second: 5xx, timeouts, connection errors. */
  failed: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function latencyStats(values: Float64Array): LatencyStats {
  const sorted = values.slice().sort();
  if (sorted.length === 0) return { avg: 0, min: 0, med: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    avg: sum / sorted.length,
    min: sorted[0]!,
    med: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

/**
 * k6's http_req_failed as couponbench counts it: a 5xx (our server's `failed:<cause>`, or any other
 * 5xx as `http_5xx`), a client timeout or a connection error. 409/410 are answers, not failures;
 * interrupted requests were cut by the harness at the end of the run.
 */
export function isFailedResult(result: string): boolean {
  return result.startsWith('failed:') || /^http_5\d\d$/.test(result) || result === CLIENT_RESULTS.timeout || result === CLIENT_RESULTS.connError;
}

export function failedRequests(results: Record<string, number>): number {
  let n = 0;
  for (const [result, count] of Object.entries(results)) if (isFailedResult(result)) n += count;
  return n;
}

function responseLatencies(log: RequestLog, keep: (i: number) => boolean): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < log.length; i++) if (log.status[i]! > 0 && keep(i)) out.push(log.latencyMs[i]!);
  return Float64Array.from(out);
}

export function summarise(run: LoadRun): LoadSummary {
  const { log } = run;
  const statusCounts: Record<string, number> = {};
  const results: Record<string, number> = {};
  const users = new Set<number>();
  let responses = 0;
  for (let i = 0; i < log.length; i++) {
    const status = log.status[i]!;
    const result = log.resultOf(i);
    results[result] = (results[result] ?? 0) + 1;
    if (status > 0) {
      responses++;
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    }
    users.add(log.userId[i]!);
  }
  const durationS = run.durationMs / 1000;
  const issued = results.issued ?? 0;
  return {
    requests: log.length,
    responses,
    durationS,
    rate: durationS > 0 ? log.length / durationS : 0,
    issued,
    issuedRate: durationS > 0 ? issued / durationS : 0,
    latency: latencyStats(responseLatencies(log, () => true)),
    statusCounts,
    results,
    timeouts: results[CLIENT_RESULTS.timeout] ?? 0,
    errors: results[CLIENT_RESULTS.connError] ?? 0,
    interrupted: results[CLIENT_RESULTS.interrupted] ?? 0,
    peakVUs: run.vuSamples.reduce((m, s) => Math.max(m, s.vus), 0),
    distinctUsers: users.size,
  };
}

/** One point per second: VUs at the start of the second, requests sent in it, responses completed in it. */
export function perSecondSeries(run: LoadRun): SeriesPoint[] {
  const { log } = run;
  const seconds = Math.max(1, Math.ceil(run.durationMs / 1000));
  const points: SeriesPoint[] = [];
  const latencies: number[][] = [];
  for (let s = 0; s < seconds; s++) {
    points.push({ second: s, vus: 0, sent: 0, responses: 0, issued: 0, failed: 0, p50: 0, p95: 0, p99: 0 });
    latencies.push([]);
  }
  for (let i = 0; i < log.length; i++) {
    const sent = log.sentAtMs[i]!;
    const sentSecond = Math.min(seconds - 1, Math.floor(sent / 1000));
    points[sentSecond]!.sent++;
    const doneSecond = Math.min(seconds - 1, Math.floor((sent + log.latencyMs[i]!) / 1000));
    const point = points[doneSecond]!;
    const status = log.status[i]!;
    const result = log.resultOf(i);
    if (status > 0) {
      point.responses++;
      latencies[doneSecond]!.push(log.latencyMs[i]!);
    }
    if (result === 'issued') point.issued++;
    if (isFailedResult(result)) point.failed++;
  }
  let sample = 0;
  for (const point of points) {
    while (sample + 1 < run.vuSamples.length && run.vuSamples[sample + 1]!.atMs <= point.second * 1000) sample++;
    point.vus = run.vuSamples[sample]?.vus ?? 0;
    const sorted = Float64Array.from(latencies[point.second]!).sort();
    point.p50 = percentile(sorted, 50);
    point.p95 = percentile(sorted, 95);
    point.p99 = percentile(sorted, 99);
  }
  return points;
}
