import mysql from 'mysql2/promise';
import { InfraError, UsageError } from '../../errors.js';
import { redactUrl } from '../../infra/clients.js';
import type { SqlRow, SqlSession, SqlSessionOptions } from './session.js';

/** ER_STATEMENT_TIMEOUT (MariaDB), ER_QUERY_TIMEOUT (MySQL). */
const TIMED_OUT = new Set([1969, 3024]);
/** ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION. */
const WROTE_IN_READ_ONLY = 1792;

function problem(err: Error & { errno?: number }, limitS: number): string {
  if (err.errno !== undefined && TIMED_OUT.has(err.errno)) return `still running after ${limitS} s, stopped (audit.timeout)`;
  if (err.errno === WROTE_IN_READ_ONLY) return 'tried to write: a probe only reads (it runs in a read-only transaction, rolled back)';
  return `MySQL says: ${err.message}`;
}

/** MariaDB's max_statement_time (seconds) or MySQL's max_execution_time (milliseconds, SELECT only). */
async function limitStatements(conn: mysql.Connection, seconds: number): Promise<void> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
  if (/mariadb/i.test(String(rows[0]?.v))) await conn.query('SET SESSION max_statement_time = ?', [seconds]);
  else await conn.query('SET SESSION max_execution_time = ?', [Math.ceil(seconds * 1000)]);
}

/** A service's MySQL or MariaDB, on one connection (no multi-statements: a probe is one statement). */
export async function openMysqlSession(opts: SqlSessionOptions): Promise<SqlSession> {
  const conn = await mysql
    .createConnection({ uri: opts.url, connectTimeout: 5000, multipleStatements: false, supportBigNumbers: true, bigNumberStrings: false })
    .catch((err: Error) => {
      throw new InfraError(`cannot reach the target's MySQL at ${redactUrl(opts.url)}: ${err.message}`);
    });
  if (opts.forProbes) await limitStatements(conn, opts.limitS);
  const query = async (text: string, where: string): Promise<SqlRow[]> => {
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>({ sql: text, rowsAsArray: false });
      return Array.isArray(rows) ? rows : [];
    } catch (err) {
      throw new UsageError(`${where}: ${text}: ${problem(err as Error & { errno?: number }, opts.limitS)}`);
    }
  };
  return {
    run: query,
    async probe(text, where) {
      await conn.query('START TRANSACTION READ ONLY');
      try {
        return await query(text, where);
      } finally {
        await conn.query('ROLLBACK').catch(() => {});
      }
    },
    async version() {
      return String(Object.values((await query('SELECT VERSION()', 'mysql version'))[0] ?? {})[0] ?? 'unknown');
    },
    close: async (cut) => {
      if (cut) conn.destroy();
      else await conn.end().catch(() => {});
    },
  };
}
