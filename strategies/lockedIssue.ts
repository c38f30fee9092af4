import type { PoolConnection } from 'mysql2/promise';
import { failedOutcome } from './failure.js';
import type { DistributedLock } from './locks/types.js';
import { NO_TIMER } from '../src/serverTiming.js';
import { inTransaction } from './transaction.js';
import type { IssueOutcome, IssueRequest, StrategyContext } from './types.js';

let sequence = 0;

/** A lock owner id unique across instances and processes, one per request (Redisson: per thread). */
export function newOwner(instance: number): string {
  return `${instance}:${process.pid}:${++sequence}`;
}

export type Acquire = (lock: DistributedLock, owner: string) => Promise<boolean>;

/** What runs inside the transaction while the lock is held; `owner` is the holder's id. */
export type CriticalSection = (conn: PoolConnection, owner: string) => Promise<IssueOutcome>;

export const acquireOnce: (waitMs: number) => Acquire = (waitMs) => (lock, owner) => lock.tryLock(owner, waitMs);

/**
 * The shape every lock strategy shares: acquire, begin, the naive read-modify-write, commit,
 * release, in that order. Releasing after commit matters: released before commit, the next
 * holder reads the quantity before our decrement is visible. A failed release is reported.
 */
export async function issueUnderLock(
  ctx: StrategyContext,
  lock: DistributedLock,
  req: IssueRequest,
  acquire: Acquire = acquireOnce(ctx.options.lockWaitMs),
  section?: CriticalSection,
): Promise<IssueOutcome> {
  const owner = newOwner(ctx.instance);
  const timer = req.timer ?? NO_TIMER;
  try {
    if (!(await timer.time('lock', () => acquire(lock, owner)))) return { result: 'lock_timeout' };
  } catch (err) {
    return failedOutcome(err);
  }
  // A custom section (fencing) is MySQL's, refused on other databases before the run; the default one runs on either.
  const outcome = section ? await inTransaction(ctx.mysql, (conn) => section(conn, owner), timer) : await ctx.sections.readModifyWrite(req, ctx.onePerUser, timer);
  let released = false;
  try {
    released = await timer.time('release', () => lock.unlock(owner));
  } catch {
    released = false;
  }
  return released ? outcome : { ...outcome, warning: 'release_failed' };
}

/** One lock object per coupon, created on first use. */
export function lockPerCoupon<L extends DistributedLock>(make: (couponId: number) => L): (couponId: number) => L {
  const locks = new Map<number, L>();
  return (couponId) => {
    let lock = locks.get(couponId);
    if (!lock) {
      lock = make(couponId);
      locks.set(couponId, lock);
    }
    return lock;
  };
}
