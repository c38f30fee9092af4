import type { RedisClient } from './types.js';
import { LuaScript } from './locks/luaScript.js';
import { claimLedger, claimOutcome, claimScript } from './redisClaim.js';
import { failedOutcome } from './failure.js';
import { NO_TIMER } from '../src/serverTiming.js';
import type { IssueOutcome, Strategy } from './types.js';

// One hash tag per coupon: the claim script touches both keys, and on a cluster they must share a slot.
const stockKey = (couponId: number) => `couponbench:atomic:{coupon:${couponId}}:stock`;
const winnersKey = (couponId: number) => `couponbench:atomic:{coupon:${couponId}}:winners`;

const CLAIM = claimScript();

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
      const outcome = await ctx.sections.recordWinner(req, req.timer);
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
