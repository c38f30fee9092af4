import type { Pool, PoolConnection } from 'mysql2/promise';
import type { FailureCause, IssueOutcome } from './types.js';

const MYSQL_CAUSES: Record<number, FailureCause> = {
  1213: 'deadlock', // ER_LOCK_DEADLOCK
  1205: 'lock_wait_timeout', // ER_LOCK_WAIT_TIMEOUT
};

export function failureFromMysql(err: unknown): IssueOutcome {
  const e = err as { errno?: number; code?: string; message?: string };
  const cause = (e.errno !== undefined && MYSQL_CAUSES[e.errno]) || 'db_error';
  return { result: 'failed', cause, detail: e.code ?? e.message };
}

/**
 * Run `work` in one transaction on a pooled connection. Commits when work returns `issued`,
 * rolls back otherwise (nothing to keep) and on any error, which becomes a `failed` outcome.
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
    return failureFromMysql(err);
  } finally {
    conn?.release();
  }
}
