import type { Observation } from '../outcomes.js';
import { parseServerTiming } from '../serverTiming.js';

/** Phases named by services beyond this many are ignored: a column each, for every request. */
const MAX_TIMING_PHASES = 12;

/**
 * Append-only, columnar log of every request the load generator sent: when, for which user, how
 * long it took and what came back. Everything else (summaries, series, fairness) is computed
 * from it after the run. About 20 bytes a request, so a 90 s run at 2,000 VUs stays small.
 */
export interface RequestRecord {
  sentAtMs: number;
  latencyMs: number;
  status: number;
  observation: Observation;
  userId: number;
  /** How late the request went out after its intended start (arrival-rate executors; 0 otherwise). */
  scheduleLagMs?: number;
  /** The response's Server-Timing header, kept per phase (NaN where a request had no such phase). */
  serverTiming?: string | string[];
}

export class RequestLog {
  private cap = 1024;
  length = 0;
  sentAtMs = new Float64Array(this.cap);
  latencyMs = new Float32Array(this.cap);
  status = new Uint16Array(this.cap);
  observationIndex = new Uint8Array(this.cap);
  userId = new Uint32Array(this.cap);
  scheduleLagMs = new Float32Array(this.cap);
  readonly observations: Observation[] = [];
  private readonly indexOfObservation = new Map<string, number>();
  /** Server-Timing phases in the order first seen, and their columns (ms, NaN when absent). */
  readonly timingPhases: string[] = [];
  private timingColumns: Float32Array[] = [];

  add(r: RequestRecord): void {
    if (this.length === this.cap) this.grow();
    const i = this.length++;
    this.sentAtMs[i] = r.sentAtMs;
    this.latencyMs[i] = r.latencyMs;
    this.status[i] = r.status;
    this.observationIndex[i] = this.intern(r.observation);
    this.userId[i] = r.userId;
    this.scheduleLagMs[i] = r.scheduleLagMs ?? 0;
    // Columns start as NaN and each row is written once, so phases a response did not name stay NaN.
    if (r.serverTiming !== undefined) {
      parseServerTiming(r.serverTiming, (name, ms) => {
        const column = this.timingColumn(name);
        if (column) column[i] = ms;
      });
    }
  }

  /** Milliseconds the server said request i spent in `phase` (NaN when it did not say). */
  timing(phase: string, i: number): number {
    const index = this.timingPhases.indexOf(phase);
    return index < 0 ? NaN : this.timingColumns[index]![i]!;
  }

  private timingColumn(name: string): Float32Array | undefined {
    const index = this.timingPhases.indexOf(name);
    if (index >= 0) return this.timingColumns[index];
    if (this.timingPhases.length >= MAX_TIMING_PHASES) return undefined;
    this.timingPhases.push(name);
    const column = new Float32Array(this.cap).fill(NaN);
    this.timingColumns.push(column);
    return column;
  }

  observationOf(i: number): Observation {
    return this.observations[this.observationIndex[i]!]!;
  }

  private intern(observation: Observation): number {
    let index = this.indexOfObservation.get(observation);
    if (index === undefined) {
      if (this.observations.length >= 255) throw new Error('too many distinct observations');
      index = this.observations.length;
      this.observations.push(observation);
      this.indexOfObservation.set(observation, index);
    }
    return index;
  }

  private grow(): void {
    this.cap *= 2;
    const grow = <T extends Float64Array | Float32Array | Uint16Array | Uint8Array | Uint32Array>(a: T, make: new (n: number) => T): T => {
      const next = new make(this.cap);
      next.set(a);
      return next;
    };
    this.sentAtMs = grow(this.sentAtMs, Float64Array);
    this.latencyMs = grow(this.latencyMs, Float32Array);
    this.status = grow(this.status, Uint16Array);
    this.observationIndex = grow(this.observationIndex, Uint8Array);
    this.userId = grow(this.userId, Uint32Array);
    this.scheduleLagMs = grow(this.scheduleLagMs, Float32Array);
    this.timingColumns = this.timingColumns.map((c) => {
      const next = grow(c, Float32Array);
      next.fill(NaN, c.length);
      return next;
    });
  }
}
