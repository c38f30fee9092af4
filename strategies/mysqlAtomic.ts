import type { RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import { alreadyIssued, insertUserCoupon } from './criticalSection.js';
import { NO_TIMER } from '../src/serverTiming.js';
import { inTransaction } from './transaction.js';
import type { Strategy } from './types.js';
import { ALL_FAULTS } from './faultProfile.js';

/**
 * One conditional UPDATE does the check and the decrement at once. It also takes the row's
 * exclusive lock first, so the per-user check and the insert that follow are serialised.
 */
export const mysqlAtomic: Strategy = {
  name: 'mysql-atomic',
  summary: 'UPDATE ... SET quantity = quantity - 1 WHERE quantity > 0, then insert',
  promise: 'across-instances',
  survives: ALL_FAULTS,
  create: (ctx) => ({
    issue: (req) =>
      inTransaction(ctx.mysql, async (conn) => {
        // The conditional UPDATE waits for the row's exclusive lock: its time is the lock wait.
        const [update] = await (req.timer ?? NO_TIMER).time('lock', () =>
          conn.query<ResultSetHeader>('UPDATE coupons SET quantity = quantity - 1 WHERE id = ? AND quantity > 0', [req.couponId]),
        );
        if (update.affectedRows === 0) {
          const [rows] = await conn.query<RowDataPacket[]>('SELECT 1 FROM coupons WHERE id = ?', [req.couponId]);
          return { result: rows.length === 0 ? 'unknown_coupon' : 'sold_out' };
        }
        if (ctx.onePerUser && (await alreadyIssued(conn, req))) return { result: 'already_issued' };
        await insertUserCoupon(conn, req);
        return { result: 'issued' };
      }, req.timer),
  }),
};
