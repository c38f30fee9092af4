import type { DistributedLock } from './types.js';

/**
 * A FIFO async mutex inside one process. Correct while one server instance serves the coupon;
 * with several instances each has its own mutex and nothing stops them overlapping, which is
 * the point of the `in-process` strategy.
 */
export class InProcessMutex implements DistributedLock {
  private holder: string | undefined;
  private readonly waiters: Array<{ owner: string; grant: () => void }> = [];

  tryLock(owner: string, waitMs: number): Promise<boolean> {
    if (this.holder === undefined) {
      this.holder = owner;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const entry = {
        owner,
        grant: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(entry);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, waitMs);
      this.waiters.push(entry);
    });
  }

  unlock(owner: string): Promise<boolean> {
    if (this.holder !== owner) return Promise.resolve(false);
    const next = this.waiters.shift();
    this.holder = next?.owner;
    next?.grant();
    return Promise.resolve(true);
  }
}
