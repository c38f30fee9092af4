import { z } from 'zod';
import { classify, isHttpFailed, OutcomeTallySchema, tallyObservations } from '../outcomes.js';
import type { LoadRun } from './driver.js';
import { breakDown, TimeBreakdownSchema } from './breakdown.js';
import { LatencyHistogram } from './latencyHistogram.js';
import { PhasesSchema, splitPhases } from './phases.js';
import type { RequestLog } from './recorder.js';

const counts = z.record(z.string(), z.number().int());

/** Latency of requests that got a response, in milliseconds (k6's http_req_duration). */
export const LatencySchema = z.object({
  avg: z.number(),
  min: z.number(),
  med: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
  /** The HDR histogram behind these figures, encoded (src/load/latencyHistogram.ts); absent in older reports. */
  hdr: z.string().optional(),
});
export type LatencyStats = z.infer<typeof LatencySchema>;

/** What the clients saw over the whole run. */
export const LoadSummarySchema = z.object({
  /** Requests sent; each ends as a response, a timeout, a connection error or interrupted. */
  requests: z.number().int(),
  responses: z.number().int(),
  durationS: z.number(),
  /** Requests per second over the run's duration, as k6's http_reqs rate. */
  rate: z.number(),
  issued: z.number().int(),
  issuedRate: z.number(),
  latency: LatencySchema,
  statusCounts: counts,
  /** Requests by observation (src/outcomes.ts): issued, sold_out, failed:deadlock, timeout, ... */
  results: counts,
  /** The classes and failure groups of `results`, derived once by src/outcomes.ts. */
  outcomes: OutcomeTallySchema,
  peakVUs: z.number().int(),
  distinctUsers: z.number().int(),
  /** The sale (while stock lasted) and the sold-out phase, apart (src/load/phases.ts); absent in older reports. */
  phases: PhasesSchema.optional(),
  /** Arrival-rate executors: iterations due when every VU was busy and maxVUs was reached (k6's dropped_iterations). */
  droppedIterations: z.number().int().optional(),
  /**
   * Arrival-rate executors: latency measured from each request's intended start, as wrk2 reports
   * it (corrected for coordinated omission); `latency` is from the moment it was sent.
   */
  latencyFromIntended: LatencySchema.optional(),
  /** Connection errors by socket error code (EMFILE: this machine ran out of file descriptors; ECLOSED: the server closed the socket). */
  connErrors: counts.optional(),
  /** A driver on several threads (--workers): what each sent and the CPU its thread used (null where /proc cannot say). */
  workers: z
    .array(z.object({ worker: z.number().int(), requests: z.number().int(), cpuPercent: z.number().nullable(), cpuUsPerRequest: z.number().nullable() }))
    .optional(),
  /** Where the sale phase's time went, from Server-Timing headers (null: the service sent none). */
  breakdown: TimeBreakdownSchema.nullable().optional(),
});
export type LoadSummary = z.infer<typeof LoadSummarySchema>;

/** Coupons issued per second while stock lasted (a report older than phases: over the run). */
export function saleIssuedRate(l: LoadSummary): number {
  return l.phases?.sale.issuedRate ?? l.issuedRate;
}

