import type { Observation } from '../outcomes.js';
import { parseServerTiming } from '../serverTiming.js';
import { Column } from './column.js';

/** Phases named by services beyond this many are ignored: a column each, for every request. */
const MAX_TIMING_PHASES = 12;

/**
 * Append-only, columnar log of every request the load generator sent: when, for which user, how
 * long it took and what came back. Everything else (summaries, series, fairness) is computed
 * from it after the run. About 20 bytes a request (plus 4 per Server-Timing phase), in chunks
 * that never copy: 5 million requests stay under 200 MB.
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

/**
 * Requests i..j of a log as typed columns: what a driver worker sends its main thread (the
 * buffers are moved, not copied), a few bytes a request rather than an object each.
 */
export interface RecordBatch {
  sentAtMs: Float64Array;
  latencyMs: Float32Array;
  status: Uint16Array;
  userId: Uint32Array;
  /** Index into `observations`. */
  observation: Uint8Array;
  observations: Observation[];
  lags?: Float32Array;
  /** Per Server-Timing phase, ms (NaN where a request did not name it). */
  timings: Array<{ phase: string; ms: Float32Array }>;
}

/** The buffers of a batch, to move them to another thread. */
export function batchBuffers(b: RecordBatch): ArrayBuffer[] {
  return [b.sentAtMs, b.latencyMs, b.status, b.userId, b.observation, ...(b.lags ? [b.lags] : []), ...b.timings.map((t) => t.ms)].map((a) => a.buffer as ArrayBuffer);
}

export class RequestLog {
  length = 0;
  readonly sentAtMs = new Column((n) => new Float64Array(n));
  readonly latencyMs = new Column((n) => new Float32Array(n));
  readonly status = new Column((n) => new Uint16Array(n));
  private readonly observationIndex = new Column((n) => new Uint8Array(n));
  readonly userId = new Column((n) => new Uint32Array(n));
  /** Only arrival-rate runs have lags; a closed run keeps none (0 for every request). */
  private lags: Column<Float32Array> | undefined;
  readonly observations: Observation[] = [];
  private readonly indexOfObservation = new Map<string, number>();
  /** Server-Timing phases in the order first seen, and their columns (ms, NaN when absent). */
  readonly timingPhases: string[] = [];
  private readonly timingColumns: Array<Column<Float32Array>> = [];

  add(r: RequestRecord): void {
    const i = this.length++;
    this.sentAtMs.set(i, r.sentAtMs);
    this.latencyMs.set(i, r.latencyMs);
    this.status.set(i, r.status);
    this.observationIndex.set(i, this.intern(r.observation));
    this.userId.set(i, r.userId);
    if (r.scheduleLagMs) {
      this.lags ??= new Column((n) => new Float32Array(n));
      this.lags.set(i, r.scheduleLagMs);
    }
    // Columns start as NaN and each row is written once, so phases a response did not name stay NaN.
    if (r.serverTiming !== undefined) {
      parseServerTiming(r.serverTiming, (name, ms) => this.timingColumn(name)?.set(i, ms));
    }
  }

  /** Requests from..length-1 as a batch. */
  batch(from: number): RecordBatch {
    const n = Math.max(0, this.length - from);
    const fill = <T extends Float64Array | Float32Array | Uint16Array | Uint32Array | Uint8Array>(to: T, column: { get(i: number): number }) => {
      for (let k = 0; k < n; k++) to[k] = column.get(from + k);
      return to;
    };
    return {
      sentAtMs: fill(new Float64Array(n), this.sentAtMs),
      latencyMs: fill(new Float32Array(n), this.latencyMs),
      status: fill(new Uint16Array(n), this.status),
      userId: fill(new Uint32Array(n), this.userId),
      observation: fill(new Uint8Array(n), this.observationIndex),
      observations: [...this.observations],
      ...(this.lags ? { lags: fill(new Float32Array(n), this.lags) } : {}),
      timings: this.timingPhases.map((phase, k) => ({ phase, ms: fill(new Float32Array(n), this.timingColumns[k]!) })),
    };
  }

  /** Add every request of a batch, in its order. */
  append(b: RecordBatch): void {
    const observation = b.observations.map((o) => this.intern(o));
    const timings = b.timings.map((t) => ({ column: this.timingColumn(t.phase), ms: t.ms }));
    for (let k = 0; k < b.sentAtMs.length; k++) {
      const i = this.length++;
      this.sentAtMs.set(i, b.sentAtMs[k]!);
      this.latencyMs.set(i, b.latencyMs[k]!);
      this.status.set(i, b.status[k]!);
      this.observationIndex.set(i, observation[b.observation[k]!]!);
      this.userId.set(i, b.userId[k]!);
      const lag = b.lags?.[k];
      if (lag) {
        this.lags ??= new Column((n) => new Float32Array(n));
        this.lags.set(i, lag);
      }
      for (const t of timings) if (t.column && !Number.isNaN(t.ms[k])) t.column.set(i, t.ms[k]!);
    }
  }

  observationOf(i: number): Observation {
    return this.observations[this.observationIndex.get(i)]!;
  }

  /** How late request i went out after its intended start (0 in a closed-model run). */
  scheduleLagMs(i: number): number {
    return this.lags ? this.lags.get(i) : 0;
  }

  /** Request i as it was added (its Server-Timing as a header of the phases kept): to copy it into another log. */
  record(i: number): RequestRecord {
    const timing = this.timingPhases.flatMap((phase, k) => {
      const ms = this.timingColumns[k]!.get(i);
      return Number.isNaN(ms) ? [] : [`${phase};dur=${ms}`];
    });
    const lag = this.scheduleLagMs(i);
    return {
      sentAtMs: this.sentAtMs.get(i),
      latencyMs: this.latencyMs.get(i),
      status: this.status.get(i),
      observation: this.observationOf(i),
      userId: this.userId.get(i),
      ...(lag ? { scheduleLagMs: lag } : {}),
      ...(timing.length > 0 ? { serverTiming: timing.join(', ') } : {}),
    };
  }

  /** Milliseconds the server said request i spent in `phase` (NaN when it did not say). */
  timing(phase: string, i: number): number {
    const index = this.timingPhases.indexOf(phase);
    return index < 0 ? NaN : this.timingColumns[index]!.get(i);
  }

  private timingColumn(name: string): Column<Float32Array> | undefined {
    const index = this.timingPhases.indexOf(name);
    if (index >= 0) return this.timingColumns[index];
    if (this.timingPhases.length >= MAX_TIMING_PHASES) return undefined;
    this.timingPhases.push(name);
    const column = new Column((n) => new Float32Array(n), NaN);
    this.timingColumns.push(column);
    return column;
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
}
