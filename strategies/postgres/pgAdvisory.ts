import { NO_TIMER } from '../../src/serverTiming.js';
import type { IssueOutcome, Strategy } from '../types.js';
import { pgReadModifyWrite } from './criticalSection.js';
import { inPgTransaction } from './transaction.js';

const LOCK_TIMEOUT = '55P03';

/**
 * PostgreSQL's advisory lock, held for the transaction: pg_advisory_xact_lock(coupon id) before
 * the naive read-modify-write, released by COMMIT or ROLLBACK, so it can never outlive its
 * transaction (no lease to expire, unlike a Redis lock). The wait is bounded by lock_timeout.
 */
export const pgAdvisory: Strategy = {
  name: 'pg-advisory',
  summary: 'PostgreSQL: pg_advisory_xact_lock(coupon) around the read-modify-write, released by the commit',
  promise: 'across-instances',
  knobs: ['lockWaitMs'],
  ceiling: 'select-for-update',
  breaksUnder: [],
  databases: ['postgres'],
  create: (ctx) => ({
    issue: (req) =>
      inPgTransaction(ctx.pg!, async (client): Promise<IssueOutcome> => {
        // SET LOCAL takes no parameters: the value is a number we made.
        await client.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(ctx.options.lockWaitMs))}`);
        try {
          await (req.timer ?? NO_TIMER).time('lock', () => client.query('SELECT pg_advisory_xact_lock($1)', [req.couponId]));
        } catch (err) {
          if ((err as { code?: string }).code === LOCK_TIMEOUT) return { result: 'lock_timeout' };
          throw err;
        }
        return pgReadModifyWrite(client, req, ctx.onePerUser);
      }, req.timer),
  }),
};
