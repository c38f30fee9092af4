import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { readModifyWrite } from './criticalSection.js';
import { ALL_FAULTS, stringLockHolder } from './faultProfile.js';
import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { FencedSpinLock } from './locks/fencedSpinLock.js';
import type { IssueOutcome, IssueRequest, Strategy } from './types.js';

const lockKey = (couponId: number) => `couponbench:fenced:{coupon:${couponId}}`;

/**
 * First thing in the transaction, claim the coupon row with our token: the UPDATE succeeds only
 * if no newer holder has claimed it, and takes the row lock, so no newer holder can read the
 * quantity until we commit. A holder whose lease ran out while it was paused finds a newer token
 * on the row, writes nothing, and its client is told `lock_lost`.
 */
async function fencedReadModifyWrite(conn: PoolConnection, req: IssueRequest, onePerUser: boolean, token: number): Promise<IssueOutcome> {
  const [claim] = await conn.query<ResultSetHeader>('UPDATE coupons SET fence = ? WHERE id = ? AND fence < ?', [token, req.couponId, token]);
  if (claim.affectedRows === 0) return { result: 'lock_lost' };
  return readModifyWrite(conn, req, onePerUser);
}

export const redisSpinFenced: Strategy = {
  name: 'redis-spin-fenced',
  summary: 'redis-spin plus a fencing token (INCR in the lock step); the row refuses older tokens',
  promise: 'across-instances',
  // Leases still expire under these faults; the fence on the row keeps a stale holder from writing.
  survives: ALL_FAULTS,
  lockHolder: stringLockHolder(lockKey),
  create: (ctx) => {
    const lockFor = lockPerCoupon((id) => new FencedSpinLock(ctx.redis, lockKey(id), { leaseMs: ctx.options.lockLeaseMs, retryIntervalMs: ctx.options.retryIntervalMs }));
    return {
      issue: (req) => {
        const lock = lockFor(req.couponId);
        return issueUnderLock(ctx, lock, req, undefined, (conn, owner) => fencedReadModifyWrite(conn, req, ctx.onePerUser, lock.tokenOf(owner)));
      },
    };
  },
};
