import type { RedisClient } from './types.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { LuaScript } from './luaScript.js';
import type { DistributedLock } from './types.js';

// Delete the key only if it still holds our token: GET and DEL in one atomic step.
const COMPARE_AND_DELETE = new LuaScript(`
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`);

export interface SpinLockOptions {
  leaseMs: number;
  retryIntervalMs: number;
}

/**
 * The hand-rolled lock of Spring tutorials: SET key token NX PX lease, and if it is taken, sleep
 * and try again until the wait runs out. Release compares the token before deleting, so a holder
 * whose lease expired cannot delete the next holder's lock.
 */
export class RedisSpinLock implements DistributedLock {
  constructor(
    protected readonly redis: RedisClient,
    readonly key: string,
    protected readonly opts: SpinLockOptions,
  ) {}

  async tryLock(owner: string, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await this.attempt(owner)) return true;
      if (Date.now() + this.opts.retryIntervalMs > deadline) return false;
      await sleep(this.opts.retryIntervalMs);
    }
  }

  /** One try to take the lock (the fenced lock also takes a token here). */
  protected async attempt(owner: string): Promise<boolean> {
    return (await this.redis.set(this.key, owner, 'PX', this.opts.leaseMs, 'NX')) === 'OK';
  }

  async unlock(owner: string): Promise<boolean> {
    return (await COMPARE_AND_DELETE.run(this.redis, [this.key], [owner])) === 1;
  }
}

export const spinLockScripts = { COMPARE_AND_DELETE };
