import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { NO_TIMER } from '../src/serverTiming.js';
import { stallIfAsked } from './faultHook.js';
import type { IssueOutcome, IssueRequest } from './types.js';

/**
 * The naive read-modify-write every tutorial starts from: read the quantity, check it, insert
 * the user's coupon, write quantity - 1 back. Without a lock around it, concurrent requests read
 * the same quantity and overwrite each other's decrement (lost updates); with the foreign key
 * on user_coupon they also deadlock. Lock strategies wrap exactly this code.
 *
 * `forUpdate` turns the first read into SELECT ... FOR UPDATE (the pessimistic lock).
 */
export async function readModifyWrite(
  conn: PoolConnection,
  req: IssueRequest,
  onePerUser: boolean,
  forUpdate = false,
): Promise<IssueOutcome> {
  // Two round trips, as the code reads: the read (with the per-user check behind it), then the
  // write-back. The race is between them; statements within one go out together, so that under a
  // lock each costs no extra round trip of holding it.
  const select = `SELECT quantity FROM coupons WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`;
  const read = () =>
    onePerUser
      ? conn.query<RowDataPacket[][]>(`${select}; ${ALREADY_ISSUED}`, [req.couponId, req.couponId, req.userId]).then(([sets]) => sets)
      : conn.query<RowDataPacket[]>(select, [req.couponId]).then(([rows]) => [rows]);
  // SELECT ... FOR UPDATE is where InnoDB makes the request wait for the row: that is its lock wait.
  const [rows, held] = await (forUpdate ? (req.timer ?? NO_TIMER).time('lock', read) : read());
  if (rows!.length === 0) return { result: 'unknown_coupon' };
  const quantity = Number(rows![0]!.quantity);
  if (quantity <= 0) return { result: 'sold_out' };
  await stallIfAsked(); // fault injection point (slow-holder); a no-op unless the nemesis asked
  if (held && held.length > 0) return { result: 'already_issued' };
  await conn.query(`${INSERT_USER_COUPON}; UPDATE coupons SET quantity = ? WHERE id = ?`, [req.userId, req.couponId, quantity - 1, req.couponId]);
  return { result: 'issued' };
}

/** Does the user hold one? Parameters: coupon id, user id. */
export const ALREADY_ISSUED = 'SELECT 1 FROM user_coupon WHERE coupon_id = ? AND user_id = ? LIMIT 1';
/** The user's coupon. Parameters: user id, coupon id. */
export const INSERT_USER_COUPON = 'INSERT INTO user_coupon (user_id, coupon_id, issued_at) VALUES (?, ?, NOW(6))';

export async function alreadyIssued(conn: PoolConnection, req: IssueRequest): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>(ALREADY_ISSUED, [req.couponId, req.userId]);
  return rows.length > 0;
}

export async function insertUserCoupon(conn: PoolConnection, req: IssueRequest): Promise<void> {
  await conn.query(INSERT_USER_COUPON, [req.userId, req.couponId]);
}
