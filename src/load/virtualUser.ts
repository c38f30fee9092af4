import { CLIENT_ENDINGS, type Observation } from '../outcomes.js';
import { PacedConnection } from './httpConnection.js';
import type { RequestLog } from './recorder.js';
import { portOf, type RequestPlan, type VuSession } from './requestPlan.js';

export interface VirtualUserOptions {
  plan: RequestPlan;
  /** k6's __VU: 1-based, unique for the run. */
  vu: number;
  thinkMs: number;
  timeoutSec: number;
  nextUserId: () => number;
  log: RequestLog;
  /** Milliseconds since the run started. */
  clock: () => number;
  /** The VU cannot go on (its login failed): the run stops with this error. */
  onFatal: (err: Error) => void;
  /**
   * Arrival-rate executors: the VU runs one iteration when told (`iterate`) and then reports
   * itself free here, instead of looping with think time.
   */
  onFree?: (vu: VirtualUser) => void;
  /** A request ended in a connection error with this code (counted per code for the report). */
  onConnError?: (code: string) => void;
}

/** The pause after consecutive connection errors: 10 ms, doubling, at most 1 s (a storm of reconnects is not load). */
export function connErrorBackoffMs(consecutive: number): number {
  return consecutive <= 0 ? 0 : Math.min(1000, 10 * 2 ** (consecutive - 1));
}

/**
 * One k6-style virtual user on one keep-alive connection: send, wait for the response (or the
 * timeout), sleep `thinkMs`, repeat. It is started at its own moment of the ramp, so VUs are
 * spread in time the way k6's are rather than firing on a shared tick.
 */
export class VirtualUser {
  private readonly connection: PacedConnection;
  private inFlight: { userId: number; sentAtMs: number; lagMs: number } | undefined;
  /** When the iteration about to be sent was meant to start (arrival-rate executors). */
  private intendedAtMs: number | undefined;
  private thinkTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private onIdle: (() => void) | undefined;
  private iteration = 0;
  private consecutiveConnErrors = 0;
  /** Set by a login: the one user this VU is, and its session. */
  private signedIn: { userId: number; session: VuSession } | undefined;

  constructor(private readonly opts: VirtualUserOptions) {
    const { plan } = opts;
    this.connection = new PacedConnection({
      hostname: plan.hostname,
      port: portOf(plan, opts.vu),
      ...(plan.tls ? { tls: plan.tls } : {}),
      timeoutMs: opts.timeoutSec * 1000,
      request: () => {
        const userId = this.signedIn?.userId ?? opts.nextUserId();
        const sentAtMs = opts.clock();
        this.inFlight = { userId, sentAtMs, lagMs: this.intendedAtMs === undefined ? 0 : Math.max(0, sentAtMs - this.intendedAtMs) };
        this.intendedAtMs = undefined;
        return plan.build({ userId, vu: opts.vu, iteration: this.iteration++, session: this.signedIn?.session });
      },
      onResponse: (status, body, latencyMs, serverTiming) => this.finish(status, plan.decode(status, body), latencyMs, serverTiming),
      onTimeout: () => this.finish(0, CLIENT_ENDINGS.timeout, opts.timeoutSec * 1000),
      onConnError: (code) => {
        opts.onConnError?.(code);
        this.finish(0, CLIENT_ENDINGS.connError, opts.clock() - (this.inFlight?.sentAtMs ?? opts.clock()));
      },
    });
  }

  start(): void {
    const { plan } = this.opts;
    if (!plan.login) {
      this.ready();
      return;
    }
    const userId = this.opts.nextUserId();
    plan.login(userId, this.opts.vu).then(
      (session) => {
        this.signedIn = { userId, session };
        if (!this.stopping) this.ready();
        else this.onIdle?.();
      },
      (err: Error) => {
        this.stopping = true;
        this.onIdle?.();
        this.opts.onFatal(err);
      },
    );
  }

  /** One iteration, meant to have started at `intendedAtMs` (the lag to now is kept with the request). */
  iterate(intendedAtMs: number): void {
    this.intendedAtMs = intendedAtMs;
    this.connection.send();
  }

  /** Signed in (if the plan logs in): loop, or wait to be told. */
  private ready(): void {
    if (this.opts.onFree) this.opts.onFree(this);
    else this.connection.send();
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

  private finish(status: number, observation: Observation, latencyMs: number, serverTiming?: string | string[]): void {
    this.record(status, observation, latencyMs, serverTiming);
    this.consecutiveConnErrors = observation === CLIENT_ENDINGS.connError ? this.consecutiveConnErrors + 1 : 0;
    if (this.stopping) {
      this.connection.close();
      this.onIdle?.();
      return;
    }
    if (this.opts.onFree) {
      this.opts.onFree(this);
      return;
    }
    const pauseMs = Math.max(this.opts.thinkMs, connErrorBackoffMs(this.consecutiveConnErrors));
    if (pauseMs <= 0) {
      // No think time: next turn of the event loop. setTimeout(0) waits at least 1 ms, which
      // capped a closed loop at one request per millisecond per VU.
      setImmediate(() => {
        if (!this.stopping) this.connection.send();
      });
      return;
    }
    this.thinkTimer = setTimeout(() => {
      this.thinkTimer = undefined;
      if (!this.stopping) this.connection.send();
    }, pauseMs);
  }

  private record(status: number, observation: Observation, latencyMs: number, serverTiming?: string | string[]): void {
    const flight = this.inFlight;
    if (!flight) return;
    this.inFlight = undefined;
    this.opts.log.add({ sentAtMs: flight.sentAtMs, latencyMs, status, observation, userId: flight.userId, serverTiming, scheduleLagMs: flight.lagMs });
  }
}
