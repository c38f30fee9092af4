import { stringLockHolder } from './faultProfile.js';
import { fencedReadModifyWrite } from './fencing.js';
import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { FencedSpinLock } from './locks/fencedSpinLock.js';
import type { Strategy } from './types.js';

const lockKey = (couponId: number) => `couponbench:fenced:{coupon:${couponId}}`;

export const redisSpinFenced: Strategy = {
  name: 'redis-spin-fenced',
  summary: 'redis-spin plus a fencing token (INCR in the lock step); the row refuses older tokens',
  promise: 'across-instances',
  knobs: ['lockLeaseMs', 'lockWaitMs', 'retryIntervalMs'],
  ceiling: 'select-for-update',
  // Leases still expire under these faults; the fence on the row keeps a stale holder from writing.
  breaksUnder: [],
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
