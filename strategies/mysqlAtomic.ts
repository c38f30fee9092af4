import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { onConnection } from './transaction.js';
import type { IssueOutcome, Strategy } from './types.js';

// The INSERT runs right behind the conditional UPDATE, on the server, only if it took a unit.
const DECREMENT_THEN_INSERT = `UPDATE coupons SET quantity = quantity - 1 WHERE id = ? AND quantity > 0;
INSERT INTO user_coupon (user_id, coupon_id, issued_at) SELECT ?, ?, NOW(6) FROM DUAL WHERE ROW_COUNT() > 0`;
// One per user: the check runs after the UPDATE holds the row, so concurrent requests of one user are serialised.
const DECREMENT_THEN_INSERT_ONCE = `${DECREMENT_THEN_INSERT}
  AND NOT EXISTS (SELECT 1 FROM user_coupon WHERE coupon_id = ? AND user_id = ?)`;

/**
 * One conditional UPDATE does the check and the decrement at once, and takes the row's exclusive
 * lock. The whole transaction goes to the server in one round trip (two when one per user, whose
 * refusal must undo the decrement): every round trip spent between the UPDATE and the COMMIT is
 * time the hot row stays locked, and time a pooled connection is held.
 */
export const mysqlAtomic: Strategy = {
  name: 'mysql-atomic',
  summary: 'UPDATE ... SET quantity = quantity - 1 WHERE quantity > 0, then insert, in one round trip',
  promise: 'across-instances',
  knobs: [],
  breaksUnder: [],
  create: (ctx) => ({
    issue: (req) =>
      onConnection(
        ctx.mysql,
        async (conn, timer): Promise<IssueOutcome> => {
          // The row lock wait and the work behind it are one round trip: timed as the lock wait.
          const [results] = await timer.time('lock', () =>
            ctx.onePerUser
              ? conn.query<ResultSetHeader[]>(`START TRANSACTION; ${DECREMENT_THEN_INSERT_ONCE}`, [req.couponId, req.userId, req.couponId, req.couponId, req.userId])
              : conn.query<ResultSetHeader[]>(`START TRANSACTION; ${DECREMENT_THEN_INSERT}; COMMIT`, [req.couponId, req.userId, req.couponId]),
          );
          const [, update, insert] = results;
          if (update!.affectedRows === 1 && insert!.affectedRows === 1) {
            if (ctx.onePerUser) await timer.time('commit', () => conn.commit());
            return { result: 'issued' };
          }
          if (ctx.onePerUser) await conn.rollback(); // gives back the unit, if one was taken
          if (update!.affectedRows === 1) {
            if (ctx.onePerUser) return { result: 'already_issued' };
            throw new Error('the decrement committed without its insert'); // ROW_COUNT() broke its word
          }
          // Nothing taken: why, asked outside the lock.
          const [rows] = await conn.query<RowDataPacket[]>('SELECT 1 FROM coupons WHERE id = ?', [req.couponId]);
          return { result: rows.length === 0 ? 'unknown_coupon' : 'sold_out' };
        },
        req.timer,
      ),
  }),
};
