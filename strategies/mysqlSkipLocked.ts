import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import { NO_TIMER } from '../src/serverTiming.js';
import { failedOutcome } from './failure.js';
import { stallIfAsked } from './faultHook.js';
import { GroupCommit } from './groupCommit.js';
import type { IssueOutcome, Strategy } from './types.js';

// Each winner takes a different row: FOR UPDATE SKIP LOCKED passes over codes other transactions
// are claiming, instead of queueing behind them as every request does on one hot row. The scan
// starts at a random code and goes up the primary key, then covers the codes below the start:
// started at the first code every time, it would walk over every code already claimed (and, in
// InnoDB, over their old index entries until purge catches up), and the pool would get slower the
// more of it was given out. From a random start the walk is a linear probe: short until the pool
// is nearly empty.
//
// READ COMMITTED and the primary key, on purpose: under REPEATABLE READ InnoDB keeps the lock on
// every row a locking read examines, matching or not, so a scan over claimed codes piles up row
// locks (MariaDB 10.11 aborts once lock heaps fill 95% of the buffer pool: seen here with the
// coupon_id index, whose scan began at the first code).
const BEGIN = 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED; START TRANSACTION';
const CLAIM_FREE_CODES = (range: string) =>
  `SELECT id, code FROM coupon_code FORCE INDEX (PRIMARY) WHERE ${range} AND coupon_id = ? AND claimed_by IS NULL ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED`;
const CODE_IDS = 'SELECT MIN(id) AS lo, MAX(id) AS hi FROM coupon_code WHERE coupon_id = ?';
// One per user: the users' own rows are locked first (in id order: batches never wait in a
// cycle), so two requests of one user cannot both pass the check while taking two different
// codes. No hot row: a lock per user.
const LOCK_USERS_AND_CHECK = (n: number) =>
  `SELECT id FROM users WHERE id IN (${marks(n)}) ORDER BY id FOR UPDATE; SELECT DISTINCT user_id FROM user_coupon WHERE coupon_id = ? AND user_id IN (${marks(n)})`;
const FREE_LEFT = 'SELECT COUNT(*) AS n FROM coupon_code WHERE coupon_id = ? AND claimed_by IS NULL';
/** Every free code was locked by a claim in flight: ask again this many times before giving up. */
const BUSY_RETRIES = 20;

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

interface Claim {
  couponId: number;
  userId: number;
}
/** `busy`: no free code this time, but some are locked by claims in flight that may yet roll back. */
type ClaimAnswer = 'issued' | 'already_issued' | 'sold_out' | 'busy';

/**
 * A batch of claims on one coupon in one transaction of two round trips, however many claims:
 * (the users' locks and check, when one per user, and) the free codes claimed with SKIP LOCKED;
 * then every code marked taken in one UPDATE, the winners' rows in one INSERT, and the commit.
 */
