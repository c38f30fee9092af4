import type { PoolClient } from 'pg';
import { NO_TIMER } from '../../src/serverTiming.js';
import { stallIfAsked } from '../faultHook.js';
import type { IssueOutcome, IssueRequest } from '../types.js';

/** The stock, and whether the user already holds one, in one statement (one round trip). */
const READ = 'SELECT quantity, EXISTS (SELECT 1 FROM user_coupon WHERE coupon_id = $1 AND user_id = $2) AS held FROM coupons WHERE id = $1';
/** The user's coupon and the quantity the application computed, written back in one statement. */
const WRITE_BACK = `WITH issued AS (INSERT INTO user_coupon (user_id, coupon_id, issued_at) VALUES ($1, $2, now()) RETURNING 1)
UPDATE coupons SET quantity = $3 WHERE id = $2`;
/**
 * The same, one per user. The read's answer to "held?" comes from its statement's snapshot,
 * taken before a FOR UPDATE waited for the row: a request of the same user that held the row
 * meanwhile and committed is not in it. A statement of its own, started once the row is ours,
 * sees that commit (READ COMMITTED), so the check is made again here.
 */
const WRITE_BACK_ONCE = `WITH issued AS (
  INSERT INTO user_coupon (user_id, coupon_id, issued_at) SELECT $1, $2, now()
  WHERE NOT EXISTS (SELECT 1 FROM user_coupon WHERE coupon_id = $2 AND user_id = $1) RETURNING 1)
UPDATE coupons SET quantity = $3 WHERE id = $2 AND EXISTS (SELECT 1 FROM issued)`;

/**
 * The naive read-modify-write on PostgreSQL, as on MySQL (strategies/criticalSection.ts): read
 * the quantity, check it, insert the user's coupon, write quantity - 1 back. Under READ COMMITTED
 * without a lock, two transactions read the same quantity and the second write overwrites the
 * first (lost updates). The insert's foreign key takes only a KEY SHARE lock on the coupon row,
 * which the quantity UPDATE does not conflict with: unlike InnoDB, no deadlocks.
 *
 * `forUpdate` turns the read into SELECT ... FOR UPDATE (the pessimistic lock).
 */
export async function pgReadModifyWrite(client: PoolClient, req: IssueRequest, onePerUser: boolean, forUpdate = false): Promise<IssueOutcome> {
  const read = () => client.query<{ quantity: number; held: boolean }>(`${READ}${forUpdate ? ' FOR UPDATE OF coupons' : ''}`, [req.couponId, req.userId]);
  const { rows } = await (forUpdate ? (req.timer ?? NO_TIMER).time('lock', read) : read());
  if (rows.length === 0) return { result: 'unknown_coupon' };
  const quantity = Number(rows[0]!.quantity);
  if (quantity <= 0) return { result: 'sold_out' };
  await stallIfAsked(); // fault injection point (slow-holder); a no-op unless the nemesis asked
  if (onePerUser && rows[0]!.held) return { result: 'already_issued' };
  const written = await client.query(onePerUser ? WRITE_BACK_ONCE : WRITE_BACK, [req.userId, req.couponId, quantity - 1]);
  return written.rowCount === 1 ? { result: 'issued' } : { result: 'already_issued' };
}
