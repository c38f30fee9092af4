import { issueUnderLock, lockPerCoupon } from './lockedIssue.js';
import { InProcessMutex } from './locks/inProcessMutex.js';
import type { Strategy } from './types.js';

export const inProcess: Strategy = {
  name: 'in-process',
  summary: 'an async mutex inside each server instance: right with 1 instance, wrong with 2+',
  promise: 'single-instance',
  knobs: ['lockWaitMs'],
  databases: ['mysql', 'postgres'],
  ceiling: 'select-for-update',
  create: (ctx) => {
    const lockFor = lockPerCoupon(() => new InProcessMutex());
    return { issue: (req) => issueUnderLock(ctx, lockFor(req.couponId), req) };
  },
};
