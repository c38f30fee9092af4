import type { IssueOutcome, Strategy } from '../types.js';
import { backoff } from '../backoff.js';
import { inPgTransaction } from './transaction.js';

/**
 * Optimistic locking with a version column, as on MySQL (mysql-optimistic): read quantity and
 * version, UPDATE ... WHERE version = ?; no row updated means another request won: back off and
 * retry, up to the limit, then 409.
 */
export const pgOptimistic: Strategy = {
  name: 'pg-optimistic',
  summary: 'PostgreSQL: version column, UPDATE ... WHERE version = ?, retry with backoff, then 409',
  promise: 'across-instances',
  knobs: ['maxRetries', 'retryIntervalMs'],
  breaksUnder: [],
  databases: ['postgres'],
  create: (ctx) => ({
    issue: async (req) => {
      const { maxRetries, retryIntervalMs } = ctx.options;
      for (let attempt = 0; ; attempt++) {
        let conflict = false;
        const outcome = await inPgTransaction(ctx.pg!, async (client): Promise<IssueOutcome> => {
          const { rows } = await client.query<{ quantity: number; version: string; held: boolean }>(
            'SELECT quantity, version, EXISTS (SELECT 1 FROM user_coupon WHERE coupon_id = $1 AND user_id = $2) AS held FROM coupons WHERE id = $1',
            [req.couponId, req.userId],
          );
          if (rows.length === 0) return { result: 'unknown_coupon' };
          const quantity = Number(rows[0]!.quantity);
          if (quantity <= 0) return { result: 'sold_out' };
          const update = await client.query('UPDATE coupons SET quantity = $1, version = version + 1 WHERE id = $2 AND version = $3', [quantity - 1, req.couponId, rows[0]!.version]);
          if (update.rowCount === 0) {
            conflict = true;
            return { result: 'retries_exhausted' };
          }
          // Checked again after the version check: the read's snapshot may predate the user's last win.
          if (ctx.onePerUser) {
            const held = await client.query('SELECT 1 FROM user_coupon WHERE coupon_id = $1 AND user_id = $2 LIMIT 1', [req.couponId, req.userId]);
            if ((held.rowCount ?? 0) > 0) return { result: 'already_issued' };
          }
          await client.query('INSERT INTO user_coupon (user_id, coupon_id, issued_at) VALUES ($1, $2, now())', [req.userId, req.couponId]);
          return { result: 'issued' };
        }, req.timer);
        if (!conflict || attempt >= maxRetries) return outcome;
        await backoff(retryIntervalMs, attempt);
      }
    },
  }),
};
