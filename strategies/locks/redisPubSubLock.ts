import type { RedisClient } from './types.js';
import { LuaScript } from './luaScript.js';
import { dropOneHold } from './reentrantHold.js';
import type { Subscriptions } from './subscriptions.js';
import type { DistributedLock } from './types.js';

// Take the lock if it is free or already ours (reentrant: a counter per owner in a hash).
// Returns nil when held, else the holder's remaining lease in ms.
const ACQUIRE = new LuaScript(`
if redis.call('exists', KEYS[1]) == 0 or redis.call('hexists', KEYS[1], ARGV[2]) == 1 then
  redis.call('hincrby', KEYS[1], ARGV[2], 1)
  redis.call('pexpire', KEYS[1], ARGV[1])
  return nil
end
return redis.call('pttl', KEYS[1])`);

// Drop one hold; on the last one delete the lock and tell waiters. -1 means it was not ours.
const RELEASE = new LuaScript(`${dropOneHold()}
redis.call('publish', KEYS[2], 'released')
return 1`);

// The watchdog's renewal: extend the lease only while we still hold the lock.
const RENEW = new LuaScript(`
if redis.call('hexists', KEYS[1], ARGV[1]) == 1 then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
return 0`);

export interface PubSubLockOptions {
  /** Lease of a hold; the watchdog renews it every third of it while the owner works. */
  watchdogTimeoutMs: number;
}

/**
 * Redisson's RLock: a reentrant hash lock whose waiters sleep on a pub/sub channel and are woken
 * by the release instead of polling, and whose lease a watchdog keeps alive while the holder is
 * still working (30 s lease renewed every 10 s by default), so a slow holder is not overtaken
 * while a crashed one loses the lock within one lease.
 */
export class RedisPubSubLock implements DistributedLock {
  private readonly watchdogs = new Map<string, NodeJS.Timeout>();
  readonly channel: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly subscriptions: Subscriptions,
    readonly key: string,
    private readonly opts: PubSubLockOptions,
  ) {
    this.channel = `${key}:channel`;
  }

  private async acquire(owner: string): Promise<number | null> {
    const ttl = (await ACQUIRE.run(this.redis, [this.key], [this.opts.watchdogTimeoutMs, owner])) as number | null;
    if (ttl === null) this.startWatchdog(owner);
    return ttl;
  }

  async tryLock(owner: string, waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    if ((await this.acquire(owner)) === null) return true;
    if (waitMs <= 0) return false;
    await this.subscriptions.subscribe(this.channel);
    try {
      for (;;) {
        // Try again after subscribing, so a release in between is not missed.
        const ttl = await this.acquire(owner);
        if (ttl === null) return true;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return false;
        await this.subscriptions.waitFor(this.channel, Math.min(ttl >= 0 ? ttl : remaining, remaining));
      }
    } finally {
      await this.subscriptions.unsubscribe(this.channel);
    }
  }

  async unlock(owner: string): Promise<boolean> {
    const result = (await RELEASE.run(this.redis, [this.key, this.channel], [owner, this.opts.watchdogTimeoutMs])) as number;
    if (result !== 0) this.stopWatchdog(owner);
    return result !== -1;
  }

  private startWatchdog(owner: string): void {
    if (this.watchdogs.has(owner)) return;
    const timer = setInterval(() => {
      RENEW.run(this.redis, [this.key], [owner, this.opts.watchdogTimeoutMs])
        .then((renewed) => {
          if (renewed !== 1) this.stopWatchdog(owner);
        })
        .catch(() => {});
    }, Math.max(1, Math.floor(this.opts.watchdogTimeoutMs / 3)));
    timer.unref();
    this.watchdogs.set(owner, timer);
  }

  private stopWatchdog(owner: string): void {
    clearInterval(this.watchdogs.get(owner));
    this.watchdogs.delete(owner);
  }
}

export const pubSubLockScripts = { ACQUIRE, RELEASE, RENEW };
