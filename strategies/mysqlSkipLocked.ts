import type { RowDataPacket } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import { stallIfAsked } from './faultHook.js';
import { onConnection } from './transaction.js';
import type { IssueOutcome, Strategy } from './types.js';

// Each winner takes a different row: FOR UPDATE SKIP LOCKED passes over codes other transactions
// are claiming, instead of queueing behind them as every request does on one hot row. The scan
// starts at a random code and goes up the primary key: started at the first code every time, it
// would walk over every code already claimed (and, in InnoDB, over their old index entries until
// purge catches up), and the pool would get slower the more of it was given out.
//
// READ COMMITTED and the primary key, on purpose: under REPEATABLE READ InnoDB keeps the lock on
// every row a locking read examines, matching or not, so a scan over claimed codes piles up row
// locks (MariaDB 10.11 aborts once lock heaps fill 95% of the buffer pool: seen here with the
// coupon_id index, whose scan began at the first code).
const CLAIM_FREE_CODE = 'SELECT id, code FROM coupon_code FORCE INDEX (PRIMARY) WHERE id >= ? AND coupon_id = ? AND claimed_by IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED';
const BEGIN = 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED; START TRANSACTION';
const CODE_IDS = 'SELECT MIN(id) AS lo, MAX(id) AS hi FROM coupon_code WHERE coupon_id = ?';
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
  knobs: [],
  breaksUnder: [],
  codePool: true,
  create: (ctx) => {
    // The pool's id range, read once per coupon: seeded before the server starts, never grown.
    const ranges = new Map<number, Promise<{ lo: number; hi: number }>>();
    const rangeOf = (couponId: number) => {
      let range = ranges.get(couponId);
      if (!range) {
        range = ctx.mysql.query<RowDataPacket[]>(CODE_IDS, [couponId]).then(([rows]) => ({ lo: Number(rows[0]!.lo ?? 0), hi: Number(rows[0]!.hi ?? 0) }));
        range.catch(() => ranges.delete(couponId)); // asked again next time
        ranges.set(couponId, range);
      }
      return range;
    };
    return {
      issue: async (req) => {
        const { lo, hi } = await rangeOf(req.couponId);
        for (let attempt = 0; ; attempt++) {
          // A random start, then (second try on) the first code: a free code below the start is found too.
          const from = attempt === 0 ? lo + Math.floor(Math.random() * (hi - lo + 1)) : lo;
          let busy = false;
          const outcome = await onConnection(
            ctx.mysql,
            async (conn, timer): Promise<IssueOutcome> => {
              const [sets] = await timer.time('lock', () =>
                ctx.onePerUser
                  ? conn.query<RowDataPacket[][]>(`${BEGIN}; ${LOCK_USER_AND_CHECK}; ${CLAIM_FREE_CODE}`, [req.userId, req.couponId, req.userId, from, req.couponId])
                  : conn.query<RowDataPacket[][]>(`${BEGIN}; ${CLAIM_FREE_CODE}`, [from, req.couponId]),
              );
              const [held, codes] = ctx.onePerUser ? [sets[3]!, sets[4]!] : [[], sets[2]!];
              if (held.length > 0 || codes.length === 0) {
                await conn.rollback(); // gives back the code it may have locked
                if (held.length > 0) return { result: 'already_issued' };
                // Nothing at or above a random start: look again from the first code, at once.
                if (attempt === 0) {
                  busy = true;
                  return { result: 'retries_exhausted' };
                }
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
          if (attempt > 0) await sleep(2 + Math.random() * 3);
        }
      },
    };
  },
};
