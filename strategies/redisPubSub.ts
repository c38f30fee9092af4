import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { RedisPubSubLock } from './locks/redisPubSubLock.js';
import { Subscriptions } from './locks/subscriptions.js';
import { hashLockHolder, LEASE_LOCK_BREAKS_UNDER } from './faultProfile.js';
import { fencedReadModifyWrite, takeToken } from './fencing.js';
import type { Strategy } from './types.js';

const lockKey = (couponId: number) => `couponbench:rlock:{coupon:${couponId}}`;

export const redisPubSub: Strategy = {
  name: 'redis-pubsub',
  summary: 'Redisson RLock: reentrant, waiters woken by pub/sub, watchdog renews the lease',
  promise: 'across-instances',
  knobs: ['lockLeaseMs', 'lockWaitMs'],
  databases: ['mysql', 'postgres'],
  // Fencing checks its token in a MySQL statement: on PostgreSQL the plain lock only.
  ceiling: 'select-for-update',
  // The watchdog renews the lease from inside the process, so it freezes with it: a pause longer than its timeout breaks it.
  breaksUnder: LEASE_LOCK_BREAKS_UNDER,
  lockHolder: hashLockHolder(lockKey),
  fencing: { breaksUnder: [] },
  create: (ctx) => {
    const subscriptions = new Subscriptions(ctx.redis);
    const lockFor = lockPerCoupon(
      (id) => new RedisPubSubLock(ctx.redis, subscriptions, lockKey(id), { watchdogTimeoutMs: ctx.options.lockLeaseMs }),
    );
    return {
      issue: (req) =>
        ctx.options.fencing
          ? issueUnderLock(ctx, lockFor(req.couponId), req, undefined, async (conn, owner) =>
              fencedReadModifyWrite(conn, req, ctx.onePerUser, await takeToken(ctx.redis, lockKey(req.couponId), owner)),
            )
          : issueUnderLock(ctx, lockFor(req.couponId), req),
      close: () => subscriptions.close(),
    };
  },
};
