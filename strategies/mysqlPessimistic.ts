import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { ALREADY_ISSUED, INSERT_USER_COUPON } from './criticalSection.js';
import { stallIfAsked } from './faultHook.js';
import { onConnection } from './transaction.js';
import type { IssueOutcome, Strategy } from './types.js';

const LOCK_AND_READ = 'START TRANSACTION; SELECT quantity FROM coupons WHERE id = ? FOR UPDATE';
const WRITE_BACK_AND_COMMIT = `${INSERT_USER_COUPON}; UPDATE coupons SET quantity = ? WHERE id = ?; COMMIT`;

/**
 * The read-modify-write under InnoDB's row lock: SELECT ... FOR UPDATE, then the quantity the
 * application computed is written back. Two round trips, as the logic needs (read, then write):
 * the transaction opens with the locking read, and commits with the write-back, so the row is
 * locked for one round trip, not one per statement.
 */
export const mysqlPessimistic: Strategy = {
  name: 'mysql-pessimistic',
  summary: 'SELECT ... FOR UPDATE on the coupon row, then the same read-modify-write',
  promise: 'across-instances',
  knobs: [],
  ceiling: 'select-for-update',
  breaksUnder: [],
  create: (ctx) => ({
    issue: (req) =>
      onConnection(
        ctx.mysql,
        async (conn, timer): Promise<IssueOutcome> => {
          const [sets] = await timer.time('lock', () =>
            ctx.onePerUser
              ? conn.query<RowDataPacket[][]>(`${LOCK_AND_READ}; ${ALREADY_ISSUED}`, [req.couponId, req.couponId, req.userId])
              : conn.query<RowDataPacket[][]>(LOCK_AND_READ, [req.couponId]),
          );
          const [, rows, held] = sets;
          const refuse = async (outcome: IssueOutcome) => (await conn.rollback(), outcome);
          if (rows!.length === 0) return refuse({ result: 'unknown_coupon' });
          const quantity = Number(rows![0]!.quantity);
          if (quantity <= 0) return refuse({ result: 'sold_out' });
          await stallIfAsked(); // fault injection point (slow-holder); a no-op unless the nemesis asked
          if (held && held.length > 0) return refuse({ result: 'already_issued' });
          await timer.time('cs', () => conn.query<ResultSetHeader[]>(WRITE_BACK_AND_COMMIT, [req.userId, req.couponId, quantity - 1, req.couponId]));
          return { result: 'issued' };
        },
        req.timer,
      ),
  }),
};
