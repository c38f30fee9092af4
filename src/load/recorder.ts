/**
 * Append-only, columnar log of every request the load generator sent: when, for which user, how
 * long it took and what came back. Everything else (summaries, series, fairness) is computed
 * from it after the run. About 20 bytes a request, so a 90 s run at 2,000 VUs stays small.
 */
export const CLIENT_RESULTS = {
  timeout: 'timeout',
  connError: 'conn_error',
  interrupted: 'interrupted',
} as const;

export interface RequestRecord {
  sentAtMs: number;
  latencyMs: number;
  status: number;
  result: string;
  userId: number;
}

export class RequestLog {
  private cap = 1024;
  length = 0;
  sentAtMs = new Float64Array(this.cap);
  latencyMs = new Float32Array(this.cap);
  status = new Uint16Array(this.cap);
  resultIndex = new Uint8Array(this.cap);
  userId = new Uint32Array(this.cap);
  readonly results: string[] = [];
  private readonly indexOfResult = new Map<string, number>();

  add(r: RequestRecord): void {
    if (this.length === this.cap) this.grow();
    const i = this.length++;
    this.sentAtMs[i] = r.sentAtMs;
    this.latencyMs[i] = r.latencyMs;
    this.status[i] = r.status;
    this.resultIndex[i] = this.intern(r.result);
    this.userId[i] = r.userId;
  }

  resultOf(i: number): string {
    return this.results[this.resultIndex[i]!]!;
  }

  private intern(result: string): number {
    let index = this.indexOfResult.get(result);
    if (index === undefined) {
      if (this.results.length >= 255) throw new Error('too many distinct results');
      index = this.results.length;
      this.results.push(result);
      this.indexOfResult.set(result, index);
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
    this.resultIndex = grow(this.resultIndex, Uint8Array);
    this.userId = grow(this.userId, Uint32Array);
  }
}

/** What the server said, read from the JSON body: `issued`, `sold_out`, `failed:deadlock`, ... */
export function resultFromResponse(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { result?: unknown; cause?: unknown };
    if (typeof parsed.result === 'string') {
      return parsed.result === 'failed' && typeof parsed.cause === 'string' ? `failed:${parsed.cause}` : parsed.result;
    }
  } catch {
    /* not our JSON */
  }
  return `http_${status}`;
}
