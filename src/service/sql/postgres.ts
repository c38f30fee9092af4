import pg from 'pg';
import { InfraError, UsageError } from '../../errors.js';
import { redactUrl } from '../../infra/clients.js';
import type { SqlRow, SqlSession, SqlSessionOptions } from './session.js';

/** SQLSTATE query_canceled (statement_timeout) and read_only_sql_transaction. */
const CANCELED = '57014';
const READ_ONLY = '25006';

function problem(err: Error & { code?: string }, limitS: number): string {
  if (err.code === CANCELED) return `still running after ${limitS} s, stopped (audit.timeout)`;
  if (err.code === READ_ONLY) return 'tried to write: a probe only reads (it runs in a read-only transaction, rolled back)';
  return `PostgreSQL says: ${err.message}`;
}

/** A service's PostgreSQL, on one client connection (node-postgres). */
export async function openPostgresSession(opts: SqlSessionOptions): Promise<SqlSession> {
  const client = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 5000, application_name: 'couponbench' });
  // A server that goes away between statements must not crash the run: the next statement fails instead.
  client.on('error', () => {});
  await client.connect().catch((err: Error) => {
    throw new InfraError(`cannot reach the target's PostgreSQL at ${redactUrl(opts.url)}: ${err.message}`);
  });
  if (opts.forProbes) await client.query(`SET statement_timeout = ${Math.ceil(opts.limitS * 1000)}`);
  const query = async (text: string, where: string): Promise<SqlRow[]> => {
    try {
      const result = await client.query(text);
      // Several statements in one step answer with one result each: the last one's rows count.
      const last = Array.isArray(result) ? result.at(-1) : result;
      return (last?.rows ?? []) as SqlRow[];
    } catch (err) {
      throw new UsageError(`${where}: ${text}: ${problem(err as Error & { code?: string }, opts.limitS)}`);
    }
  };
  return {
    run: query,
    async probe(text, where) {
      await client.query('BEGIN READ ONLY');
      try {
        return await query(text, where);
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    },
    async version() {
      const full = String(Object.values((await query('SELECT version()', 'postgres version'))[0] ?? {})[0] ?? 'unknown');
      return /^PostgreSQL [\d.]+/.exec(full)?.[0] ?? full;
    },
    close: async () => {
      await client.end().catch(() => {});
    },
  };
}
