import type { Pool, PoolConnection } from 'mysql2/promise';
import { failedOutcome } from './failure.js';
import type { IssueOutcome } from './types.js';

/**
 * Run `work` in one transaction on a pooled connection. Commits when work returns `issued`,
 * rolls back otherwise (nothing to keep) and on any error, which becomes a `failed` outcome
 * naming its real cause (deadlock, pool closed, a bug...).
 */
export async function inTransaction(pool: Pool, work: (conn: PoolConnection) => Promise<IssueOutcome>): Promise<IssueOutcome> {
  let conn: PoolConnection | undefined;
  try {
    conn = await pool.getConnection();
    await conn.beginTransaction();
    const outcome = await work(conn);
    if (outcome.result === 'issued') await conn.commit();
    else await conn.rollback();
    return outcome;
  } catch (err) {
    if (conn) await conn.rollback().catch(() => {});
    return failedOutcome(err);
  } finally {
    conn?.release();
  }
}
