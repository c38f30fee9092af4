/**
 * Latency percentiles from an HDR histogram (hdr-histogram-js, as autocannon and wrk2 keep
 * theirs): constant memory whatever the number of requests, 3 significant digits, values kept in
 * microseconds. Sorting a copy of every latency of a 5-million-request run costs more memory than
 * the run's own log.
 *
 * A report keeps its histograms HDR-encoded (compressed, base64: HdrHistogram's V2 format, which
 * every HdrHistogram port decodes), so repeats and parts combine by adding histograms; a
 * percentile of several runs is never an average of their percentiles.
 */
import * as hdr from 'hdr-histogram-js';
import type { LatencyStats } from './summary.js';

const MICROS = 1000;
const HOUR_US = 3_600_000_000;

const build = () => hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: HOUR_US, numberOfSignificantValueDigits: 3 });

export class LatencyHistogram {
  private constructor(private readonly h: hdr.Histogram) {}

  static empty(): LatencyHistogram {
    return new LatencyHistogram(build());
  }

  /** One histogram holding every value of the encoded ones (`hdr` fields of reports). */
  static merged(encodings: string[]): LatencyHistogram {
    const sum = LatencyHistogram.empty();
    for (const encoded of encodings) sum.h.add(hdr.decodeFromCompressedBase64(encoded, 32, false));
    return sum;
  }

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

  /** Compressed and base64-encoded, in microseconds. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.h);
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

  /** The stats with the histogram they come from, as a report keeps them. */
  kept(): LatencyStats {
    return { ...this.stats(), hdr: this.encode() };
  }
}
