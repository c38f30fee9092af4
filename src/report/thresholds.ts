import { UsageError } from '../errors.js';
import { failureCounts } from './compare.js';
import type { Report } from './schema.js';

/**
 * k6-style pass/fail criteria on a run's figures: `p95<500ms`, `failed<1%`, `issued_rate>800`.
 * Latency metrics take ms or s; rates of requests take %; `*_rate` metrics are per second.
 */
export interface Threshold {
  expression: string;
  metric: string;
  op: '<' | '<=' | '>' | '>=' | '==';
  value: number;
}

export interface ThresholdCheck extends Threshold {
  actual: number;
  ok: boolean;
}

type Reader = (r: Report) => number;

const share = (pick: (f: ReturnType<typeof failureCounts>) => number): Reader => (r) =>
  r.load.requests > 0 ? (100 * pick(failureCounts(r.load.results))) / r.load.requests : 0;

/** Metric name -> how to read it from a report, and its unit kind. */
const METRICS: Record<string, { read: Reader; unit: 'ms' | '%' | '/s' | '' }> = {
  avg: { read: (r) => r.load.latency.avg, unit: 'ms' },
  med: { read: (r) => r.load.latency.med, unit: 'ms' },
  p50: { read: (r) => r.load.latency.med, unit: 'ms' },
  p90: { read: (r) => r.load.latency.p90, unit: 'ms' },
  p95: { read: (r) => r.load.latency.p95, unit: 'ms' },
  p99: { read: (r) => r.load.latency.p99, unit: 'ms' },
  max: { read: (r) => r.load.latency.max, unit: 'ms' },
  // http_req_failed (5xx, client timeouts, connection errors) plus lock timeouts / retries exhausted.
  failed: { read: share((f) => f.lockTimeout + f.deadlock + f.other5xx + f.clientTimeout), unit: '%' },
  lock_timeout: { read: share((f) => f.lockTimeout), unit: '%' },
  deadlock: { read: share((f) => f.deadlock), unit: '%' },
  errors_5xx: { read: share((f) => f.other5xx), unit: '%' },
  client_timeout: { read: share((f) => f.clientTimeout), unit: '%' },
  reqs_rate: { read: (r) => r.load.rate, unit: '/s' },
  issued_rate: { read: (r) => r.load.issuedRate, unit: '/s' },
  issued: { read: (r) => r.load.issued, unit: '' },
};

const PATTERN = /^\s*([a-z_0-9]+)\s*(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|%|\/s)?\s*$/;

export function parseThreshold(expression: string): Threshold {
  const m = PATTERN.exec(expression);
  if (!m) throw new UsageError(`threshold "${expression}" is not METRIC<VALUE, e.g. p95<500ms, failed<1%, issued_rate>800`);
  const [, metric, op, raw, unit] = m;
  const known = METRICS[metric!];
  if (!known) throw new UsageError(`threshold "${expression}": unknown metric "${metric}" (known: ${Object.keys(METRICS).join(', ')})`);
  let value = Number(raw);
  if (known.unit === 'ms' && unit === 's') value *= 1000;
  else if (unit && unit !== known.unit && !(known.unit === 'ms' && unit === 'ms')) {
    throw new UsageError(`threshold "${expression}": ${metric} is measured in ${known.unit || 'a count'}, not ${unit}`);
  }
  return { expression: expression.trim(), metric: metric!, op: op as Threshold['op'], value };
}

export function checkThreshold(t: Threshold, report: Report): ThresholdCheck {
  const actual = METRICS[t.metric]!.read(report);
  const ok =
    t.op === '<' ? actual < t.value : t.op === '<=' ? actual <= t.value : t.op === '>' ? actual > t.value : t.op === '>=' ? actual >= t.value : actual === t.value;
  return { ...t, actual, ok };
}

export function metricUnit(metric: string): string {
  return METRICS[metric]?.unit ?? '';
}
