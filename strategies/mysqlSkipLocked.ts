import type { RowDataPacket } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import { stallIfAsked } from './faultHook.js';
import { onConnection } from './transaction.js';
import type { IssueOutcome, Strategy } from './types.js';

// Each winner takes a different row: FOR UPDATE SKIP LOCKED passes over codes other transactions
// are claiming, instead of queueing behind them as every request does on one hot row.
const CLAIM_FREE_CODE = 'SELECT id, code FROM coupon_code WHERE coupon_id = ? AND claimed_by IS NULL LIMIT 1 FOR UPDATE SKIP LOCKED';
// One per user: the user's own row is locked first, so two requests of one user cannot both pass
// the check while taking two different codes. No hot row: a lock per user.
const LOCK_USER_AND_CHECK = 'SELECT id FROM users WHERE id = ? FOR UPDATE; SELECT 1 FROM user_coupon WHERE coupon_id = ? AND user_id = ? LIMIT 1';
const FREE_LEFT = 'SELECT COUNT(*) AS n FROM coupon_code WHERE coupon_id = ? AND claimed_by IS NULL';
const ASSIGN_AND_COMMIT = 'UPDATE coupon_code SET claimed_by = ?, claimed_at = NOW(6) WHERE id = ?; INSERT INTO user_coupon (user_id, coupon_id, issued_at, code) VALUES (?, ?, NOW(6), ?); COMMIT';
/** Every free code was locked by a claim in flight: ask again this many times before giving up. */
const BUSY_RETRIES = 20;

/**
 * A pool of pre-generated codes instead of one stock row: claim one free code row with SELECT ...
 * FOR UPDATE SKIP LOCKED, mark it taken and record the winner with that code, in one transaction
 * of two round trips (the claim, with the user's lock and check when one per user; then the
 * assignment with its commit). Concurrent winners take different rows and do not queue.
 */
export const mysqlSkipLocked: Strategy = {
  name: 'mysql-skip-locked',
  summary: 'code pool: claim a free code row with FOR UPDATE SKIP LOCKED, then assign it (no hot row)',
  promise: 'across-instances',
  survives: 'every',
  codePool: true,
  create: (ctx) => ({
    issue: async (req) => {
      for (let attempt = 0; ; attempt++) {
        let busy = false;
        const outcome = await onConnection(
          ctx.mysql,
          async (conn, timer): Promise<IssueOutcome> => {
            const [sets] = await timer.time('lock', () =>
              ctx.onePerUser
                ? conn.query<RowDataPacket[][]>(`START TRANSACTION; ${LOCK_USER_AND_CHECK}; ${CLAIM_FREE_CODE}`, [req.userId, req.couponId, req.userId, req.couponId])
                : conn.query<RowDataPacket[][]>(`START TRANSACTION; ${CLAIM_FREE_CODE}`, [req.couponId]),
            );
            const [held, codes] = ctx.onePerUser ? [sets[2]!, sets[3]!] : [[], sets[1]!];
            if (held.length > 0 || codes.length === 0) {
              await conn.rollback(); // gives back the code it may have locked
              if (held.length > 0) return { result: 'already_issued' };
              // None free, or none free and unlocked: locked ones may yet be given back (a claim rolled back).
              const [left] = await conn.query<RowDataPacket[]>(FREE_LEFT, [req.couponId]);
              busy = Number(left[0]!.n) > 0;
              return { result: busy ? 'retries_exhausted' : 'sold_out' };
            }
            await stallIfAsked(); // fault injection point (slow-holder); a no-op unless the nemesis asked
            const { id, code } = codes[0]!;
            await timer.time('cs', () => conn.query(ASSIGN_AND_COMMIT, [req.userId, id, req.userId, req.couponId, code]));
            return { result: 'issued' };
          },
          req.timer,
        );
        if (!busy || attempt >= BUSY_RETRIES) return outcome;
        await sleep(2 + Math.random() * 3);
      }
    },
  }),
};
