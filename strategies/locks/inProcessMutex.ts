import type { DistributedLock } from './types.js';
import { WaitQueue } from './waitQueue.js';

/**
 * A FIFO async mutex inside one process. Correct while one server instance serves the coupon;
 * with several instances each has its own mutex and nothing stops them overlapping, which is
 * the point of the `in-process` strategy.
 */
export class InProcessMutex implements DistributedLock {
  private holder: string | undefined;
  private readonly waiters = new WaitQueue<string>();

  tryLock(owner: string, waitMs: number): Promise<boolean> {
    if (this.holder === undefined) {
      this.holder = owner;
      return Promise.resolve(true);
    }
    // unlock() hands the mutex straight to the oldest waiter, so nobody can barge in between.
    return this.waiters.wait(owner, waitMs);
  }

  unlock(owner: string): Promise<boolean> {
    if (this.holder !== owner) return Promise.resolve(false);
    this.holder = this.waiters.wakeOne()?.value;
    return Promise.resolve(true);
  }
}
