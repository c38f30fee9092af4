import { setTimeout as sleep } from 'node:timers/promises';
import { issueUnderLock, lockPerCoupon, type Acquire } from './lockedIssue.js';
import { RedisFairLock } from './locks/redisFairLock.js';
import { Subscriptions } from './locks/subscriptions.js';
import { hashLockHolder, LEASE_LOCK_BREAKS_UNDER } from './faultProfile.js';
import { fencedReadModifyWrite, takeToken } from './fencing.js';
import type { Strategy, StrategyOptions } from './types.js';

const lockKey = (couponId: number) => `couponbench:fairlock:{coupon:${couponId}}`;

/**
 * The retry/backoff wrapper applications put around tryLock(waitTime, leaseTime): up to
 * 1 + maxRetries attempts, exponential backoff from the retry interval (capped at 1 s) with
 * jitter. A waiter that gives up leaves the queue and rejoins at its tail: the fairness audit
 * shows what that costs early users.
 */
export function retryingAcquire(opts: StrategyOptions): Acquire {
  return async (lock, owner) => {
    for (let attempt = 0; attempt <= opts.maxRetries; attempt++) {
      if (await lock.tryLock(owner, opts.lockWaitMs)) return true;
      if (attempt < opts.maxRetries) {
        const backoff = Math.min(1000, opts.retryIntervalMs * 2 ** attempt);
        await sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
    }
    return false;
  };
}

export const redisFair: Strategy = {
  name: 'redis-fair',
  summary: "port of Redisson's fair lock (wait queue, waiter timeouts), tryLock with retry/backoff",
  promise: 'across-instances',
  knobs: ['lockLeaseMs', 'lockWaitMs'],
  databases: ['mysql', 'postgres'],
  // Fencing checks its token in a MySQL statement: on PostgreSQL the plain lock only.
  ceiling: 'select-for-update',
  breaksUnder: LEASE_LOCK_BREAKS_UNDER,
  lockHolder: hashLockHolder(lockKey),
  fencing: { breaksUnder: [] },
  create: (ctx) => {
    const subscriptions = new Subscriptions(ctx.redis);
    const lockFor = lockPerCoupon(
      (id) => new RedisFairLock(ctx.redis, subscriptions, lockKey(id), { leaseMs: ctx.options.lockLeaseMs }),
    );
    const acquire = retryingAcquire(ctx.options);
    return {
      issue: (req) =>
        ctx.options.fencing
          ? issueUnderLock(ctx, lockFor(req.couponId), req, acquire, async (conn, owner) =>
              fencedReadModifyWrite(conn, req, ctx.onePerUser, await takeToken(ctx.redis, lockKey(req.couponId), owner)),
            )
          : issueUnderLock(ctx, lockFor(req.couponId), req, acquire),
      close: () => subscriptions.close(),
    };
  },
};