export const SeriesPointSchema = z.object({
  second: z.number().int(),
  vus: z.number().int(),
  sent: z.number().int(),
  responses: z.number().int(),
  issued: z.number().int(),
  /** http_req_failed this second (src/outcomes.ts). */
  failed: z.number().int(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
});
export type SeriesPoint = z.infer<typeof SeriesPointSchema>;

export { percentile } from './percentile.js';

/** Distinct user ids as a bitset: a Set of a million numbers costs tens of MB, this 125 KB. */
class UserSet {
  private bits = new Uint8Array(1024);
  size = 0;

  add(id: number): void {
    const byte = id >>> 3;
    if (byte >= this.bits.length) {
      const next = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      next.set(this.bits);
      this.bits = next;
    }
    const mask = 1 << (id & 7);
    if ((this.bits[byte]! & mask) === 0) {
      this.bits[byte] = this.bits[byte]! | mask;
      this.size++;
    }
  }
}

export function summarise(run: LoadRun): LoadSummary {
  const { log } = run;
  const statusCounts: Record<string, number> = {};
  const results: Record<string, number> = {};
  const users = new UserSet();
  const latency = LatencyHistogram.empty();
  const open = run.droppedIterations !== undefined;
  const fromIntended = LatencyHistogram.empty();
  let responses = 0;
  for (let i = 0; i < log.length; i++) {
    const status = log.status.get(i);
    const observation = log.observationOf(i);
    results[observation] = (results[observation] ?? 0) + 1;
    if (status > 0) {
      responses++;
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      latency.record(log.latencyMs.get(i));
      if (open) fromIntended.record(log.latencyMs.get(i) + log.scheduleLagMs(i));
    }
    users.add(log.userId.get(i));
  }
  const durationS = run.durationMs / 1000;
  const outcomes = tallyObservations(results);
  const issued = outcomes.classes.success;
  const phases = splitPhases(run);
  return {
    requests: log.length,
    responses,
    durationS,
    rate: durationS > 0 ? log.length / durationS : 0,
    issued,
    issuedRate: durationS > 0 ? issued / durationS : 0,
    latency: latency.kept(),
    statusCounts,
    results,
    outcomes,
    peakVUs: run.vuSamples.reduce((m, s) => Math.max(m, s.vus), 0),
    distinctUsers: users.size,
    phases,
    ...(run.connErrors && Object.keys(run.connErrors).length > 0 ? { connErrors: run.connErrors } : {}),
    ...(run.workers
      ? {
          workers: run.workers.map((w) => ({
            worker: w.worker,
            requests: w.requests,
            cpuPercent: w.cpuMs === null || run.durationMs <= 0 ? null : (w.cpuMs / run.durationMs) * 100,
            cpuUsPerRequest: w.cpuMs === null || w.requests === 0 ? null : (w.cpuMs * 1000) / w.requests,
          })),
        }
      : {}),
    ...(open ? { droppedIterations: run.droppedIterations, latencyFromIntended: fromIntended.kept() } : {}),
    breakdown: breakDown(log, phases.sale.startS * 1000, phases.sale.endS * 1000 + 1e-6),
  };
}

/** One point per second: VUs at the start of the second, requests sent in it, responses completed in it. */
export function perSecondSeries(run: LoadRun): SeriesPoint[] {
  const { log } = run;
  const seconds = Math.max(1, Math.ceil(run.durationMs / 1000));
  const points: SeriesPoint[] = [];
  const latencies: LatencyHistogram[] = [];
  for (let s = 0; s < seconds; s++) {
    points.push({ second: s, vus: 0, sent: 0, responses: 0, issued: 0, failed: 0, p50: 0, p95: 0, p99: 0 });
    latencies.push(LatencyHistogram.empty());
  }
  for (let i = 0; i < log.length; i++) {
    const sent = log.sentAtMs.get(i);
    const sentSecond = Math.min(seconds - 1, Math.floor(sent / 1000));
    points[sentSecond]!.sent++;
    const doneSecond = Math.min(seconds - 1, Math.floor((sent + log.latencyMs.get(i)) / 1000));
    const point = points[doneSecond]!;
    const status = log.status.get(i);
    const observation = log.observationOf(i);
    if (status > 0) {
      point.responses++;
      latencies[doneSecond]!.record(log.latencyMs.get(i));
    }
    const c = classify(observation);
    if (c.class === 'success') point.issued++;
    if (isHttpFailed(c)) point.failed++;
  }
  let sample = 0;
  for (const point of points) {
    while (sample + 1 < run.vuSamples.length && run.vuSamples[sample + 1]!.atMs <= point.second * 1000) sample++;
    point.vus = run.vuSamples[sample]?.vus ?? 0;
    const second = latencies[point.second]!;
    point.p50 = second.at(50);
    point.p95 = second.at(95);
    point.p99 = second.at(99);
  }
  return points;
}
