import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { RedisPubSubLock } from './locks/redisPubSubLock.js';
import { Subscriptions } from './locks/subscriptions.js';
import type { Strategy } from './types.js';

export const redisPubSub: Strategy = {
  name: 'redis-pubsub',
  summary: 'Redisson RLock: reentrant, waiters woken by pub/sub, watchdog renews the lease',
  promise: 'across-instances',
  create: (ctx) => {
    const subscriptions = new Subscriptions(ctx.redis);
    const lockFor = lockPerCoupon(
      (id) => new RedisPubSubLock(ctx.redis, subscriptions, `couponbench:rlock:{coupon:${id}}`, { watchdogTimeoutMs: ctx.options.lockLeaseMs }),
    );
    return {
      issue: (req) => issueUnderLock(ctx, lockFor(req.couponId), req),
      close: () => subscriptions.close(),
    };
  },
};
