import type { RedisClient } from './types.js';
import { LuaScript } from './luaScript.js';
import { dropOneHold } from './reentrantHold.js';
import type { Subscriptions } from './subscriptions.js';
import type { DistributedLock } from './types.js';

/*
 * A port of the algorithm of Redisson's fair lock (RedissonFairLock), rewritten here:
 *   KEYS[1] lock hash {owner: holds}, with the lease as its expiry
 *   KEYS[2] wait queue (list of owners, head is next)
 *   KEYS[3] sorted set owner -> deadline (ms) by which that waiter must take its turn; a waiter
 *           that misses its deadline is presumed dead and dropped, so it cannot block the queue
 * Deadlines chain: each newcomer's is the previous tail's deadline (or the holder's lease) plus
 * the per-waiter grace. When a waiter acquires, everyone behind moves up one grace slot.
 * Unlike Redisson, time comes from the Redis server (TIME), so instances need no synced clocks.
 */
const NOW_AND_PRUNE = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
while true do
  local head = redis.call('lindex', KEYS[2], 0)
  if not head then break end
  local deadline = tonumber(redis.call('zscore', KEYS[3], head))
  if deadline == nil or deadline <= now then
    redis.call('zrem', KEYS[3], head)
    redis.call('lpop', KEYS[2])
  else
    break
  end
end
`;

// ARGV: lease ms, owner, per-waiter grace ms. Returns nil when held, else ms until our turn.
const ACQUIRE = new LuaScript(`${NOW_AND_PRUNE}
if redis.call('exists', KEYS[1]) == 0 then
  local head = redis.call('lindex', KEYS[2], 0)
  if (not head) or head == ARGV[2] then
    if head then redis.call('lpop', KEYS[2]) end
    redis.call('zrem', KEYS[3], ARGV[2])
    local behind = redis.call('zrange', KEYS[3], 0, -1)
    for i = 1, #behind do
      redis.call('zincrby', KEYS[3], -tonumber(ARGV[3]), behind[i])
    end
    redis.call('hset', KEYS[1], ARGV[2], 1)
    redis.call('pexpire', KEYS[1], ARGV[1])
    return nil
  end
end
if redis.call('hexists', KEYS[1], ARGV[2]) == 1 then
  redis.call('hincrby', KEYS[1], ARGV[2], 1)
  redis.call('pexpire', KEYS[1], ARGV[1])
  return nil
end
local mine = redis.call('zscore', KEYS[3], ARGV[2])
if mine then
  return tonumber(mine) - tonumber(ARGV[3]) - now
end
local tail = redis.call('lindex', KEYS[2], -1)
local ttl
if tail then
  ttl = tonumber(redis.call('zscore', KEYS[3], tail)) - now
else
  ttl = redis.call('pttl', KEYS[1])
  if ttl < 0 then ttl = 0 end
end
redis.call('zadd', KEYS[3], ttl + tonumber(ARGV[3]) + now, ARGV[2])
redis.call('rpush', KEYS[2], ARGV[2])
return ttl`);

// KEYS[4] channel prefix. ARGV: owner, lease ms. 1 released, 0 still held (reentrant), -1 not ours.
const RELEASE = new LuaScript(`${NOW_AND_PRUNE}
local function wake_next()
  local head = redis.call('lindex', KEYS[2], 0)
  if head then redis.call('publish', KEYS[4] .. head, 'your-turn') end
end
${dropOneHold("if redis.call('exists', KEYS[1]) == 0 then wake_next() end")}
wake_next()
return 1`);

// A waiter gives up: leave the queue, and everyone behind moves up one grace slot.
const LEAVE_QUEUE = new LuaScript(`
local queue = redis.call('lrange', KEYS[1], 0, -1)
local behind = false
for i = 1, #queue do
  if behind then redis.call('zincrby', KEYS[2], -tonumber(ARGV[2]), queue[i]) end
  if queue[i] == ARGV[1] then behind = true end
end
redis.call('zrem', KEYS[2], ARGV[1])
redis.call('lrem', KEYS[1], 0, ARGV[1])
return 1`);

export interface FairLockOptions {
  leaseMs: number;
}

export class RedisFairLock implements DistributedLock {
  readonly queueKey: string;
  readonly timeoutKey: string;
  readonly channelPrefix: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly subscriptions: Subscriptions,
    readonly key: string,
    private readonly opts: FairLockOptions,
  ) {
    this.queueKey = `${key}:queue`;
    this.timeoutKey = `${key}:timeouts`;
    this.channelPrefix = `${key}:channel:`;
  }

  private acquire(owner: string, graceMs: number): Promise<number | null> {
    return ACQUIRE.run(this.redis, [this.key, this.queueKey, this.timeoutKey], [this.opts.leaseMs, owner, graceMs]) as Promise<number | null>;
  }

  /** As Redisson's tryLock(waitTime, leaseTime): the wait is also the grace a waiter gets for its turn. */
  async tryLock(owner: string, waitMs: number): Promise<boolean> {
    const grace = Math.max(1, waitMs);
    const deadline = Date.now() + waitMs;
    if ((await this.acquire(owner, grace)) === null) return true;
    const channel = this.channelPrefix + owner;
    await this.subscriptions.subscribe(channel);
    try {
      for (;;) {
        const ttl = await this.acquire(owner, grace);
        if (ttl === null) return true;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          await LEAVE_QUEUE.run(this.redis, [this.queueKey, this.timeoutKey], [owner, grace]);
          return false;
        }
        await this.subscriptions.waitFor(channel, Math.min(Math.max(ttl, 1), remaining));
      }
    } finally {
      await this.subscriptions.unsubscribe(channel);
    }
  }

  async unlock(owner: string): Promise<boolean> {
    const keys = [this.key, this.queueKey, this.timeoutKey, this.channelPrefix];
    return ((await RELEASE.run(this.redis, keys, [owner, this.opts.leaseMs])) as number) !== -1;
  }
}

export const fairLockScripts = { ACQUIRE, RELEASE, LEAVE_QUEUE };
