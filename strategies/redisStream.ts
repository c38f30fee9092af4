import { NO_TIMER } from '../src/serverTiming.js';
import { failedOutcome } from './failure.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimLedger, claimOutcome, claimScript } from './redisClaim.js';
import { GROUP, StreamWriter, type StreamKeys } from './streamWriter.js';
import { percentile } from '../src/load/percentile.js';
import type { IssueOutcome, Persistence, Strategy } from './types.js';

// Every key of a coupon shares one hash tag: the claim script and the writer's MULTI touch several.
const key = (couponId: number, part: string) => `couponbench:stream:{coupon:${couponId}}:${part}`;
const streamKeys = (couponId: number): StreamKeys => ({ log: key(couponId, 'log'), stats: key(couponId, 'stats'), lags: key(couponId, 'lags') });

// In the same atomic step as the claim: append the winner to the stream (KEYS[3]) and keep the
// most winners ever waiting for MySQL, claimed - persisted (KEYS[4]).
const CLAIM = claimScript(`
redis.call('xadd', KEYS[3], '*', 'u', ARGV[1])
local claimed = redis.call('hincrby', KEYS[4], 'claimed', 1)
local waiting = claimed - tonumber(redis.call('hget', KEYS[4], 'persisted') or '0')
if waiting > tonumber(redis.call('hget', KEYS[4], 'maxWaiting') or '0') then redis.call('hset', KEYS[4], 'maxWaiting', waiting) end`);


const SETTLE_POLL_MS = 50;

/**
 * Write-behind: Redis decides and the client is told at once; MySQL is written later, in
 * batches, by a consumer group (strategies/streamWriter.ts). The hot row takes one UPDATE per
 * batch instead of one per winner, which is how this design gets past the hot-row ceiling. The
 * price is a window in which a winner exists only in Redis: the audit waits for it to close.
 */
export const redisStream: Strategy = {
  name: 'redis-stream',
  summary: 'Lua claims stock and appends the winner to a Redis Stream; a consumer group writes winners to MySQL in batches',
  promise: 'across-instances',
  knobs: [],
  // No lock; a dead consumer's entries are taken over. A Redis restart loses the stock and the stream.
  // The stream outlives a killed instance (another drains it); Redis emptied or a connection cut loses what was queued.
  breaksUnder: ['empties-redis', 'cuts-connections'],
  create: (ctx) => {
    const writers = new Map<number, StreamWriter>();
    const writerFor = (couponId: number) => {
      if (!writers.has(couponId)) writers.set(couponId, new StreamWriter(ctx.redis, ctx.mysql, couponId, streamKeys(couponId), `instance-${ctx.instance}-${process.pid}`));
    };
    return {
      issue: async (req): Promise<IssueOutcome> => {
        writerFor(req.couponId);
        const k = streamKeys(req.couponId);
        let claim: number;
        try {
          const run = () => CLAIM.run(ctx.redis, [key(req.couponId, 'stock'), key(req.couponId, 'winners'), k.log, k.stats], [req.userId, ctx.onePerUser ? '1' : '0']);
          claim = (await (req.timer ?? NO_TIMER).time('redis-claim', run)) as number;
        } catch (err) {
          return failedOutcome(err);
        }
        return claimOutcome(claim);
      },
      close: async () => {
        await Promise.all([...writers.values()].map((w) => w.close()));
      },
    };
  },
  prepare: async (redis, coupon) => {
    const k = streamKeys(coupon.couponId);
    await redis.del(key(coupon.couponId, 'winners'), k.log, k.stats, k.lags);
    await redis.set(key(coupon.couponId, 'stock'), coupon.quantity);
    await redis.call('XGROUP', 'CREATE', k.log, GROUP, '$', 'MKSTREAM');
  },
  ledger: (redis, couponId) => claimLedger(redis, key(couponId, 'stock'), key(couponId, 'winners')),
  settle: async (redis, couponId, timeoutMs) => {
    const k = streamKeys(couponId);
    const started = Date.now();
    const read = async () => {
      const [stats, pendingReply] = await Promise.all([redis.hgetall(k.stats), redis.call('XPENDING', k.log, GROUP) as Promise<[number, ...unknown[]]>]);
      const claimed = Number(stats.claimed ?? 0);
      const persisted = Number(stats.persisted ?? 0);
      return { claimed, persisted, pending: Number(pendingReply[0]), maxWaiting: Number(stats.maxWaiting ?? 0) };
    };
    let state = await read();
    while (state.persisted < state.claimed && Date.now() - started < timeoutMs) {
      await sleep(SETTLE_POLL_MS);
      state = await read();
    }
    const lags = (await redis.lrange(k.lags, 0, -1)).map(Number).sort((a, b) => a - b);
    return {
      ...state,
      drained: state.persisted >= state.claimed && state.pending === 0,
      settleMs: Date.now() - started,
      lagP50Ms: percentile(lags, 50),
      lagP95Ms: percentile(lags, 95),
      lagMaxMs: lags[lags.length - 1] ?? 0,
    } satisfies Persistence;
  },
};
