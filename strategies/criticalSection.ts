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
  const read = () => conn.query<RowDataPacket[]>(`SELECT quantity FROM coupons WHERE id = ?${forUpdate ? ' FOR UPDATE' : ''}`, [req.couponId]);
  // SELECT ... FOR UPDATE is where InnoDB makes the request wait for the row: that is its lock wait.
  const [rows] = await (forUpdate ? (req.timer ?? NO_TIMER).time('lock', read) : read());
  if (rows.length === 0) return { result: 'unknown_coupon' };
  const quantity = Number(rows[0]!.quantity);
  if (quantity <= 0) return { result: 'sold_out' };
  await stallIfAsked(); // fault injection point (slow-holder); a no-op unless the nemesis asked
  if (onePerUser && (await alreadyIssued(conn, req))) return { result: 'already_issued' };
  await insertUserCoupon(conn, req);
  await conn.query('UPDATE coupons SET quantity = ? WHERE id = ?', [quantity - 1, req.couponId]);
  return { result: 'issued' };
}

export async function alreadyIssued(conn: PoolConnection, req: IssueRequest): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT 1 FROM user_coupon WHERE coupon_id = ? AND user_id = ? LIMIT 1',
    [req.couponId, req.userId],
  );
  return rows.length > 0;
}

export async function insertUserCoupon(conn: PoolConnection, req: IssueRequest): Promise<void> {
  await conn.query('INSERT INTO user_coupon (user_id, coupon_id, issued_at) VALUES (?, ?, NOW(6))', [req.userId, req.couponId]);
}
