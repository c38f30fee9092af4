import { createAutocannonClient, type AutocannonClient } from './autocannonClient.js';
import { CLIENT_RESULTS, resultFromResponse, type RequestLog } from './recorder.js';

export interface VirtualUserOptions {
  hostname: string;
  port: number;
  path: string;
  thinkMs: number;
  timeoutSec: number;
  nextUserId: () => number;
  log: RequestLog;
  /** Milliseconds since the run started. */
  clock: () => number;
}

/**
 * One k6-style virtual user on one keep-alive connection: send, wait for the response (or the
 * timeout), sleep `thinkMs`, repeat. It is started at its own moment of the ramp, so VUs are
 * spread in time the way k6's are rather than firing on a shared tick.
 */
export class VirtualUser {
  private client: AutocannonClient | undefined;
  private inFlight: { userId: number; sentAtMs: number } | undefined;
  private pending: { status: number; body: string } | undefined;
  private thinkTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private onIdle: (() => void) | undefined;

  constructor(private readonly opts: VirtualUserOptions) {}

  start(): void {
    const o = this.opts;
    const client = createAutocannonClient({
      hostname: o.hostname,
      port: o.port,
      timeout: o.timeoutSec,
      requests: [
        {
          method: 'POST',
          path: o.path,
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => {
            const userId = o.nextUserId();
            this.inFlight = { userId, sentAtMs: o.clock() };
            return { ...req, body: `{"userId":${userId}}` };
          },
          onResponse: (status, body) => {
            this.pending = { status, body };
          },
        },
      ],
    });
    this.client = client;
    // The first request went out inside the constructor; from now on the gate is closed and
    // only sendNext() opens it, once per think time.
    client.rate = 1;
    client.reqsMadeThisSecond = Number.POSITIVE_INFINITY;
    client.on('response', (_status: number, _bytes: number, latencyMs: number) => {
      const response = this.pending ?? { status: _status, body: '' };
      this.pending = undefined;
      this.finish(response.status, resultFromResponse(response.status, response.body), latencyMs);
    });
    client.on('timeout', () => {
      if (this.inFlight) this.finish(0, CLIENT_RESULTS.timeout, o.timeoutSec * 1000);
    });
    client.on('connError', () => {
      client.pipelinedRequests.clear();
      if (this.inFlight) this.finish(0, CLIENT_RESULTS.connError, o.clock() - this.inFlight.sentAtMs);
    });
  }

  /** Stop after the request in flight, if any; resolves when the VU is idle and closed. */
  stop(): Promise<void> {
    this.stopping = true;
    if (this.thinkTimer) clearTimeout(this.thinkTimer);
    if (!this.inFlight) {
      this.close();
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.onIdle = resolve));
  }

  /** Close now; a request still in flight is logged as interrupted. */
  kill(): void {
    if (this.inFlight) this.record(0, CLIENT_RESULTS.interrupted, this.opts.clock() - this.inFlight.sentAtMs);
    this.stopping = true;
    if (this.thinkTimer) clearTimeout(this.thinkTimer);
    this.close();
    this.onIdle?.();
  }

  private finish(status: number, result: string, latencyMs: number): void {
    this.record(status, result, latencyMs);
    if (this.stopping) {
      this.close();
      this.onIdle?.();
      return;
    }
    this.thinkTimer = setTimeout(() => this.sendNext(), this.opts.thinkMs);
  }

  private record(status: number, result: string, latencyMs: number): void {
    const flight = this.inFlight;
    if (!flight) return;
    this.inFlight = undefined;
    this.opts.log.add({ sentAtMs: flight.sentAtMs, latencyMs, status, result, userId: flight.userId });
  }

  private sendNext(): void {
    this.thinkTimer = undefined;
    const client = this.client;
    if (!client || client.destroyed || this.stopping) return;
    client.reqsMadeThisSecond = 0;
    client._doRequest();
  }

  private close(): void {
    this.client?.destroy();
  }
}
