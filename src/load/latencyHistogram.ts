/**
 * Latency percentiles from an HDR histogram (hdr-histogram-js, as autocannon and wrk2 keep
 * theirs): constant memory whatever the number of requests, 3 significant digits, values kept in
 * microseconds. Sorting a copy of every latency of a 5-million-request run costs more memory than
 * the run's own log.
 */
import * as hdr from 'hdr-histogram-js';

const MICROS = 1000;
const HOUR_US = 3_600_000_000;

import type { LatencyStats } from './summary.js';

export class LatencyHistogram {
  private readonly h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: HOUR_US, numberOfSignificantValueDigits: 3 });

  record(ms: number): void {
    this.h.recordValue(Math.min(HOUR_US, Math.max(0, Math.round(ms * MICROS))));
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** Milliseconds at percentile p (0..100); 0 when nothing was recorded. */
  at(p: number): number {
    return this.count === 0 ? 0 : this.h.getValueAtPercentile(p) / MICROS;
  }

  stats(): LatencyStats {
    if (this.count === 0) return { avg: 0, min: 0, med: 0, p90: 0, p95: 0, p99: 0, max: 0 };
    return {
      avg: this.h.mean / MICROS,
      min: this.h.minNonZeroValue / MICROS,
      med: this.at(50),
      p90: this.at(90),
      p95: this.at(95),
      p99: this.at(99),
      max: this.h.maxValue / MICROS,
    };
  }
}
