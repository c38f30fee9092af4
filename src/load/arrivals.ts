/**
 * When each iteration of an arrival-rate executor is meant to start. The rate moves linearly
 * through the stages (k6's ramping-arrival-rate; a constant rate is one flat stage), so the
 * number of arrivals by time t is the integral of the rate, and the k-th arrival's intended time
 * solves that integral = k: a closed form per stage (linear, or quadratic on a ramp).
 */
import type { Stage } from '../config.js';

export interface ArrivalPlan {
  startRate: number;
  /** Seconds the rates are given per (k6's timeUnit). */
  timeUnit: number;
  stages: Stage[];
}

interface Segment {
  start: number;
  duration: number;
  /** Iterations per second at the segment's start and end. */
  from: number;
  to: number;
  /** Arrivals before the segment. */
  before: number;
}

export class ArrivalSchedule {
  private readonly segments: Segment[] = [];
  readonly total: number;
  readonly durationS: number;

  constructor(plan: ArrivalPlan) {
    let start = 0;
    let before = 0;
    let from = plan.startRate / plan.timeUnit;
    for (const stage of plan.stages) {
      const to = stage.target / plan.timeUnit;
      this.segments.push({ start, duration: stage.duration, from, to, before });
      before += ((from + to) / 2) * stage.duration;
      start += stage.duration;
      from = to;
    }
    this.total = before;
    this.durationS = start;
  }

  /** Arrivals due by `t` seconds (whole iterations). */
  dueBy(t: number): number {
    for (const s of this.segments) {
      if (t < s.start + s.duration) {
        const tau = Math.max(0, t - s.start);
        const slope = s.duration > 0 ? (s.to - s.from) / s.duration : 0;
        return Math.floor(s.before + s.from * tau + (slope * tau * tau) / 2 + 1e-9);
      }
    }
    return Math.floor(this.total + 1e-9);
  }

  /** Seconds at which arrival number k (1-based) is meant to start. */
  timeOf(k: number): number {
    for (const s of this.segments) {
      const after = s.before + ((s.from + s.to) / 2) * s.duration;
      if (k > after + 1e-9) continue;
      const need = k - s.before;
      const slope = s.duration > 0 ? (s.to - s.from) / s.duration : 0;
      if (Math.abs(slope) < 1e-12) return s.start + (s.from > 0 ? need / s.from : 0);
      // from * tau + slope * tau^2 / 2 = need
      const tau = (-s.from + Math.sqrt(Math.max(0, s.from * s.from + 2 * slope * need))) / slope;
      return s.start + Math.min(s.duration, Math.max(0, tau));
    }
    return this.durationS;
  }
}
