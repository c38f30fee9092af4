/**
 * THE outcome vocabulary: what an issuance server can answer, how that travels over HTTP, what a
 * client can observe, and one classification table. Summaries, per-second series, tables,
 * colours, thresholds and the audit all read outcomes through this module and nowhere else.
 */
import { z } from 'zod';

/** Why a request failed on the server. Each names the system that failed, so the cause is kept. */
export const FAILURE_CAUSES = [
  'deadlock', // MySQL ER_LOCK_DEADLOCK (1213)
  'lock_wait_timeout', // MySQL ER_LOCK_WAIT_TIMEOUT (1205)
  'db_error', // any other error MySQL answered
  'db_connection', // no answer from MySQL: pool closed, connection refused or lost
  'redis_error', // Redis answered an error or could not be reached
  'internal', // a bug: an error thrown by code, not by a database
] as const;
export const FailureCauseSchema = z.enum(FAILURE_CAUSES);
export type FailureCause = z.infer<typeof FailureCauseSchema>;

/** What a strategy says happened to one request. */
export type IssueOutcome = (
  | { result: 'issued' }
  | { result: 'sold_out' }
  | { result: 'already_issued' }
  | { result: 'lock_timeout' }
  | { result: 'retries_exhausted' }
  /** A fenced write refused: a newer lock holder had already written (the lock was no longer ours). */
  | { result: 'lock_lost' }
  | { result: 'unknown_coupon' }
  | { result: 'failed'; cause: FailureCause; detail?: string }
) & {
  /** The lock was no longer ours at release (lease expired, token gone): integrity may be broken. */
  warning?: Warning;
};
export type IssueResult = IssueOutcome['result'];

/** What a strategy may say beside its answer, counted by the server (src/server/counts.ts). */
export const WARNINGS = ['release_failed'] as const;
export type Warning = (typeof WARNINGS)[number];

// ---------------------------------------------------------------------------------------------
// HTTP: the server encodes, the client decodes. Kept side by side so they cannot drift.

export const STATUS_BY_RESULT: Record<IssueResult, number> = {
  issued: 200,
  already_issued: 409,
  lock_timeout: 409,
  lock_lost: 409,
  retries_exhausted: 409,
  sold_out: 410,
  unknown_coupon: 404,
  failed: 500,
};

/** The observation a client makes of this outcome when it arrives intact (also the server tally's key). */
export function observationOf(outcome: IssueOutcome): Observation {
  return outcome.result === 'failed' ? `failed:${outcome.cause}` : outcome.result;
}

export function encodeOutcome(outcome: IssueOutcome): { status: number; body: string } {
  const body: Record<string, string> = { result: outcome.result };
  if (outcome.result === 'failed') body.cause = outcome.cause;
  if (outcome.warning) body.warning = outcome.warning;
  return { status: STATUS_BY_RESULT[outcome.result], body: JSON.stringify(body) };
}

/**
 * What a client observed for one request, as a short string (the request log interns it):
 * a result of the contract (`issued`, `sold_out`, ...), `failed:<cause>`, `http_<status>` for an
 * answer outside the contract, or one of the client-side endings below.
 */
export type Observation = string;

/** Endings the client itself records when no answer arrived. */
export const CLIENT_ENDINGS = {
  timeout: 'timeout',
  connError: 'conn_error',
  /** Still in flight when the run's graceful stop ran out; the harness cut it. */
  interrupted: 'interrupted',
} as const;

const RESULTS = new Set<string>(Object.keys(STATUS_BY_RESULT));

export function decodeResponse(status: number, body: string): Observation {
  try {
    const parsed = JSON.parse(body) as { result?: unknown; cause?: unknown };
    const result = parsed?.result;
    if (typeof result === 'string' && RESULTS.has(result) && STATUS_BY_RESULT[result as IssueResult] === status) {
      return result === 'failed' ? `failed:${typeof parsed.cause === 'string' ? parsed.cause : 'unknown'}` : result;
    }
  } catch {
    /* not our JSON */
  }
  return `http_${status}`;
}

/** A target's answer its outcome rules call `failed` (whatever the status). */
export const TARGET_FAILED: Observation = 'failed:service';

// ---------------------------------------------------------------------------------------------
// Classification: the one table every figure derives from.

/**
 * success: the client was told it got a coupon. refusal: told a definite "no" (sold out, already
 * issued, gave up waiting for a lock). failure: the service failed (5xx, an answer outside the
 * contract). unknown: the client never learnt what happened (timeout, connection error, cut), or
 * the server could not know (its database connection was lost mid-request: a 500 db_connection).
 */
export const OUTCOME_CLASSES = ['success', 'refusal', 'failure', 'unknown'] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

