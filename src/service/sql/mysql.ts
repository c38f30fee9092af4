import mysql from 'mysql2/promise';
import { InfraError, UsageError } from '../../errors.js';
import { redactUrl } from '../../infra/clients.js';
import { StatementWatch, calledNames, definerRefusal, privilegedRefusal, type SqlRow, type SqlSession, type SqlSessionOptions } from './session.js';

/** ER_STATEMENT_TIMEOUT (MariaDB), ER_QUERY_TIMEOUT (MySQL), ER_QUERY_INTERRUPTED (our KILL QUERY). */
const TIMED_OUT = new Set([1969, 3024, 1317]);
/** ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION. */
const WROTE_IN_READ_ONLY = 1792;
/** ER_PARSE_ERROR: with multiple statements off, a second statement is a syntax error. */
const PARSE_ERROR = 1064;

function problem(err: Error & { errno?: number }, text: string, limitS: number): string {
  if (err.errno !== undefined && TIMED_OUT.has(err.errno)) return `still running after ${limitS} s, stopped (audit.timeout)`;
  if (err.errno === WROTE_IN_READ_ONLY) return 'tried to write: a probe only reads (it runs in a read-only transaction, rolled back)';
  if (err.errno === PARSE_ERROR && /;\s*\S/.test(text)) return `a probe is one statement (this text holds several, or MySQL says: ${err.message})`;
  return `MySQL says: ${err.message}`;
}

/** MariaDB's max_statement_time (seconds) or MySQL's max_execution_time (milliseconds, SELECT only). */
async function limitStatements(conn: mysql.Connection, seconds: number): Promise<void> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
  if (/mariadb/i.test(String(rows[0]?.v))) await conn.query('SET SESSION max_statement_time = ?', [seconds]);
  else await conn.query('SET SESSION max_execution_time = ?', [Math.ceil(seconds * 1000)]);
}

/** Global rights that reach outside the database: files on the host, other sessions, the server itself. */
const OUTSIDE_RIGHTS = ['ALL PRIVILEGES', 'FILE', 'SUPER', 'CONNECTION ADMIN', 'SHUTDOWN'];

/** The global rights of the login (`GRANT ... ON *.*`) that a probe must not have. */
async function privilegesOf(conn: mysql.Connection): Promise<{ login: string; rights: string[] }> {
  const [who] = await conn.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS login');
  const [grants] = await conn.query<mysql.RowDataPacket[]>('SHOW GRANTS');
  const rights = new Set<string>();
  for (const row of grants) {
    const line = String(Object.values(row)[0]);
    const global = /^GRANT (.+?) ON \*\.\* TO /i.exec(line);
    if (!global) continue;
    const granted = global[1]!.split(',').map((r) => r.trim().toUpperCase());
    for (const right of OUTSIDE_RIGHTS) if (granted.includes(right)) rights.add(right);
  }
  return { login: String(who[0]?.login ?? '?'), rights: [...rights] };
}

/** A service's MySQL or MariaDB, on one connection (no multi-statements: a probe is one statement). */
export async function openMysqlSession(opts: SqlSessionOptions): Promise<SqlSession> {
  const connect = () =>
    mysql.createConnection({ uri: opts.url, connectTimeout: 5000, multipleStatements: false, supportBigNumbers: true, bigNumberStrings: false }).catch((err: Error) => {
      throw new InfraError(`cannot reach the target's MySQL at ${redactUrl(opts.url)}: ${err.message}`);
    });
  const conn = await connect();
  const threadId = conn.threadId;
  // A statement is stopped from a second connection: closing ours would leave it running on the server.
  const watch = new StatementWatch(opts.limitS, async () => {
    const other = await connect().catch(() => undefined);
    await other?.query('KILL QUERY ?', [threadId]).catch(() => {});
    await other?.end().catch(() => {});
  });
  if (opts.forProbes) {
    try {
      const { login, rights } = await privilegesOf(conn);
      if (rights.length > 0 && !opts.allowPrivileged) throw new UsageError(privilegedRefusal(login, rights));
      await limitStatements(conn, opts.limitS);
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }
  const query = (text: string, where: string, guarded: boolean): Promise<SqlRow[]> =>
    watch.around(guarded, async () => {
      try {
        const [rows] = await conn.query<mysql.RowDataPacket[]>({ sql: text, rowsAsArray: false });
        return Array.isArray(rows) ? rows : [];
      } catch (err) {
        throw new UsageError(`${where}: ${text}: ${problem(err as Error & { errno?: number }, text, opts.limitS)}`);
      }
    });
  return {
    run: (text, where) => query(text, where, false),
    async probe(text, where) {
      const names = calledNames(text);
      if (names.length > 0) {
        const [definers] = await conn.query<mysql.RowDataPacket[]>(
          "SELECT ROUTINE_NAME AS name, DEFINER AS owner FROM information_schema.ROUTINES WHERE SECURITY_TYPE = 'DEFINER' AND LOWER(ROUTINE_NAME) IN (?) LIMIT 1",
          [names],
        );
        const found = definers[0];
        if (found) throw new UsageError(definerRefusal(where, String(found.name), String(found.owner)));
      }
      await conn.query('START TRANSACTION READ ONLY');
      try {
        return await query(text, where, true);
      } finally {
        await conn.query('ROLLBACK').catch(() => {});
      }
    },
    async version() {
      return `MySQL ${String(Object.values((await query('SELECT VERSION()', 'mysql version', false))[0] ?? {})[0] ?? 'unknown')}`;
    },
    close: async (cut) => {
      if (cut) {
        await watch.cut();
        conn.destroy();
      } else await conn.end().catch(() => {});
    },
  };
}
