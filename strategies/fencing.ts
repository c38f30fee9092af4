/**
 * Fencing tokens for locks that were not built with one (`--fencing`): right after acquiring, the
 * holder takes the next token in one Lua step that first checks it still holds the lock. A holder
 * frozen between acquiring and this step finds the lock gone and gets no token; so tokens are
 * handed out in the order the lock was really held. The storage then refuses older tokens
 * (Kleppmann's argument): the coupon row is claimed with the token before it is read.
 */
import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { readModifyWrite } from './criticalSection.js';
import { LuaScript } from './locks/luaScript.js';
import type { RedisClient } from './locks/types.js';
import type { IssueOutcome, IssueRequest } from './types.js';

// KEYS[1] the lock (a Redisson-style hash: field = owner), KEYS[2] its token counter. 0: not ours.
const TAKE_IF_HELD = new LuaScript(`
if redis.call('hexists', KEYS[1], ARGV[1]) == 1 then
  return redis.call('incr', KEYS[2])
end
return 0`);

/** The next token for `owner` while it holds the hash lock at `lockKey` (0 if it no longer does). */
export async function takeToken(redis: RedisClient, lockKey: string, owner: string): Promise<number> {
  return Number(await TAKE_IF_HELD.run(redis, [lockKey, `${lockKey}:token`], [owner]));
}

/**
 * The critical section with a fence: claim the coupon row with our token first (this also takes
 * the row lock, so no newer holder reads the quantity before we commit), then the same naive
 * read-modify-write. A token older than the row's is refused as `lock_lost`, and nothing is written.
 */
export async function fencedReadModifyWrite(conn: PoolConnection, req: IssueRequest, onePerUser: boolean, token: number): Promise<IssueOutcome> {
  if (token <= 0) return { result: 'lock_lost' };
  const [claim] = await conn.query<ResultSetHeader>('UPDATE coupons SET fence = ? WHERE id = ? AND fence < ?', [token, req.couponId, token]);
  if (claim.affectedRows === 0) return { result: 'lock_lost' };
  return readModifyWrite(conn, req, onePerUser);
}
