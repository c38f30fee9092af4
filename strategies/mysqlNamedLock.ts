import { createPool } from '../src/db/connect.js';
import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { MysqlNamedLock } from './locks/mysqlNamedLock.js';
import type { Strategy } from './types.js';

export const mysqlNamedLock: Strategy = {
  name: 'mysql-named-lock',
  summary: 'GET_LOCK / RELEASE_LOCK on a dedicated lock connection pool, with a timeout',
  promise: 'across-instances',
  knobs: ['lockWaitMs'],
  ceiling: 'select-for-update',
  breaksUnder: [],
  create: (ctx) => {
    const lockPool = createPool(ctx.databaseUrl, ctx.poolSize);
    const lockFor = lockPerCoupon((id) => new MysqlNamedLock(lockPool, `couponbench.coupon.${id}`));
    return {
      issue: (req) => issueUnderLock(ctx, lockFor(req.couponId), req),
      close: () => lockPool.end(),
    };
  },
};
