import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { RedisSpinLock } from './locks/redisSpinLock.js';
import type { Strategy } from './types.js';

export const redisSpin: Strategy = {
  name: 'redis-spin',
  summary: 'SET NX PX lease, retry every 100 ms, 409 after 10 s; token-checked release',
  promise: 'across-instances',
  create: (ctx) => {
    const lockFor = lockPerCoupon(
      (id) => new RedisSpinLock(ctx.redis, `couponbench:lock:{coupon:${id}}`, { leaseMs: ctx.options.lockLeaseMs, retryIntervalMs: ctx.options.retryIntervalMs }),
    );
    return { issue: (req) => issueUnderLock(ctx, lockFor(req.couponId), req) };
  },
};
