/** The issuance route of the embedded server. Status codes and bodies live in src/outcomes.ts. */
export const ISSUE_PATH = /^\/api\/v1\/coupons\/(\d+)\/issue$/;

export function issuePath(couponId: number): string {
  return `/api/v1/coupons/${couponId}/issue`;
}
