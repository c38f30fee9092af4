// A plugin strategy, to copy: SELECT ... FOR UPDATE NOWAIT. Where mysql-pessimistic queues every
// request on the coupon row, this one answers 409 at once when another request holds the row,
// so the database never builds a queue (the client retries, or gives up).
//
//   couponbench run --strategy ./examples/strategies/mysql-nowait.js --scenario smoke --gate
//
// The default export is the whole contract: a name, the integrity it promises, and create(ctx)
// returning issue(req) -> one outcome. ctx gives the MySQL pool and Redis clients (never open
// your own), the scenario's onePerUser, the --lock-* options and this instance's number.
import { alreadyIssued, defineStrategy, inTransaction, insertUserCoupon } from 'couponbench/strategy';

export default defineStrategy({
  name: 'mysql-nowait',
  summary: 'SELECT ... FOR UPDATE NOWAIT: 409 at once when the coupon row is taken',
  // 'none', 'single-instance' or 'across-instances': what the integrity gate holds it to.
  promise: 'across-instances',
  create: (ctx) => ({
    issue: async (req) => {
      // inTransaction commits when the work returns { result: 'issued' }, rolls back otherwise,
      // and turns a thrown error into { result: 'failed', cause } (deadlock, db_error, ...).
      const outcome = await inTransaction(ctx.mysql, async (conn) => {
        const [rows] = await conn.query('SELECT quantity FROM coupons WHERE id = ? FOR UPDATE NOWAIT', [req.couponId]);
        if (rows.length === 0) return { result: 'unknown_coupon' };
        const quantity = Number(rows[0].quantity);
        if (quantity <= 0) return { result: 'sold_out' };
        if (ctx.onePerUser && (await alreadyIssued(conn, req))) return { result: 'already_issued' };
        await insertUserCoupon(conn, req);
        await conn.query('UPDATE coupons SET quantity = ? WHERE id = ?', [quantity - 1, req.couponId]);
        return { result: 'issued' };
      });
      // MariaDB and MySQL report a NOWAIT conflict as a lock wait timeout: here that is a refusal.
      if (outcome.result === 'failed' && outcome.cause === 'lock_wait_timeout') return { result: 'lock_timeout' };
      return outcome;
    },
  }),
});
