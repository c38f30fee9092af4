/**
 * One keep-alive HTTP connection that sends exactly when told: `send()` puts one request on the
 * wire and nothing else does. Built on autocannon's per-connection client (lib/httpClient.js):
 * raw socket, its own HTTP parser, hrtime latency per request.
 *
 * Why its private client and not autocannon's run(): run() opens a fixed number of connections
 * at once and its `connectionRate` pacing resets every connection on the same one-second tick, so
 * 2,000 connections at 1 req/s fire in one burst each second and the measured latency is mostly
 * queueing the generator made. k6-shaped virtual users need connections opened over a ramp and
 * think time after each response.
 *
 * Everything that touches autocannon's internals is in this file, against the exact version
 * pinned in package.json; `autocannonInternalsProblems()` says what changed if that ever breaks.
 */
import { createRequire } from 'node:module';
import type { OutgoingRequest } from './requestPlan.js';

export const AUTOCANNON_VERSION = '9.0.0';

/** The parts of autocannon's Client we use; those starting with _ or not in its docs are private. */
interface AutocannonClient {
  /** Per-second request allowance; used here as a gate that send() opens for one request. */
  rate: number | undefined;
  reqsMadeThisSecond: number;
  pipelinedRequests: { clear(): void };
  destroyed: boolean;
  _doRequest(): void;
  /** Opens (or reopens) the socket; autocannon calls it again by itself on 'error' and on 'end'. */
  _connect(): void;
  destroy(): void;
  on(event: 'response', listener: (status: number, bytes: number, latencyMs: number) => void): void;
  on(event: 'connError', listener: (err: Error) => void): void;
}

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: unknown, headers: Record<string, string | string[]>) => void;
}

type ClientConstructor = new (opts: { hostname: string; port: number; timeout: number; requests: AutocannonRequest[] }) => AutocannonClient;

const require = createRequire(import.meta.url);
const Client = require('autocannon/lib/httpClient.js') as ClientConstructor & { prototype: Record<string, unknown> };

/**
 * autocannon's own request timer is re-armed only when a request is sent, never disarmed by a
 * response, so an idle connection whose think time reached the timeout was torn down and
 * reopened. We give it a timeout it never reaches and time requests ourselves.
 */
const AUTOCANNON_TIMEOUT_S = 2_000_000; // 2e9 ms: under setTimeout's 2^31-1 ms limit

/** Empty when the installed autocannon has the internals this file relies on; otherwise what differs. */
export function autocannonInternalsProblems(): string[] {
  const problems: string[] = [];
  const version = (require('autocannon/package.json') as { version: string }).version;
  if (version !== AUTOCANNON_VERSION) problems.push(`autocannon ${version} is installed; couponbench is built against ${AUTOCANNON_VERSION}`);
  const doRequest = Client.prototype._doRequest;
  if (typeof doRequest !== 'function') problems.push('Client.prototype._doRequest is gone');
  else if (!/this\.reqsMadeThisSecond\+\+\s*<\s*this\.rate/.test(String(doRequest))) {
    problems.push('Client.prototype._doRequest no longer gates on reqsMadeThisSecond++ < rate');
  }
  if (typeof Client.prototype.destroy !== 'function') problems.push('Client.prototype.destroy is gone');
  if (typeof Client.prototype._connect !== 'function') problems.push('Client.prototype._connect is gone');
  return problems;
}

let checked = false;
function assertInternals(): void {
  if (checked) return;
  const problems = autocannonInternalsProblems();
  if (problems.length > 0) throw new Error(`the load driver cannot pace requests: ${problems.join('; ')}`);
  checked = true;
}

export interface PacedConnectionOptions {
  hostname: string;
  port: number;
  timeoutMs: number;
  /** Built for each request. */
  request: () => OutgoingRequest;
  /** `serverTiming` is the response's Server-Timing header, if it had one. */
  onResponse(status: number, body: string, latencyMs: number, serverTiming: string | string[] | undefined): void;
  /** No response within timeoutMs: the connection is closed and the next send() opens a new one. */
  onTimeout(): void;
  /** `code` is the socket error's (ECONNREFUSED, EMFILE, ...), or ECLOSED when the server closed the connection. */
  onConnError(code: string): void;
}

export class PacedConnection {
  private client: AutocannonClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private pendingBody: { status: number; body: string; serverTiming: string | string[] | undefined } | undefined;

  constructor(private readonly opts: PacedConnectionOptions) {
    assertInternals();
  }

  /** Put one request on the wire (opening the connection first if there is none). */
  send(): void {
    if (this.inFlight) throw new Error('send() while a request is in flight');
    this.inFlight = true;
    // One timer per connection, re-armed per request (no allocation); it fires only when a request is in flight too long.
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(() => this.inFlight && this.timedOut(), this.opts.timeoutMs);
    const client = this.client;
    if (!client || client.destroyed) {
      this.client = this.open(); // autocannon sends the first request from its constructor
      return;
    }
    client.reqsMadeThisSecond = 0; // open the gate for exactly one request
    client._doRequest();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight = false;
    this.client?.destroy();
    this.client = undefined;
  }

  private open(): AutocannonClient {
    const o = this.opts;
    const client = new Client({
      hostname: o.hostname,
      port: o.port,
      timeout: AUTOCANNON_TIMEOUT_S,
      requests: [
        {
          method: 'GET',
          path: '/',
          headers: {},
          setupRequest: (req) => {
            const next = o.request();
            return { ...req, ...next, headers: { ...next.headers } }; // autocannon writes Content-Length into the headers it gets
          },
          onResponse: (status, body, _context, headers) =>
            (this.pendingBody = { status, body, serverTiming: headers['server-timing'] ?? headers['Server-Timing'] }),
        },
      ],
    });
    // Close the gate: autocannon's own follow-up requests (after a response, after a reconnect) wait for send().
    client.rate = 1;
    client.reqsMadeThisSecond = 1;
    client.on('response', (status, _bytes, latencyMs) => {
      if (!this.inFlight) return;
      const response = this.pendingBody ?? { status, body: '', serverTiming: undefined };
      this.pendingBody = undefined;
      this.settle();
      o.onResponse(response.status, response.body, latencyMs, response.serverTiming);
    });
    const lost = (code: string) => {
      // autocannon reconnects by itself; the failed request must not be matched to the next response.
      client.pipelinedRequests.clear();
      if (!this.inFlight) return;
      this.settle();
      o.onConnError(code);
    };
    client.on('connError', (err: NodeJS.ErrnoException) => {
      // autocannon reconnects at once after an error. When the error is ours (EMFILE: no file
      // descriptor left) that is a synchronous storm that starves timers and signals; destroyed,
      // the client stays down until the next send() opens a new one, when the VU is ready.
      client.destroy();
      lost(err.code ?? 'ERROR');
    });
    // A server that closes the socket cleanly (FIN: a killed or restarted instance) makes autocannon
    // reconnect without any event; a request in flight on the old socket would wait for its timeout.
    const reconnect = client._connect.bind(client);
    client._connect = () => {
      reconnect();
      lost('ECLOSED');
    };
    return client;
  }

  private timedOut(): void {
    this.close();
    this.opts.onTimeout();
  }

  private settle(): void {
    this.inFlight = false; // the timer stays armed; it ignores a connection with nothing in flight
  }
}
