/**
 * Named figures of a run, k6's way: a threshold names a metric, and that name is the one printed.
 * Failure metrics come from the outcome classification (src/outcomes.ts), never from a list kept here.
 */
import { FAILURE_GROUP_NAMES, FAILURE_GROUPS } from '../outcomes.js';
import { saleIssuedRate } from '../load/summary.js';
import { cpuCost } from './cpuCost.js';
import { efficiency, type Report } from './schema.js';

export type MetricUnit = 'ms' | '%' | '/s' | '';

export interface Metric {
  unit: MetricUnit;
  meaning: string;
  read(report: Report): number;
}

const shareOfRequests = (count: (r: Report) => number) => (r: Report) => (r.load.requests > 0 ? (100 * count(r)) / r.load.requests : 0);

export const METRICS: Record<string, Metric> = {
  avg: { unit: 'ms', meaning: 'mean http_req_duration', read: (r) => r.load.latency.avg },
  med: { unit: 'ms', meaning: 'median http_req_duration', read: (r) => r.load.latency.med },
  p50: { unit: 'ms', meaning: 'median http_req_duration (same as med)', read: (r) => r.load.latency.med },
  p90: { unit: 'ms', meaning: '90th percentile http_req_duration', read: (r) => r.load.latency.p90 },
  p95: { unit: 'ms', meaning: '95th percentile http_req_duration', read: (r) => r.load.latency.p95 },
  p99: { unit: 'ms', meaning: '99th percentile http_req_duration', read: (r) => r.load.latency.p99 },
  max: { unit: 'ms', meaning: 'slowest http_req_duration', read: (r) => r.load.latency.max },
  failed: { unit: '%', meaning: "http_req_failed, k6's: 5xx, client timeouts, connection errors, answers outside the contract", read: shareOfRequests((r) => r.load.outcomes.failed) },
  unserved: { unit: '%', meaning: 'failed plus lock timeouts and exhausted retries: neither a coupon nor a business answer', read: shareOfRequests((r) => r.load.outcomes.unserved) },
  ...Object.fromEntries(
    FAILURE_GROUP_NAMES.map((g) => [g, { unit: '%', meaning: FAILURE_GROUPS[g].meaning, read: shareOfRequests((r) => r.load.outcomes.failures[g]) } satisfies Metric]),
  ),
  reqs_rate: { unit: '/s', meaning: 'requests per second (http_reqs rate)', read: (r) => r.load.rate },
  issued_rate: { unit: '/s', meaning: 'coupons issued per second while stock lasted (the sale phase)', read: (r) => saleIssuedRate(r.load) },
  issued: { unit: '', meaning: 'coupons the clients were told were issued', read: (r) => r.load.issued },
  issued_per_db_cpu_s: { unit: '', meaning: 'coupons issued per CPU-second of the database and Redis processes over the load', read: (r) => cpuCost(r.load.issued, r.cpu).perStoreCpuS ?? NaN },
  issued_per_cpu_s: { unit: '', meaning: 'coupons issued per CPU-second of the whole machine over the load', read: (r) => cpuCost(r.load.issued, r.cpu).perMachineCpuS ?? NaN },
  dropped_iterations: { unit: '', meaning: 'arrival-rate executors: iterations due when no VU was free (0 for ramping-vus)', read: (r) => r.load.droppedIterations ?? 0 },
  efficiency: { unit: '', meaning: "sale-phase issue rate over the hot-row ceiling of the strategy's shape (needs a calibration)", read: (r) => efficiency(r)?.value ?? NaN },
};

export const METRIC_NAMES = Object.keys(METRICS);
