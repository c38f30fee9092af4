/**
 * The run's per-second sample: what the terminal progress line, the dashboard and the metric
 * exporters all show while the load runs, computed once from the request log as it grows.
 */
import type { DriveTick } from '../load/driver.js';
import { LatencyHistogram } from '../load/latencyHistogram.js';
import { classify, OUTCOME_CLASSES, type Observation, type OutcomeClass } from '../outcomes.js';

export interface LiveSample {
  /** Seconds since the load started. */
  atS: number;
  totalS: number;
  vus: number;
  /** Answers so far by observation (issued, sold_out, failed:deadlock, timeout, ...): couponbench_http_reqs_total. */
  requests: Record<Observation, number>;
  /** Answers since the last sample by outcome class, per second. */
  rate: Record<OutcomeClass, number>;
  /** Latency of the answers since the last sample (ms); 0 when there were none. */
  latencyMs: { p50: number; p95: number; p99: number };
  /** Clients told issued so far. */
  issued: number;
  /** The stock left as last read on the system under test (read-only probe); null where it cannot be read. */
  stockLeft: number | null;
}

const zeroClasses = (): Record<OutcomeClass, number> => Object.fromEntries(OUTCOME_CLASSES.map((c) => [c, 0])) as Record<OutcomeClass, number>;

/** Turns each tick of the driver into a sample; reads only the log entries added since the last tick. */
export function liveSampler(stockLeft: () => number | null): (tick: DriveTick) => LiveSample {
  let seen = 0;
  let lastS = 0;
  let issued = 0;
  const requests: Record<Observation, number> = {};
  return (tick) => {
    const { log } = tick;
    const window = zeroClasses();
    const latency = LatencyHistogram.empty();
    const end = log.length;
    for (let i = seen; i < end; i++) {
      const observation = log.observationOf(i);
      requests[observation] = (requests[observation] ?? 0) + 1;
      const c = classify(observation).class;
      window[c]++;
      if (c === 'success') issued++;
      if (log.status.get(i) > 0) latency.record(log.latencyMs.get(i));
    }
    seen = end;
    const spanS = Math.max(0.001, tick.elapsedS - lastS);
    lastS = tick.elapsedS;
    const rate = zeroClasses();
    for (const c of OUTCOME_CLASSES) rate[c] = window[c] / spanS;
    const has = latency.count > 0;
    return {
      atS: tick.elapsedS,
      totalS: tick.totalS,
      vus: tick.vus,
      requests: { ...requests },
      rate,
      latencyMs: { p50: has ? latency.at(50) : 0, p95: has ? latency.at(95) : 0, p99: has ? latency.at(99) : 0 },
      issued,
      stockLeft: stockLeft(),
    };
  };
}
