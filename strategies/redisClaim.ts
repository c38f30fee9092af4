/**
 * Redis decides who wins, in one script: refuse a repeat winner (when limited), refuse when out
 * of stock, else take a unit and record the user. KEYS[1] stock, KEYS[2] winners (user -> count);
 * ARGV[1] user, ARGV[2] '1' when one per user. A strategy may append what else the same atomic
 * step must do once a unit is taken (`then`).
 */
import { LuaScript } from './locks/luaScript.js';
import type { IssueOutcome, RedisClient, RedisLedger } from './types.js';

export function claimScript(then = ''): LuaScript {
  return new LuaScript(`
local stock = tonumber(redis.call('get', KEYS[1]))
if stock == nil then return -2 end
if ARGV[2] == '1' and redis.call('hexists', KEYS[2], ARGV[1]) == 1 then return -1 end
if stock <= 0 then return 0 end
redis.call('decr', KEYS[1])
redis.call('hincrby', KEYS[2], ARGV[1], 1)
${then}
return 1`);
}

/** The script's answer as an outcome: 1 is `issued`, what else is a refusal. */
export function claimOutcome(code: number): IssueOutcome {
  if (code === -2) return { result: 'unknown_coupon' };
  if (code === -1) return { result: 'already_issued' };
  if (code === 0) return { result: 'sold_out' };
  return { result: 'issued' };
}

/** What the claims left in Redis, for the audit to reconcile with the database: stock and winners. */
export async function claimLedger(redis: RedisClient, stockKey: string, winnersKey: string): Promise<RedisLedger> {
  const stock = await redis.get(stockKey);
  const counts = await redis.hvals(winnersKey);
  return { stock: stock === null ? null : Number(stock), winners: counts.reduce((sum, c) => sum + Number(c), 0) };
}
