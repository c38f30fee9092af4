import { LuaScript } from './luaScript.js';
import { RedisSpinLock } from './redisSpinLock.js';

// Take the lock and the next fencing token in one atomic step: tokens grow with every acquisition.
const ACQUIRE = new LuaScript(`
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('incr', KEYS[2])
end
return 0`);

/**
 * The spin lock with a fencing token (Kleppmann, "How to do distributed locking"): every
 * acquisition also gets a number larger than any before it. A lease can still run out under a
 * paused holder; what saves integrity is the storage refusing a write whose token is older than
 * one it has seen. The token key shares the lock's hash tag (one Lua step on a cluster).
 */
export class FencedSpinLock extends RedisSpinLock {
  private readonly tokens = new Map<string, number>();

  get tokenKey(): string {
    return `${this.key}:token`;
  }

  /** Lock and token in one step; the spin, the wait and the release are the spin lock's own. */
  protected override async attempt(owner: string): Promise<boolean> {
    const token = Number(await ACQUIRE.run(this.redis, [this.key, this.tokenKey], [owner, this.opts.leaseMs]));
    if (token > 0) this.tokens.set(owner, token);
    return token > 0;
  }

  override async unlock(owner: string): Promise<boolean> {
    this.tokens.delete(owner);
    return super.unlock(owner);
  }

  /** The fencing token `owner` got with the lock. */
  tokenOf(owner: string): number {
    const token = this.tokens.get(owner);
    if (token === undefined) throw new Error(`${owner} holds no fencing token`);
    return token;
  }
}
