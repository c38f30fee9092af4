import type { Observation } from '../outcomes.js';

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
}

export class RequestLog {
  private cap = 1024;
  length = 0;
  sentAtMs = new Float64Array(this.cap);
  latencyMs = new Float32Array(this.cap);
  status = new Uint16Array(this.cap);
  observationIndex = new Uint8Array(this.cap);
  userId = new Uint32Array(this.cap);
  readonly observations: Observation[] = [];
  private readonly indexOfObservation = new Map<string, number>();

  add(r: RequestRecord): void {
    if (this.length === this.cap) this.grow();
    const i = this.length++;
    this.sentAtMs[i] = r.sentAtMs;
    this.latencyMs[i] = r.latencyMs;
    this.status[i] = r.status;
    this.observationIndex[i] = this.intern(r.observation);
    this.userId[i] = r.userId;
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
  }
}
