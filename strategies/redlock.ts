import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { RedlockLock } from './locks/redlockLock.js';
import type { Strategy } from './types.js';
import { LEASE_LOCK_BREAKS_UNDER } from './faultProfile.js';

export const redlock: Strategy = {
  name: 'redlock',
  summary: 'npm redlock: majority of independent Redis nodes (--redis-nodes N), lease + retry',
  promise: 'across-instances',
  knobs: ['lockLeaseMs', 'lockWaitMs', 'retryIntervalMs'],
  databases: ['mysql', 'postgres'],
  ceiling: 'select-for-update',
  breaksUnder: LEASE_LOCK_BREAKS_UNDER,
  validate: ({ redisNodes }) =>
    redisNodes % 2 === 1 ? undefined : `redlock needs an odd number of Redis nodes (got ${redisNodes}): a split vote never settles`,
  create: (ctx) => {
    const lockFor = lockPerCoupon(
      (id) => new RedlockLock(ctx.redisNodes, `couponbench:redlock:{coupon:${id}}`, { leaseMs: ctx.options.lockLeaseMs, retryIntervalMs: ctx.options.retryIntervalMs }),
    );
    return { issue: (req) => issueUnderLock(ctx, lockFor(req.couponId), req) };
  },
};
