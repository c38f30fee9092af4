import type { RedisClient } from './types.js';
import { LuaScript } from './locks/luaScript.js';
import { INSERT_USER_COUPON } from './criticalSection.js';
import { claimLedger, claimOutcome, claimScript } from './redisClaim.js';
import { failedOutcome } from './failure.js';
import { NO_TIMER } from '../src/serverTiming.js';
import { onConnection } from './transaction.js';
import { onPgClient } from './postgres/transaction.js';
import type { IssueOutcome, Strategy } from './types.js';

// One hash tag per coupon: the claim script touches both keys, and on a cluster they must share a slot.
const stockKey = (couponId: number) => `couponbench:atomic:{coupon:${couponId}}:stock`;
const winnersKey = (couponId: number) => `couponbench:atomic:{coupon:${couponId}}:winners`;

const CLAIM = claimScript();

const WRITE_WINNER = `START TRANSACTION; UPDATE coupons SET quantity = quantity - 1 WHERE id = ?; ${INSERT_USER_COUPON}; COMMIT`;
// On PostgreSQL, one statement (its own transaction) does both.
const WRITE_WINNER_PG = `WITH taken AS (UPDATE coupons SET quantity = quantity - 1 WHERE id = $1 RETURNING id)
INSERT INTO user_coupon (user_id, coupon_id, issued_at) SELECT $2, id, now() FROM taken`;

// Give the unit back when the database write failed.
const COMPENSATE = new LuaScript(`
redis.call('incr', KEYS[1])
if redis.call('hincrby', KEYS[2], ARGV[1], -1) <= 0 then redis.call('hdel', KEYS[2], ARGV[1]) end
return 1`);

/**
 * No lock at all: Redis decides who wins in one script; only winners touch MySQL, with an atomic
 * decrement, so the hot row sees at most Q writes. If the MySQL write fails the Redis claim is
 * compensated, keeping Redis and the database reconcilable.
 */
export const redisAtomic: Strategy = {
  name: 'redis-atomic',
  summary: 'Lua script claims stock + records the user in Redis; winners written to the database',
  promise: 'across-instances',
  knobs: [],
  databases: ['mysql', 'postgres'],
  // No lock to lose; but a killed instance can leave a Redis claim with no row, and a Redis restart loses the stock.
  // Redis decides, MySQL records after: a holder killed, Redis emptied or a connection cut between the two loses the record.
  breaksUnder: ['kills-holder', 'empties-redis', 'cuts-connections'],
  create: (ctx) => ({
    issue: async (req): Promise<IssueOutcome> => {
      const keys = [stockKey(req.couponId), winnersKey(req.couponId)];
      let claim: number;
      try {
        claim = (await (req.timer ?? NO_TIMER).time('redis-claim', () => CLAIM.run(ctx.redis, keys, [req.userId, ctx.onePerUser ? '1' : '0']))) as number;
      } catch (err) {
        return failedOutcome(err);
      }
      if (claim !== 1) return claimOutcome(claim);
      // Decrement first: the UPDATE takes the row's exclusive lock before the insert's foreign
      // key check wants a shared one, so winners queue on the row instead of deadlocking. The
      // transaction is one round trip, so the row is locked only while the server runs it.
      const outcome =
        ctx.db === 'postgres'
          ? await onPgClient(ctx.pg!, async (client, timer) => {
              await timer.time('lock', () => client.query(WRITE_WINNER_PG, [req.couponId, req.userId]));
              return { result: 'issued' } as const;
            }, req.timer)
          : await onConnection(ctx.mysql, async (conn, timer) => {
              await timer.time('lock', () => conn.query(WRITE_WINNER, [req.couponId, req.userId, req.couponId]));
              return { result: 'issued' } as const;
            }, req.timer);
      if (outcome.result !== 'issued') await COMPENSATE.run(ctx.redis, keys, [req.userId]).catch(() => {});
      return outcome;
    },
  }),
  prepare: async (redis: RedisClient, coupon) => {
    await redis.set(stockKey(coupon.couponId), coupon.quantity);
    await redis.del(winnersKey(coupon.couponId));
  },
  ledger: (redis: RedisClient, couponId) => claimLedger(redis, stockKey(couponId), winnersKey(couponId)),
};
