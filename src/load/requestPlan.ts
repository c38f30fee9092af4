/**
 * What a virtual user sends and how it reads the answer. The embedded server's plan is fixed by
 * its HTTP contract; a target's plan comes from its file (src/service/requestPlan.ts).
 */
import { decodeResponse, type Observation } from '../outcomes.js';
import type { TlsClientOptions } from '../service/tls.js';
import type { TargetFile } from '../service/schema.js';
import type { RunValues } from '../service/requestPlan.js';

/** What one request is about: the user it is for, and k6's __VU / __ITER. */
export interface RequestContext {
  userId: number;
  vu: number;
  iteration: number;
  session?: VuSession;
}

/** What a VU's login gave it, for the requests that follow. */
export interface VuSession {
  token: string;
}

export interface OutgoingRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * What a plan is built from, kept so a driver worker (another thread) can build it again: the
 * plan itself holds functions, which cannot cross threads.
 */
export type PlanSource =
  | { kind: 'embedded'; baseUrl: string; path: string; ports?: number[] }
  | { kind: 'target'; target: TargetFile; run: RunValues; timeoutMs: number; ports?: number[] };

export interface RequestPlan {
  /** Absent for a plan made in place (a test's, a benchmark's): it then runs on one thread. */
  source?: PlanSource;
  hostname: string;
  port: number;
  /** HTTPS: the TLS client's options (absent: plain HTTP). */
  tls?: TlsClientOptions;
  /** Instances on several ports (a started service): VU k is bound to ports[(k - 1) % n]. */
  ports?: number[];
  build(ctx: RequestContext): OutgoingRequest;
  decode(status: number, body: string): Observation;
  /**
   * Sign a user in before a VU's first request. With a login each VU is one user for the whole
   * run (its token is that user's); without one every request draws a user from the pool.
   */
  login?(userId: number, vu: number): Promise<VuSession>;
}

/** The port VU `vu` connects to. */
export function portOf(plan: RequestPlan, vu: number): number {
  return plan.ports && plan.ports.length > 0 ? plan.ports[(vu - 1) % plan.ports.length]! : plan.port;
}

/** The embedded issuance server: POST {"userId": N} to the coupon's issue path (`ports`: listening on several, VUs spread over them). */
export function embeddedPlan(baseUrl: string, path: string, ports?: number[]): RequestPlan {
  const url = new URL(baseUrl);
  const headers = { 'content-type': 'application/json' };
  return {
    source: { kind: 'embedded', baseUrl, path, ...(ports ? { ports } : {}) },
    hostname: url.hostname,
    port: Number(url.port),
    ...(ports ? { ports } : {}),
    build: ({ userId }) => ({ method: 'POST', path, headers, body: `{"userId":${userId}}` }),
    decode: decodeResponse,
  };
}
