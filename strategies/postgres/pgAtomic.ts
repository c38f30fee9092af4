import type { IssueOutcome, Strategy } from '../types.js';
import { onPgClient } from './transaction.js';

// One statement, its own transaction: the decrement, and the insert only if a unit was taken.
const TAKE_AND_INSERT = `WITH taken AS (UPDATE coupons SET quantity = quantity - 1 WHERE id = $1 AND quantity > 0 RETURNING id)
INSERT INTO user_coupon (user_id, coupon_id, issued_at) SELECT $2, id, now() FROM taken RETURNING id`;
const TAKE = 'UPDATE coupons SET quantity = quantity - 1 WHERE id = $1 AND quantity > 0';
// A statement of its own after the UPDATE holds the row: under READ COMMITTED its snapshot sees
// what the previous holder committed, so two requests of one user cannot both pass.
const INSERT_IF_NOT_HELD = `INSERT INTO user_coupon (user_id, coupon_id, issued_at) SELECT $2, $1, now()
WHERE NOT EXISTS (SELECT 1 FROM user_coupon WHERE coupon_id = $1 AND user_id = $2) RETURNING id`;

/**
 * One conditional UPDATE does the check and the decrement and takes the row lock; without the
 * one-per-user rule the insert rides in the same statement (one round trip, autocommit).
 */
export const pgAtomic: Strategy = {
  name: 'pg-atomic',
  summary: 'PostgreSQL: UPDATE ... SET quantity = quantity - 1 WHERE quantity > 0 with the insert in one statement',
  promise: 'across-instances',
  knobs: [],
  breaksUnder: [],
  databases: ['postgres'],
  create: (ctx) => ({
    issue: (req) =>
      onPgClient(
        ctx.pg!,
        async (client, timer): Promise<IssueOutcome> => {
          if (!ctx.onePerUser) {
            const inserted = await timer.time('lock', () => client.query(TAKE_AND_INSERT, [req.couponId, req.userId]));
            if (inserted.rowCount === 1) return { result: 'issued' };
          } else {
            await client.query('BEGIN');
            const taken = await timer.time('lock', () => client.query(TAKE, [req.couponId]));
            if (taken.rowCount === 1) {
              const inserted = await timer.time('cs', () => client.query(INSERT_IF_NOT_HELD, [req.couponId, req.userId]));
              if (inserted.rowCount === 1) {
                await timer.time('commit', () => client.query('COMMIT'));
                return { result: 'issued' };
              }
              await client.query('ROLLBACK'); // gives the unit back
              return { result: 'already_issued' };
            }
            await client.query('ROLLBACK');
          }
          // Nothing taken: why, asked outside the lock.
          const exists = await client.query('SELECT 1 FROM coupons WHERE id = $1', [req.couponId]);
          return { result: exists.rowCount === 0 ? 'unknown_coupon' : 'sold_out' };
        },
        req.timer,
      ),
  }),
};
