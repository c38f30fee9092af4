import type { Pool, PoolClient } from 'pg';
import { NO_TIMER, type Timer } from '../../src/serverTiming.js';
import { failedOutcome } from '../failure.js';
import type { IssueOutcome } from '../types.js';

/**
 * Run `work` on a pooled PostgreSQL client (the wait for one timed as `pool`), handing it the same
 * timer. Any error becomes a `failed` outcome naming its cause, after rolling back whatever
 * transaction the work left open; a client whose rollback fails too is dropped from the pool.
 */
export async function onPgClient(pool: Pool, work: (client: PoolClient, timer: Timer) => Promise<IssueOutcome>, timer: Timer = NO_TIMER): Promise<IssueOutcome> {
  let client: PoolClient | undefined;
  let broken = false;
  try {
    client = await timer.time('pool', () => pool.connect());
    return await work(client, timer);
  } catch (err) {
    if (client) await client.query('ROLLBACK').catch(() => (broken = true));
    return failedOutcome(err);
  } finally {
    client?.release(broken);
  }
}

export type Isolation = 'READ COMMITTED' | 'SERIALIZABLE';

/** `work` in one transaction: committed when it returns `issued`, rolled back otherwise and on any error. */
export function inPgTransaction(pool: Pool, work: (client: PoolClient) => Promise<IssueOutcome>, timer: Timer = NO_TIMER, isolation: Isolation = 'READ COMMITTED'): Promise<IssueOutcome> {
  return onPgClient(
    pool,
    async (client) => {
      const outcome = await timer.time('cs', async () => {
        await client.query(isolation === 'READ COMMITTED' ? 'BEGIN' : `BEGIN ISOLATION LEVEL ${isolation}`);
        return work(client);
      });
      await timer.time('commit', () => client.query(outcome.result === 'issued' ? 'COMMIT' : 'ROLLBACK'));
      return outcome;
    },
    timer,
  );
}
