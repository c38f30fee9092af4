import { UsageError } from '../errors.js';
import { METRIC_NAMES, METRICS, type MetricUnit } from './metrics.js';
import type { Report } from './schema.js';

/**
 * k6-style pass/fail criteria on a run's metrics: `p95<500ms`, `failed<1%`, `issued_rate>800`.
 * Latency metrics take ms or s; shares of requests take %; `*_rate` metrics are per second.
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

const PATTERN = /^\s*([a-z_0-9]+)\s*(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|%|\/s)?\s*$/;

export function parseThreshold(expression: string): Threshold {
  const m = PATTERN.exec(expression);
  if (!m) throw new UsageError(`threshold "${expression}" is not METRIC<VALUE, e.g. p95<500ms, failed<1%, issued_rate>800`);
  const [, metric, op, raw, unit] = m;
  const known = METRICS[metric!];
  if (!known) throw new UsageError(`threshold "${expression}": unknown metric "${metric}" (known: ${METRIC_NAMES.join(', ')})`);
  let value = Number(raw);
  if (known.unit === 'ms' && unit === 's') value *= 1000;
  else if (unit && unit !== known.unit) {
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

export function metricUnit(metric: string): MetricUnit {
  return METRICS[metric]?.unit ?? '';
}
