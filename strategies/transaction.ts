import type { Pool, PoolConnection } from 'mysql2/promise';
import { NO_TIMER, type Timer } from '../src/serverTiming.js';
import { failedOutcome } from './failure.js';
import type { IssueOutcome } from './types.js';

/**
 * Run `work` on a pooled connection (the wait for one timed as `pool`), handing it the same timer
 * for its own phases. Any error becomes a `failed` outcome naming its real cause (deadlock, pool
 * closed, a bug...), after rolling back whatever transaction the work left open.
 */
export async function onConnection(
  pool: Pool,
  work: (conn: PoolConnection, timer: Timer) => Promise<IssueOutcome>,
  timer: Timer = NO_TIMER,
): Promise<IssueOutcome> {
  let conn: PoolConnection | undefined;
  try {
    conn = await timer.time('pool', () => pool.getConnection());
    return await work(conn, timer);
  } catch (err) {
    if (conn) await conn.rollback().catch(() => {});
    return failedOutcome(err);
  } finally {
    conn?.release();
  }
}

/**
 * Run `work` in one transaction on a pooled connection. Commits when work returns `issued`,
 * rolls back otherwise (nothing to keep) and on any error.
 */
export function inTransaction(pool: Pool, work: (conn: PoolConnection) => Promise<IssueOutcome>, timer: Timer = NO_TIMER): Promise<IssueOutcome> {
  return onConnection(
    pool,
    async (conn) => {
      const outcome = await timer.time('cs', async () => {
        await conn.beginTransaction();
        return work(conn);
      });
      await timer.time('commit', () => (outcome.result === 'issued' ? conn.commit() : conn.rollback()));
      return outcome;
    },
    timer,
  );
}