async function claimCodes(conn: PoolConnection, range: { lo: number; hi: number }, onePerUser: boolean, couponId: number, claims: Claim[]): Promise<ClaimAnswer[]> {
  const from = range.lo + Math.floor(Math.random() * (range.hi - range.lo + 1));
  const users = [...new Set(claims.map((c) => c.userId))];
  const claim = `${CLAIM_FREE_CODES('id >= ?')}; ${CLAIM_FREE_CODES('id < ?')}`;
  const claimParams = [from, couponId, claims.length, from, couponId, claims.length];
  const [sets] = onePerUser
    ? await conn.query<RowDataPacket[][]>(`${BEGIN}; ${LOCK_USERS_AND_CHECK(users.length)}; ${claim}`, [...users, couponId, ...users, ...claimParams])
    : await conn.query<RowDataPacket[][]>(`${BEGIN}; ${claim}`, claimParams);
  const held = new Set(onePerUser ? sets[3]!.map((r) => Number(r.user_id)) : []);
  const codes = [...sets[sets.length - 2]!, ...sets[sets.length - 1]!] as Array<{ id: number; code: string }>;
  await stallIfAsked(); // fault injection point (slow-holder); a no-op unless the nemesis asked

  const answers: ClaimAnswer[] = [];
  const winners: Array<{ userId: number; id: number; code: string }> = [];
  for (const c of claims) {
    if (onePerUser && held.has(c.userId)) answers.push('already_issued');
    else if (winners.length < codes.length) {
      answers.push('issued');
      held.add(c.userId);
      winners.push({ userId: c.userId, ...codes[winners.length]! });
    } else answers.push('busy'); // decided below: sold out, or every free code being claimed
  }
  let write = '';
  const params: Array<number | string> = [];
  if (winners.length > 0) {
    write += `UPDATE coupon_code SET claimed_by = CASE id ${winners.map(() => 'WHEN ? THEN ?').join(' ')} END, claimed_at = NOW(6) WHERE id IN (${marks(winners.length)}); `;
    write += `INSERT INTO user_coupon (user_id, coupon_id, issued_at, code) VALUES ${winners.map(() => '(?, ?, NOW(6), ?)').join(', ')}; `;
    params.push(...winners.flatMap((w) => [w.id, w.userId]), ...winners.map((w) => w.id), ...winners.flatMap((w) => [w.userId, couponId, w.code]));
  }
  const left = answers.includes('busy');
  if (left) {
    write += `${FREE_LEFT}; `;
    params.push(couponId);
  }
  const [results] = await conn.query<RowDataPacket[][]>(`${write}COMMIT`, params);
  // Free codes our own claims did not take are locked by others' claims in flight: ask again.
  const free = left ? Number(results[winners.length > 0 ? 2 : 0]![0]!.n) : 0;
  return free > 0 ? answers : answers.map((a) => (a === 'busy' ? 'sold_out' : a));
}

async function claimBatch(pool: Pool, rangeOf: (couponId: number) => Promise<{ lo: number; hi: number }>, onePerUser: boolean, claims: Claim[]): Promise<ClaimAnswer[]> {
  const answers = new Array<ClaimAnswer>(claims.length);
  // One transaction per coupon in the batch (nearly always one).
  for (const couponId of new Set(claims.map((c) => c.couponId))) {
    const mine = claims.flatMap((c, i) => (c.couponId === couponId ? [i] : []));
    const range = await rangeOf(couponId);
    const conn = await pool.getConnection();
    try {
      const got = await claimCodes(conn, range, onePerUser, couponId, mine.map((i) => claims[i]!));
      mine.forEach((i, k) => (answers[i] = got[k]!));
    } catch (err) {
      await conn.rollback().catch(() => {});
      throw err;
    } finally {
      conn.release();
    }
  }
  return answers;
}

/**
 * A pool of pre-generated codes instead of one stock row: free code rows claimed with SELECT ...
 * FOR UPDATE SKIP LOCKED, marked taken and the winners recorded with their codes. The claims of
 * the moment go in one transaction (group commit, strategies/groupCommit.ts), each answered after
 * it committed: two round trips and one commit for the batch. Concurrent batches take different
 * rows and do not queue.
 */
export const mysqlSkipLocked: Strategy = {
  name: 'mysql-skip-locked',
  summary: 'code pool: claim free code rows with FOR UPDATE SKIP LOCKED and assign them, a batch per transaction (no hot row)',
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
    const claimer = new GroupCommit<Claim, ClaimAnswer>((claims) => claimBatch(ctx.mysql, rangeOf, ctx.onePerUser, claims));
    return {
      issue: async (req): Promise<IssueOutcome> => {
        for (let attempt = 0; ; attempt++) {
          let answer: ClaimAnswer;
          try {
            answer = await (req.timer ?? NO_TIMER).time('group', () => claimer.submit({ couponId: req.couponId, userId: req.userId }));
          } catch (err) {
            return failedOutcome(err);
          }
          if (answer !== 'busy') return { result: answer };
          if (attempt >= BUSY_RETRIES) return { result: 'retries_exhausted' };
          await sleep(2 + Math.random() * 3);
        }
      },
    };
  },
};
