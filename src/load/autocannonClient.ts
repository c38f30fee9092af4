import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';

/**
 * autocannon's per-connection HTTP client (lib/httpClient.js): raw socket, its own HTTP parser,
 * hrtime latency per request, request iterator with setupRequest/onResponse hooks.
 *
 * We drive it directly rather than through autocannon's run(): run() opens a fixed number of
 * connections at once and its `connectionRate` pacing resets every connection on the same
 * one-second tick, so 2,000 connections at 1 req/s fire in one burst each second and the
 * measured latency is mostly queueing the generator made. k6-shaped virtual users need a ramp
 * (connections opened over time) and think time after each response, which run() cannot do.
 */
export interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest, context: object) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: object) => void;
}

export interface AutocannonClientOptions {
  hostname: string;
  port: number;
  /** Request timeout in seconds. */
  timeout: number;
  requests: AutocannonRequest[];
}

export interface AutocannonClient extends EventEmitter {
  /** Per-second request allowance; we use it as an on/off gate for think time. */
  rate: number | undefined;
  reqsMadeThisSecond: number;
  pipelinedRequests: { clear(): void; size(): number };
  destroyed: boolean;
  _doRequest(): void;
  destroy(): void;
}

const require = createRequire(import.meta.url);
const Client = require('autocannon/lib/httpClient.js') as new (opts: AutocannonClientOptions) => AutocannonClient;

export function createAutocannonClient(opts: AutocannonClientOptions): AutocannonClient {
  return new Client(opts);
}
