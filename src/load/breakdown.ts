/**
 * Where the time went, from the Server-Timing headers the driver kept: each phase's p50 and p95,
 * and what a p95 request is made of. Percentiles of parts do not add up to the percentile of the
 * whole, so the decomposition averages the phases of the requests whose latency sits at p95
 * (the 94th to 96th percentile): those parts do add up to their latency.
 */
import { z } from 'zod';
import { TOTAL_PHASE } from '../serverTiming.js';
import { LatencyHistogram } from './latencyHistogram.js';
import type { RequestLog } from './recorder.js';

export const PhaseTimingSchema = z.object({
  name: z.string(),
  /** Responses that named this phase. */
  count: z.number().int(),
  p50: z.number(),
  p95: z.number(),
});

export const BreakdownPartSchema = z.object({ name: z.string(), ms: z.number() });

export const TimeBreakdownSchema = z.object({
  /** The window the figures cover (the sale phase of a run that sold out), seconds from the start. */
  fromS: z.number(),
  toS: z.number(),
  /** Responses in the window that carried a Server-Timing header. */
  responses: z.number().int(),
  /** The named phases, then `total` when the service sent it. */
  phases: z.array(PhaseTimingSchema),
  /** Client latency at p95, and what the requests there spent it on: phases, `untimed` (in the service, outside any phase), `outside` (network, HTTP, queues before the handler). */
  p95: z.object({ latency: z.number(), parts: z.array(BreakdownPartSchema) }),
});
export type TimeBreakdown = z.infer<typeof TimeBreakdownSchema>;

/** Parts of the p95 line that are not phases a service named. */
export const UNTIMED_PART = 'untimed';
export const OUTSIDE_PART = 'outside';

/** Null when no response in the window carried a Server-Timing header. */
export function breakDown(log: RequestLog, fromMs: number, toMs: number): TimeBreakdown | null {
  if (log.timingPhases.length === 0) return null;
  // Requests in the window that got a response with a Server-Timing header; visited, never collected
  // (a list of 5 million indices is 40 MB).
  const inWindow = (i: number) => {
    const sent = log.sentAtMs.get(i);
    return sent >= fromMs && sent < toMs && log.status.get(i) !== 0 && log.timingPhases.some((p) => !Number.isNaN(log.timing(p, i)));
  };
  const histograms = log.timingPhases.map(() => LatencyHistogram.empty());
  const latencies = LatencyHistogram.empty();
  for (let i = 0; i < log.length; i++) {
    if (!inWindow(i)) continue;
    latencies.record(log.latencyMs.get(i));
    log.timingPhases.forEach((name, k) => {
      const v = log.timing(name, i);
      if (!Number.isNaN(v)) histograms[k]!.record(v);
    });
  }
  if (latencies.count === 0) return null;
  const phases = log.timingPhases
    .map((name, k) => ({ name, count: histograms[k]!.count, p50: histograms[k]!.at(50), p95: histograms[k]!.at(95) }))
    .sort((a, b) => Number(a.name === TOTAL_PHASE) - Number(b.name === TOTAL_PHASE));

  // The requests at p95 (latency between the 94th and the 96th percentile), in one more pass:
  // the mean of their latency and of each phase (a phase a request did not name counts as 0).
  const [low, high] = [latencies.at(94) * 0.999, latencies.at(96) * 1.001];
  const sums = log.timingPhases.map(() => 0);
  let latencySum = 0;
  let band = 0;
  for (let i = 0; i < log.length; i++) {
    const ms = log.latencyMs.get(i);
    if (ms < low || ms > high || !inWindow(i)) continue;
    band++;
    latencySum += ms;
    log.timingPhases.forEach((name, k) => {
      const v = log.timing(name, i);
      if (!Number.isNaN(v)) sums[k] = sums[k]! + v;
    });
  }
  const meanOf = (name: string) => (band > 0 ? sums[log.timingPhases.indexOf(name)]! / band : 0);

  const named = log.timingPhases.filter((p) => p !== TOTAL_PHASE);
  const parts = named.map((name) => ({ name, ms: meanOf(name) })).filter((p) => p.ms > 0);
  const latency = band > 0 ? latencySum / band : 0;
  const inPhases = parts.reduce((sum, p) => sum + p.ms, 0);
  if (log.timingPhases.includes(TOTAL_PHASE)) {
    const total = meanOf(TOTAL_PHASE);
    parts.push({ name: UNTIMED_PART, ms: Math.max(0, total - inPhases) });
    parts.push({ name: OUTSIDE_PART, ms: Math.max(0, latency - total) });
  } else {
    parts.push({ name: OUTSIDE_PART, ms: Math.max(0, latency - inPhases) });
  }
  return { fromS: fromMs / 1000, toS: toMs / 1000, responses: latencies.count, phases, p95: { latency, parts } };
}
