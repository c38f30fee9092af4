import type { Pool } from 'mysql2/promise';
import { poolCode } from '../src/db/seed.js';
import { NO_TIMER } from '../src/serverTiming.js';
import { failedOutcome } from './failure.js';
import { LuaScript } from './locks/luaScript.js';
import { GroupCommit } from './groupCommit.js';
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

interface Winner {
  userId: number;
  couponId: number;
  code: string;
}

/**
 * The winners of one batch written in one transaction, one round trip: their codes marked taken in
 * one UPDATE (each code its own row: no hot row), their rows in one multi-row INSERT, one commit.
 */
async function writeWinners(mysql: Pool, winners: Winner[]): Promise<Array<'issued'>> {
  const cases = winners.map(() => 'WHEN ? THEN ?').join(' ');
  const sql = `START TRANSACTION;
UPDATE coupon_code SET claimed_by = CASE code ${cases} END, claimed_at = NOW(6) WHERE code IN (${winners.map(() => '?').join(', ')});
INSERT INTO user_coupon (user_id, coupon_id, issued_at, code) VALUES ${winners.map(() => '(?, ?, NOW(6), ?)').join(', ')};
COMMIT`;
  const params = [...winners.flatMap((w) => [w.code, w.userId]), ...winners.map((w) => w.code), ...winners.flatMap((w) => [w.userId, w.couponId, w.code])];
  const conn = await mysql.getConnection();
  try {
    await conn.query(sql, params);
    return winners.map(() => 'issued');
  } catch (err) {
    await conn.rollback().catch(() => {});
    throw err;
  } finally {
    conn.release();
  }
}

const LOAD_BATCH = 10_000;

/**
 * A pool of pre-generated codes in a Redis set: SPOP hands each winner a different code in one
 * script (which also refuses a repeat winner), then the winner and the code are written to MySQL
 * without touching the coupon's stock row, with the other winners of the moment in one
 * transaction (group commit): each is answered after its row committed.
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
  create: (ctx) => {
    // The winners told "issued" only once their batch committed (strategies/groupCommit.ts).
    const writer = new GroupCommit<Winner, 'issued'>((winners) => writeWinners(ctx.mysql, winners));
    return {
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
        try {
          await (req.timer ?? NO_TIMER).time('group', () => writer.submit({ userId: req.userId, couponId: req.couponId, code }));
          return { result: 'issued' };
        } catch (err) {
          await GIVE_BACK.run(ctx.redis, keys, [req.userId, code]).catch(() => {});
          return failedOutcome(err);
        }
      },
    };
  },
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
