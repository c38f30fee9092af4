import type { Pool, PoolConnection } from 'mysql2/promise';
import { failedOutcome } from './failure.js';
import { NO_TIMER, type Timer } from '../src/serverTiming.js';
import type { IssueOutcome } from './types.js';

/**
 * Run `work` in one transaction on a pooled connection. Commits when work returns `issued`,
 * rolls back otherwise (nothing to keep) and on any error, which becomes a `failed` outcome
 * naming its real cause (deadlock, pool closed, a bug...).
 */
export async function inTransaction(
  pool: Pool,
  work: (conn: PoolConnection) => Promise<IssueOutcome>,
  timer: Timer = NO_TIMER,
): Promise<IssueOutcome> {
  let conn: PoolConnection | undefined;
  try {
    conn = await timer.time('pool', () => pool.getConnection());
    const c = conn;
    const outcome = await timer.time('cs', async () => {
      await c.beginTransaction();
      return work(c);
    });
    await timer.time('commit', () => (outcome.result === 'issued' ? c.commit() : c.rollback()));
    return outcome;
  } catch (err) {
    if (conn) await conn.rollback().catch(() => {});
    return failedOutcome(err);
  } finally {
    conn?.release();
  }
}
