import { poolCode } from '../src/db/seed.js';
import { NO_TIMER } from '../src/serverTiming.js';
import { failedOutcome } from './failure.js';
import { LuaScript } from './locks/luaScript.js';
import { onConnection } from './transaction.js';
import type { IssueOutcome, RedisClient, RedisLedger, Strategy } from './types.js';

// One hash tag per coupon: the script touches both keys, and on a cluster they must share a slot.
const codesKey = (couponId: number) => `couponbench:pop:{coupon:${couponId}}:codes`;
const winnersKey = (couponId: number) => `couponbench:pop:{coupon:${couponId}}:winners`;

/** KEYS[1] free codes (a set), KEYS[2] winners (user -> codes won); ARGV[1] user, ARGV[2] '1' when one per user. */
const POP = new LuaScript(`
if ARGV[2] == '1' and redis.call('hexists', KEYS[2], ARGV[1]) == 1 then return -1 end
local code = redis.call('spop', KEYS[1])
if not code then return 0 end
redis.call('hincrby', KEYS[2], ARGV[1], 1)
return code`);

// Give the code back when the database write failed.
const GIVE_BACK = new LuaScript(`
redis.call('sadd', KEYS[1], ARGV[2])
if redis.call('hincrby', KEYS[2], ARGV[1], -1) <= 0 then redis.call('hdel', KEYS[2], ARGV[1]) end
return 1`);

// The pool's row marked taken and the winner's row, in one round trip; each code is its own row: no hot row.
const WRITE_WINNER = `START TRANSACTION;
UPDATE coupon_code SET claimed_by = ?, claimed_at = NOW(6) WHERE coupon_id = ? AND code = ?;
INSERT INTO user_coupon (user_id, coupon_id, issued_at, code) VALUES (?, ?, NOW(6), ?);
COMMIT`;

const LOAD_BATCH = 10_000;

/**
 * A pool of pre-generated codes in a Redis set: SPOP hands each winner a different code in one
 * script (which also refuses a repeat winner), then the winner and the code are written to MySQL
 * as redis-atomic writes its winners, without touching the coupon's stock row.
 */
export const redisPop: Strategy = {
  name: 'redis-pop',
  summary: 'code pool: SPOP a code from a Redis set (one script), then write the winner and the code to MySQL',
  promise: 'across-instances',
  knobs: [],
  codePool: true,
  // As redis-atomic: no lock to lose, but a killed instance can leave a popped code with no row, and a Redis restart loses the pool.
  // Redis decides, MySQL records after: a holder killed, Redis emptied or a connection cut between the two loses the record.
  breaksUnder: ['kills-holder', 'empties-redis', 'cuts-connections'],
  create: (ctx) => ({
    issue: async (req): Promise<IssueOutcome> => {
      const keys = [codesKey(req.couponId), winnersKey(req.couponId)];
      let popped: number | string;
      try {
        popped = (await (req.timer ?? NO_TIMER).time('redis-claim', () => POP.run(ctx.redis, keys, [req.userId, ctx.onePerUser ? '1' : '0']))) as number | string;
      } catch (err) {
        return failedOutcome(err);
      }
      if (popped === -1) return { result: 'already_issued' };
      if (popped === 0) return { result: 'sold_out' };
      const code = String(popped);
      const outcome = await onConnection(ctx.mysql, async (conn, timer) => {
        await timer.time('lock', () => conn.query(WRITE_WINNER, [req.userId, req.couponId, code, req.userId, req.couponId, code]));
        return { result: 'issued' } as const;
      }, req.timer);
      if (outcome.result !== 'issued') await GIVE_BACK.run(ctx.redis, keys, [req.userId, code]).catch(() => {});
      return outcome;
    },
  }),
  prepare: async (redis: RedisClient, coupon) => {
    await redis.del(codesKey(coupon.couponId), winnersKey(coupon.couponId));
    for (let from = 0; from < coupon.quantity; from += LOAD_BATCH) {
      const codes: string[] = [];
      for (let i = from; i < Math.min(coupon.quantity, from + LOAD_BATCH); i++) codes.push(poolCode(coupon.couponId, i));
      await redis.sadd(codesKey(coupon.couponId), ...codes);
    }
  },
  // Winners are codes won (a user may win several when not limited to one): the sum of the counts.
  ledger: async (redis: RedisClient, couponId): Promise<RedisLedger> => ({
    stock: await redis.scard(codesKey(couponId)),
    winners: (await redis.hvals(winnersKey(couponId))).reduce((sum, n) => sum + Number(n), 0),
  }),
};
