import type { Pool } from 'mysql2/promise';
import type { Pool as PgPool } from 'pg';
import type { DatabaseKind } from '../src/db/kinds.js';
import type { Timer } from '../src/serverTiming.js';
import { INSERT_USER_COUPON, readModifyWrite } from './criticalSection.js';
import { pgReadModifyWrite } from './postgres/criticalSection.js';
import { inPgTransaction, onPgClient } from './postgres/transaction.js';
import { inTransaction, onConnection } from './transaction.js';
import type { IssueOutcome, IssueRequest } from './types.js';

/**
 * The database work of a strategy that runs on either database (the Redis locks, none,
 * redis-atomic), written once per dialect: such a strategy calls `ctx.sections` and never asks
 * which database the run issues on.
 */
export interface IssueSections {
  /** The naive read-modify-write in one transaction, as every tutorial writes it (criticalSection.ts). */
  readModifyWrite(req: IssueRequest, onePerUser: boolean, timer?: Timer): Promise<IssueOutcome>;
  /** Take one unit and record the user whom Redis already chose, in one round trip; the wait for the row is `lock`. */
  recordWinner(req: IssueRequest, timer?: Timer): Promise<IssueOutcome>;
}

const RECORD_WINNER_MYSQL = `START TRANSACTION; UPDATE coupons SET quantity = quantity - 1 WHERE id = ?; ${INSERT_USER_COUPON}; COMMIT`;
// On PostgreSQL, one statement (its own transaction) does both.
const RECORD_WINNER_PG = `WITH taken AS (UPDATE coupons SET quantity = quantity - 1 WHERE id = $1 RETURNING id)
INSERT INTO user_coupon (user_id, coupon_id, issued_at) SELECT $2, id, now() FROM taken`;

export const SECTIONS: Record<DatabaseKind, (pools: { mysql: Pool; pg?: PgPool }) => IssueSections> = {
  mysql: ({ mysql }) => ({
    readModifyWrite: (req, onePerUser, timer) => inTransaction(mysql, (conn) => readModifyWrite(conn, req, onePerUser), timer),
    recordWinner: (req, timer) =>
      onConnection(mysql, async (conn, t) => {
        await t.time('lock', () => conn.query(RECORD_WINNER_MYSQL, [req.couponId, req.userId, req.couponId]));
        return { result: 'issued' } as const;
      }, timer),
  }),
  postgres: ({ pg }) => ({
    readModifyWrite: (req, onePerUser, timer) => inPgTransaction(pg!, (client) => pgReadModifyWrite(client, req, onePerUser), timer),
    recordWinner: (req, timer) =>
      onPgClient(pg!, async (client, t) => {
        await t.time('lock', () => client.query(RECORD_WINNER_PG, [req.couponId, req.userId]));
        return { result: 'issued' } as const;
      }, timer),
  }),
};
