import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { backoff } from './backoff.js';
import { alreadyIssued, insertUserCoupon } from './criticalSection.js';
import { inTransaction } from './transaction.js';
import type { IssueOutcome, Strategy } from './types.js';

/**
 * Optimistic locking with a version column, as JPA's @Version does it: read quantity and version,
 * then UPDATE ... SET quantity = ?, version = version + 1 WHERE id = ? AND version = ?. Zero rows
 * updated means someone else won the race: back off and retry, up to the limit, then 409.
 */
export const mysqlOptimistic: Strategy = {
  name: 'mysql-optimistic',
  summary: 'version column: UPDATE ... WHERE version = ?, retry with backoff, then 409',
  promise: 'across-instances',
  knobs: ['maxRetries', 'retryIntervalMs'],
  breaksUnder: [],
  create: (ctx) => ({
    issue: async (req) => {
      const { maxRetries, retryIntervalMs } = ctx.options;
      for (let attempt = 0; ; attempt++) {
        let conflict = false;
        const outcome = await inTransaction(ctx.mysql, async (conn): Promise<IssueOutcome> => {
          const [rows] = await conn.query<RowDataPacket[]>('SELECT quantity, version FROM coupons WHERE id = ?', [req.couponId]);
          if (rows.length === 0) return { result: 'unknown_coupon' };
          const quantity = Number(rows[0]!.quantity);
          const version = Number(rows[0]!.version);
          if (quantity <= 0) return { result: 'sold_out' };
          const [update] = await conn.query<ResultSetHeader>(
            'UPDATE coupons SET quantity = ?, version = version + 1 WHERE id = ? AND version = ?',
            [quantity - 1, req.couponId, version],
          );
          if (update.affectedRows === 0) {
            conflict = true;
            return { result: 'retries_exhausted' };
          }
          if (ctx.onePerUser && (await alreadyIssued(conn, req))) return { result: 'already_issued' };
          await insertUserCoupon(conn, req);
          return { result: 'issued' };
        }, req.timer);
        if (!conflict || attempt >= maxRetries) return outcome;
        await backoff(retryIntervalMs, attempt);
      }
    },
  }),
};