/**
 * Failure groups: the columns of the failure tables and the threshold metrics of the same names.
 * `httpFailed` marks the groups k6 counts in http_req_failed; `lock_timeout` is a refusal the
 * service chose, so it is counted only in the wider `unserved`.
 */
export const FAILURE_GROUPS = {
  lock_timeout: { header: 'lock t/o', httpFailed: false, meaning: 'gave up waiting for a lock or a version retry (409); a target\'s "rejected"' },
  deadlock: { header: 'deadlock', httpFailed: true, meaning: 'failed with a MySQL deadlock (500)' },
  errors_5xx: { header: '5xx', httpFailed: true, meaning: 'any other 5xx' },
  client_timeout: { header: 'client t/o', httpFailed: true, meaning: 'client timeout or connection error' },
  unexpected: { header: 'unexpected', httpFailed: true, meaning: 'an answer outside the HTTP contract (status < 500)' },
} as const;
export type FailureGroup = keyof typeof FAILURE_GROUPS;
export const FAILURE_GROUP_NAMES = Object.keys(FAILURE_GROUPS) as FailureGroup[];

export interface Classification {
  class: OutcomeClass;
  group?: FailureGroup;
}

const FIXED: Record<string, Classification> = {
  issued: { class: 'success' },
  sold_out: { class: 'refusal' },
  already_issued: { class: 'refusal' },
  unknown_coupon: { class: 'refusal' },
  lock_timeout: { class: 'refusal', group: 'lock_timeout' },
  retries_exhausted: { class: 'refusal', group: 'lock_timeout' },
  lock_lost: { class: 'refusal', group: 'lock_timeout' },
  /** A target's refusal without issuing (lock busy, conflict, rate limit), named by its outcome rules. */
  rejected: { class: 'refusal', group: 'lock_timeout' },
  [CLIENT_ENDINGS.timeout]: { class: 'unknown', group: 'client_timeout' },
  [CLIENT_ENDINGS.connError]: { class: 'unknown', group: 'client_timeout' },
  [CLIENT_ENDINGS.interrupted]: { class: 'unknown' },
};

export function classify(observation: Observation): Classification {
  const fixed = FIXED[observation];
  if (fixed) return fixed;
  if (observation === 'failed:deadlock') return { class: 'failure', group: 'deadlock' };
  // The database connection was lost mid-request: a COMMIT may have landed. The server cannot know, so neither can the audit.
  if (observation === 'failed:db_connection') return { class: 'unknown', group: 'errors_5xx' };
  if (observation.startsWith('failed:')) return { class: 'failure', group: 'errors_5xx' };
  const status = /^http_(\d{3})$/.exec(observation);
  if (status && Number(status[1]) >= 500) return { class: 'failure', group: 'errors_5xx' };
  return { class: 'failure', group: 'unexpected' };
}

/** Whether a classified observation counts in k6's http_req_failed (the threshold `failed`). */
export function isHttpFailed(c: Classification): boolean {
  return c.group !== undefined && FAILURE_GROUPS[c.group].httpFailed;
}

/** Counts derived from per-observation counts; stored in the load summary and read by every view. */
export const OutcomeTallySchema = z.object({
  classes: z.object({ success: z.number().int(), refusal: z.number().int(), failure: z.number().int(), unknown: z.number().int() }),
  failures: z.object({
    lock_timeout: z.number().int(),
    deadlock: z.number().int(),
    errors_5xx: z.number().int(),
    client_timeout: z.number().int(),
    unexpected: z.number().int(),
  }),
  /** k6's http_req_failed: every group marked httpFailed. The threshold `failed` reads this. */
  failed: z.number().int(),
  /** failed plus lock timeouts and exhausted retries: requests that got neither a coupon nor a business answer. */
  unserved: z.number().int(),
});
export type OutcomeTally = z.infer<typeof OutcomeTallySchema>;

export function tallyObservations(counts: Record<Observation, number>): OutcomeTally {
  const tally: OutcomeTally = {
    classes: { success: 0, refusal: 0, failure: 0, unknown: 0 },
    failures: { lock_timeout: 0, deadlock: 0, errors_5xx: 0, client_timeout: 0, unexpected: 0 },
    failed: 0,
    unserved: 0,
  };
  for (const [observation, n] of Object.entries(counts)) {
    const c = classify(observation);
    tally.classes[c.class] += n;
    if (c.group) {
      tally.failures[c.group] += n;
      tally.unserved += n;
      if (isHttpFailed(c)) tally.failed += n;
    }
  }
  return tally;
}

/** How an observation is coloured wherever it is shown. */
export type Tone = 'good' | 'warn' | 'bad' | 'dim';
export function toneOf(observation: Observation): Tone {
  if (observation === CLIENT_ENDINGS.interrupted) return 'dim';
  return { success: 'good', refusal: 'warn', failure: 'bad', unknown: 'bad' }[classify(observation).class] as Tone;
}
