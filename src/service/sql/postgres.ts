import pg from 'pg';
import { InfraError, UsageError } from '../../errors.js';
import { redactUrl } from '../../infra/clients.js';
import { StatementWatch, calledNames, definerRefusal, privilegedRefusal, type SqlRow, type SqlSession, type SqlSessionOptions } from './session.js';

/** SQLSTATE query_canceled (statement_timeout, or our cancel) and read_only_sql_transaction. */
const CANCELED = '57014';
const READ_ONLY = '25006';
/** Parse refuses a text of several statements: "cannot insert multiple commands into a prepared statement". */
const SYNTAX_ERROR = '42601';

function problem(err: Error & { code?: string }, limitS: number): string {
  if (err.code === CANCELED) return `still running after ${limitS} s, stopped (audit.timeout)`;
  if (err.code === READ_ONLY) return 'tried to write: a probe only reads (it runs in a read-only transaction, rolled back)';
  if (err.code === SYNTAX_ERROR && /multiple commands/.test(err.message)) return 'a probe is one statement (this text holds several)';
  return `PostgreSQL says: ${err.message}`;
}

/** Predefined roles that reach outside the database (files, programs, other sessions). */
const OUTSIDE_ROLES = ['pg_execute_server_program', 'pg_write_server_files', 'pg_read_server_files', 'pg_signal_backend'];

async function privilegesOf(client: pg.Client): Promise<{ login: string; rights: string[] }> {
  const me = await client.query<{ login: string; rolsuper: boolean }>('SELECT current_user AS login, rolsuper FROM pg_roles WHERE rolname = current_user');
  const member = await client.query<{ rolname: string }>(
    "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[]) AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY rolname",
    [OUTSIDE_ROLES],
  );
  // A superuser is a member of every role: SUPERUSER says it all.
  const rights = me.rows[0]?.rolsuper ? ['SUPERUSER'] : member.rows.map((r) => r.rolname);
  return { login: `"${me.rows[0]?.login ?? '?'}"`, rights };
}

/** A service's PostgreSQL, on one client connection (node-postgres). */
export async function openPostgresSession(opts: SqlSessionOptions): Promise<SqlSession> {
  const config = { connectionString: opts.url, connectionTimeoutMillis: 5000, application_name: 'couponbench' };
  const client = new pg.Client(config);
  // A server that goes away between statements must not crash the run: the next statement fails instead.
  client.on('error', () => {});
  await client.connect().catch((err: Error) => {
    throw new InfraError(`cannot reach the target's PostgreSQL at ${redactUrl(opts.url)}: ${err.message}`);
  });
  let pid = 0;
  // A statement is stopped from a second connection (the first is busy).
  const watch = new StatementWatch(opts.limitS, async () => {
    const other = new pg.Client(config);
    other.on('error', () => {});
    try {
      await other.connect();
      await other.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // The server is gone or refuses: nothing is left running that we could stop.
    } finally {
      await other.end().catch(() => {});
    }
  });
  try {
    pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  } catch (err) {
    await client.end().catch(() => {});
    throw new InfraError(`the target's PostgreSQL at ${redactUrl(opts.url)}: ${(err as Error).message}`);
  }
  if (opts.forProbes) {
    try {
      const { login, rights } = await privilegesOf(client);
      if (rights.length > 0 && !opts.allowPrivileged) throw new UsageError(privilegedRefusal(login, rights));
      await client.query(`SET statement_timeout = ${Math.ceil(opts.limitS * 1000)}`);
      await client.query('SET default_transaction_read_only = on');
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }
  // The server's statement_timeout stops a probe; if something turned it off, our side does.
  const query = (text: string, where: string, oneStatement: boolean): Promise<SqlRow[]> =>
    watch.around(oneStatement, async () => {
      try {
        // The extended protocol parses exactly one statement: "SELECT 1; COMMIT; DELETE ..." is refused whole.
        const result = await client.query(oneStatement ? ({ text, queryMode: 'extended' } as pg.QueryConfig) : text);
        // Several statements in one reset step answer with one result each: the last one's rows count.
        const last = Array.isArray(result) ? result.at(-1) : result;
        return (last?.rows ?? []) as SqlRow[];
      } catch (err) {
        throw new UsageError(`${where}: ${text}: ${problem(err as Error & { code?: string }, opts.limitS)}`);
      }
    });
  return {
    run: (text, where) => query(text, where, false),
    async probe(text, where) {
      const names = calledNames(text);
      if (names.length > 0) {
        const definers = await client.query<{ proname: string; owner: string }>(
          'SELECT proname, pg_get_userbyid(proowner) AS owner FROM pg_proc WHERE prosecdef AND lower(proname) = ANY($1::text[]) LIMIT 1',
          [names],
        );
        const found = definers.rows[0];
        if (found) throw new UsageError(definerRefusal(where, found.proname, `"${found.owner}"`));
      }
      await client.query('BEGIN READ ONLY');
      try {
        return await query(text, where, true);
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    },
    async version() {
      const full = String(Object.values((await query('SELECT version()', 'postgres version', true))[0] ?? {})[0] ?? 'unknown');
      return /^PostgreSQL [\d.]+/.exec(full)?.[0] ?? full;
    },
    close: async (cut) => {
      if (cut) await watch.cut();
      await client.end().catch(() => {});
    },
  };
}
