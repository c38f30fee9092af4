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
  const inWindow: number[] = [];
  for (let i = 0; i < log.length; i++) {
    const sent = log.sentAtMs[i]!;
    if (sent < fromMs || sent >= toMs || log.status[i]! === 0) continue;
    if (log.timingPhases.some((p) => !Number.isNaN(log.timing(p, i)))) inWindow.push(i);
  }
  if (inWindow.length === 0) return null;

  const phases = log.timingPhases
    .map((name) => {
      const h = new LatencyHistogram();
      for (const i of inWindow) {
        const v = log.timing(name, i);
        if (!Number.isNaN(v)) h.record(v);
      }
      return { name, count: h.count, p50: h.at(50), p95: h.at(95) };
    })
    .sort((a, b) => Number(a.name === TOTAL_PHASE) - Number(b.name === TOTAL_PHASE));

  // The requests at p95: latency between the 94th and the 96th percentile.
  const latencies = new LatencyHistogram();
  for (const i of inWindow) latencies.record(log.latencyMs[i]!);
  const [low, high] = [latencies.at(94), latencies.at(96)];
  let band = inWindow.filter((i) => log.latencyMs[i]! >= low * 0.999 && log.latencyMs[i]! <= high * 1.001);
  if (band.length === 0) band = inWindow;
  const mean = (value: (i: number) => number) => band.reduce((sum, i) => sum + value(i), 0) / band.length;
  const orZero = (v: number) => (Number.isNaN(v) ? 0 : v);

  const named = log.timingPhases.filter((p) => p !== TOTAL_PHASE);
  const parts = named.map((name) => ({ name, ms: mean((i) => orZero(log.timing(name, i))) })).filter((p) => p.ms > 0);
  const latency = mean((i) => log.latencyMs[i]!);
  const inPhases = parts.reduce((sum, p) => sum + p.ms, 0);
  if (log.timingPhases.includes(TOTAL_PHASE)) {
    const total = mean((i) => orZero(log.timing(TOTAL_PHASE, i)));
    parts.push({ name: UNTIMED_PART, ms: Math.max(0, total - inPhases) });
    parts.push({ name: OUTSIDE_PART, ms: Math.max(0, latency - total) });
  } else {
    parts.push({ name: OUTSIDE_PART, ms: Math.max(0, latency - inPhases) });
  }
  return { fromS: fromMs / 1000, toS: toMs / 1000, responses: inWindow.length, phases, p95: { latency, parts } };
}
