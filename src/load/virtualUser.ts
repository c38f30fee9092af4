import { CLIENT_ENDINGS, decodeResponse, type Observation } from '../outcomes.js';
import { PacedConnection } from './autocannonClient.js';
import type { RequestLog } from './recorder.js';

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
  private readonly connection: PacedConnection;
  private inFlight: { userId: number; sentAtMs: number } | undefined;
  private thinkTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private onIdle: (() => void) | undefined;

  constructor(private readonly opts: VirtualUserOptions) {
    this.connection = new PacedConnection({
      hostname: opts.hostname,
      port: opts.port,
      method: 'POST',
      path: opts.path,
      headers: { 'content-type': 'application/json' },
      timeoutMs: opts.timeoutSec * 1000,
      body: () => {
        const userId = opts.nextUserId();
        this.inFlight = { userId, sentAtMs: opts.clock() };
        return `{"userId":${userId}}`;
      },
      onResponse: (status, body, latencyMs) => this.finish(status, decodeResponse(status, body), latencyMs),
      onTimeout: () => this.finish(0, CLIENT_ENDINGS.timeout, opts.timeoutSec * 1000),
      onConnError: () => this.finish(0, CLIENT_ENDINGS.connError, opts.clock() - (this.inFlight?.sentAtMs ?? opts.clock())),
    });
  }

  start(): void {
    this.connection.send();
  }

  /** Stop after the request in flight, if any; resolves when the VU is idle and closed. */
  stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.thinkTimer);
    if (!this.inFlight) {
      this.connection.close();
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.onIdle = resolve));
  }

  /** Close now; a request still in flight is logged as interrupted. */
  kill(): void {
    if (this.inFlight) this.record(0, CLIENT_ENDINGS.interrupted, this.opts.clock() - this.inFlight.sentAtMs);
    this.stopping = true;
    clearTimeout(this.thinkTimer);
    this.connection.close();
    this.onIdle?.();
  }

  private finish(status: number, observation: Observation, latencyMs: number): void {
    this.record(status, observation, latencyMs);
    if (this.stopping) {
      this.connection.close();
      this.onIdle?.();
      return;
    }
    this.thinkTimer = setTimeout(() => {
      this.thinkTimer = undefined;
      if (!this.stopping) this.connection.send();
    }, this.opts.thinkMs);
  }

  private record(status: number, observation: Observation, latencyMs: number): void {
    const flight = this.inFlight;
    if (!flight) return;
    this.inFlight = undefined;
    this.opts.log.add({ sentAtMs: flight.sentAtMs, latencyMs, status, observation, userId: flight.userId });
  }
}
