/**
 * A run that sells out is two runs: the sale, while stock lasts, and the sold-out phase, when
 * cheap 410s dominate every figure. The boundary is what the clients saw: the last "issued"
 * answer, when the service said "sold out" after it. A run that never sells out is all sale.
 */
import { z } from 'zod';
import type { LoadRun } from './driver.js';
import { LatencyHistogram } from './latencyHistogram.js';

export const PhaseSchema = z.object({
  startS: z.number(),
  endS: z.number(),
  requests: z.number().int(),
  issued: z.number().int(),
  /** Requests sent per second of the phase. */
  rate: z.number(),
  /** Coupons issued per second of the phase: for the sale phase, the rate while stock lasted. */
  issuedRate: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
  /** Arrival-rate executors: p95 measured from each request's intended start (absent for VUs). */
  p95FromIntended: z.number().optional(),
  /** The HDR histograms behind p50..p99 and p95FromIntended, encoded, so repeats merge; absent in older reports. */
  hdr: z.string().optional(),
  hdrFromIntended: z.string().optional(),
});
export type Phase = z.infer<typeof PhaseSchema>;

export const PhasesSchema = z.object({
  /** When the last coupon was issued, if the service said "sold out" afterwards (null: it never sold out). */
  soldOutAtS: z.number().nullable(),
  sale: PhaseSchema,
  soldOut: PhaseSchema.nullable(),
});
export type Phases = z.infer<typeof PhasesSchema>;

export function splitPhases(run: LoadRun): Phases {
  const { log } = run;
  let lastIssuedEnd = -1;
  for (let i = 0; i < log.length; i++) {
    if (log.observationOf(i) === 'issued') lastIssuedEnd = Math.max(lastIssuedEnd, log.sentAtMs.get(i) + log.latencyMs.get(i));
  }
  let soldOutLater = false;
  for (let i = 0; i < log.length && lastIssuedEnd >= 0; i++) {
    if (log.observationOf(i) === 'sold_out' && log.sentAtMs.get(i) >= lastIssuedEnd) soldOutLater = true;
  }
  const boundaryMs = soldOutLater ? lastIssuedEnd : run.durationMs;
  const open = run.droppedIterations !== undefined;
  const phase = (fromMs: number, toMs: number): Phase => {
    let requests = 0;
    let issued = 0;
    const latencies = LatencyHistogram.empty();
    const fromIntended = LatencyHistogram.empty();
    for (let i = 0; i < log.length; i++) {
      const sent = log.sentAtMs.get(i);
      if (sent < fromMs || sent >= toMs) continue;
      requests++;
      if (log.observationOf(i) === 'issued') issued++;
      if (log.status.get(i) === 0) continue;
      latencies.record(log.latencyMs.get(i));
      if (open) fromIntended.record(log.latencyMs.get(i) + log.scheduleLagMs(i));
    }
    const seconds = Math.max(toMs - fromMs, 1) / 1000;
    return {
      startS: fromMs / 1000,
      endS: toMs / 1000,
      requests,
      issued,
      rate: requests / seconds,
      issuedRate: issued / seconds,
      p50: latencies.at(50),
      p95: latencies.at(95),
      p99: latencies.at(99),
      hdr: latencies.encode(),
      ...(open ? { p95FromIntended: fromIntended.at(95), hdrFromIntended: fromIntended.encode() } : {}),
    };
  };
  // Requests sent up to the moment the last unit was answered belong to the sale (inclusive).
  const sale = phase(0, boundaryMs + (soldOutLater ? 1e-6 : 0));
  return {
    soldOutAtS: soldOutLater ? boundaryMs / 1000 : null,
    sale,
    soldOut: soldOutLater ? phase(boundaryMs + 1e-6, Math.max(run.durationMs, boundaryMs + 1e-6)) : null,
  };
}
