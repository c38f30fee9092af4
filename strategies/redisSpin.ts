import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { RedisSpinLock } from './locks/redisSpinLock.js';
import { LEASE_LOCK_BREAKS_UNDER, stringLockHolder } from './faultProfile.js';
import type { Strategy } from './types.js';

const lockKey = (couponId: number) => `couponbench:lock:{coupon:${couponId}}`;

export const redisSpin: Strategy = {
  name: 'redis-spin',
  summary: 'SET NX PX lease, retry every 100 ms, 409 after 10 s; token-checked release',
  promise: 'across-instances',
  knobs: ['lockLeaseMs', 'lockWaitMs', 'retryIntervalMs'],
  databases: ['mysql', 'postgres'],
  ceiling: 'select-for-update',
  breaksUnder: LEASE_LOCK_BREAKS_UNDER,
  lockHolder: stringLockHolder(lockKey),
  create: (ctx) => {
    const lockFor = lockPerCoupon(
      (id) => new RedisSpinLock(ctx.redis, lockKey(id), { leaseMs: ctx.options.lockLeaseMs, retryIntervalMs: ctx.options.retryIntervalMs }),
    );
    return { issue: (req) => issueUnderLock(ctx, lockFor(req.couponId), req) };
  },
};
