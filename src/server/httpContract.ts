import type { IssueOutcome, IssueResult } from '../../strategies/types.js';

/** Status codes of the issuance API; the load side reads them back with `resultFromResponse`. */
export const STATUS_BY_RESULT: Record<IssueResult, number> = {
  issued: 200,
  already_issued: 409,
  lock_timeout: 409,
  retries_exhausted: 409,
  sold_out: 410,
  unknown_coupon: 404,
  failed: 500,
};

export const ISSUE_PATH = /^\/api\/v1\/coupons\/(\d+)\/issue$/;

export function issuePath(couponId: number): string {
  return `/api/v1/coupons/${couponId}/issue`;
}

export function responseBody(outcome: IssueOutcome): string {
  const body: Record<string, string> = { result: outcome.result };
  if (outcome.result === 'failed') body.cause = outcome.cause;
  if (outcome.warning) body.warning = outcome.warning;
  return JSON.stringify(body);
}
