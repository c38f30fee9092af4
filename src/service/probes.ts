/**
 * Reads of a target's own state: the probes of its `audit` block (a SELECT on its MySQL, a read
 * command on its Redis), on connections opened once and closed with `close()`. Every failure
 * becomes one line naming the probe, the statement and what the database said.
 */
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { InfraError, UsageError } from '../errors.js';
import { redactUrl } from '../infra/clients.js';
import type { IssuedProbe, Probe, TargetFile } from './schema.js';
import { compileTemplate, type TemplateValues } from './template.js';

/** What the issued probe found: a count, and the users in the order returned when it names them. */
export interface IssuedRead {
  count: number;
  users?: number[];
}

export class TargetState {
  /** Reset steps run here: they may write. */
  private resetConnection: Promise<mysql.Connection> | undefined;
  /** Probes run here: every transaction read-only, every statement under the probe time limit. */
  private probeConnection: Promise<mysql.Connection> | undefined;
  private redisClient: Promise<Redis> | undefined;
  /** Statements on the wire: close() cuts them (Ctrl-C during a probe) instead of waiting. */
  private busy = 0;

  constructor(
    private readonly target: Pick<TargetFile, 'mysql' | 'redis'> & { audit: Pick<TargetFile['audit'], 'timeout'> },
    private readonly values: TemplateValues,
  ) {}

  /** Run a reset step's statement on the target's MySQL; `where` names it in errors. */
  async sql(statement: string, where: string): Promise<mysql.RowDataPacket[]> {
    this.resetConnection ??= this.openMysql(async () => {});
    const text = compileTemplate(statement, 'text').render(this.values);
    return this.query(await this.resetConnection, text, where);
  }

  /**
   * Run a probe: in a read-only transaction that is rolled back, under the probe time limit, so
   * an audit never changes what it audits (a function that deletes rows fails instead of deleting).
   */
  async probeSql(statement: string, where: string): Promise<mysql.RowDataPacket[]> {
    this.probeConnection ??= this.openMysql((conn) => limitStatements(conn, this.target.audit.timeout));
    const conn = await this.probeConnection;
    const text = compileTemplate(statement, 'text').render(this.values);
    await conn.query('START TRANSACTION READ ONLY');
    try {
      return await this.query(conn, text, where);
    } finally {
      await conn.query('ROLLBACK').catch(() => {});
    }
  }

  private async query(conn: mysql.Connection, text: string, where: string): Promise<mysql.RowDataPacket[]> {
    this.busy++;
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>({ sql: text, rowsAsArray: false });
      return Array.isArray(rows) ? rows : [];
    } catch (err) {
      throw new UsageError(`${where}: ${text}: ${mysqlProblem(err as Error & { errno?: number }, this.target.audit.timeout)}`);
    } finally {
      this.busy--;
    }
  }

  /** Run a Redis command of the target file (split on spaces after substitution). */
  async redis(command: string, where: string): Promise<unknown> {
    const client = await this.redisConnection();
    const [name, ...args] = compileTemplate(command, 'text').render(this.values).trim().split(/\s+/);
    try {
      return await client.call(name!, ...args);
    } catch (err) {
      throw new UsageError(`${where}: ${[name, ...args].join(' ')}: Redis says: ${(err as Error).message}`);
    }
  }

  async readNumber(probe: Probe, where: string): Promise<number> {
    if (probe.sql !== undefined) return numberOf(firstValue(await this.probeSql(probe.sql, where), probe.sql, where), probe.sql, where);
    return numberOf(present(await this.redis(probe.redis!, where), probe.redis!, where), probe.redis!, where);
  }

  /** One value as text (the first column of the first row, or the Redis reply); null when there is none. */
  async readText(probe: Probe, where: string): Promise<string | null> {
    const value = probe.sql !== undefined ? Object.values((await this.probeSql(probe.sql, where))[0] ?? {})[0] : await this.redis(probe.redis!, where);
    return value === null || value === undefined ? null : Buffer.isBuffer(value) ? value.toString() : String(value);
  }

  /** One read: the rows (or members) name the users, or a single value counts them; never read twice. */
  async readIssued(probe: IssuedProbe, where: string): Promise<IssuedRead> {
    if (probe.sql !== undefined) {
      const rows = await this.probeSql(probe.sql, where);
      const firstColumn = rows[0] ? Object.keys(rows[0])[0]! : '';
      const isCount = probe.returns === 'count' || (probe.returns === undefined && rows.length === 1 && Object.keys(rows[0]!).length === 1 && /count/i.test(firstColumn));
      if (isCount) return { count: numberOf(firstValue(rows, probe.sql, where), probe.sql, where) };
      const users = rows.map((row) => userIdOf(Object.values(row)[0], where));
      return { count: users.length, users };
    }
    const value = await this.redis(probe.redis!, where);
    if (Array.isArray(value) && probe.returns !== 'count') {
      const users = value.map((v) => userIdOf(v, where));
      return { count: users.length, users };
    }
    return { count: numberOf(present(value, probe.redis!, where), probe.redis!, where) };
  }

  async versions(): Promise<{ mysqlVersion: string; redisVersion: string }> {
    const mysqlVersion = this.target.mysql ? String(Object.values((await this.probeSql('SELECT VERSION()', 'mysql version'))[0] ?? {})[0] ?? 'unknown') : 'n/a';
    const redisVersion = this.target.redis ? (/redis_version:(\S+)/.exec(String(await this.redis('INFO server', 'redis version')))?.[1] ?? 'unknown') : 'n/a';
    return { mysqlVersion, redisVersion };
  }

  async close(): Promise<void> {
    const conns = [this.resetConnection, this.probeConnection];
    const client = this.redisClient;
    const cut = this.busy > 0;
    this.resetConnection = this.probeConnection = undefined;
    this.redisClient = undefined;
    for (const conn of conns) await conn?.then((c) => (cut ? c.destroy() : c.end())).catch(() => {});
    await client?.then((c) => c.disconnect()).catch(() => {});
  }

  private openMysql(setup: (conn: mysql.Connection) => Promise<void>): Promise<mysql.Connection> {
    const url = this.target.mysql;
    if (!url) throw new UsageError('the target file has no "mysql" URL');
    return mysql
      .createConnection({ uri: url, connectTimeout: 5000, multipleStatements: false, supportBigNumbers: true, bigNumberStrings: false })
      .catch((err: Error) => {
        throw new InfraError(`cannot reach the target's MySQL at ${redactUrl(url)}: ${err.message}`);
      })
      .then(async (conn) => {
        await setup(conn);
        return conn;
      });
  }

  private redisConnection(): Promise<Redis> {
    const url = this.target.redis;
    if (!url) throw new UsageError('the target file has no "redis" URL');
    this.redisClient ??= (async () => {
      const client = new Redis(url, { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1, retryStrategy: () => null, connectionName: 'couponbench-audit' });
      client.on('error', () => {});
      try {
        await client.connect();
      } catch (err) {
        client.disconnect();
        throw new InfraError(`cannot reach the target's Redis at ${redactUrl(url)}: ${(err as Error).message}`);
      }
      return client;
    })();
    return this.redisClient;
  }
}

/** MariaDB's max_statement_time (seconds) or MySQL's max_execution_time (milliseconds, SELECT only). */
async function limitStatements(conn: mysql.Connection, seconds: number): Promise<void> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
  if (/mariadb/i.test(String(rows[0]?.v))) await conn.query('SET SESSION max_statement_time = ?', [seconds]);
  else await conn.query('SET SESSION max_execution_time = ?', [Math.ceil(seconds * 1000)]);
}

/** ER_STATEMENT_TIMEOUT (MariaDB), ER_QUERY_TIMEOUT (MySQL). */
const TIMED_OUT = new Set([1969, 3024]);
/** ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION. */
const WROTE_IN_READ_ONLY = 1792;

function mysqlProblem(err: Error & { errno?: number }, limitS: number): string {
  if (err.errno !== undefined && TIMED_OUT.has(err.errno)) return `still running after ${limitS} s, stopped (audit.timeout)`;
  if (err.errno === WROTE_IN_READ_ONLY) return 'tried to write: a probe only reads (it runs in a read-only transaction, rolled back)';
  return `MySQL says: ${err.message}`;
}

function firstValue(rows: mysql.RowDataPacket[], shown: string, where: string): unknown {
  if (rows.length === 0) throw new UsageError(`${where} returned no row: ${shown}`);
  return Object.values(rows[0]!)[0];
}

function present(value: unknown, shown: string, where: string): unknown {
  if (value === null) throw new UsageError(`${where} returned nothing (no such key?): ${shown}`);
  return value;
}

function numberOf(value: unknown, shown: string, where: string): number {
  const n = Number(value);
  if (value === '' || typeof value === 'object' || !Number.isFinite(n)) throw new UsageError(`${where} returned ${JSON.stringify(value)}, not a number: ${shown}`);
  return n;
}

function userIdOf(value: unknown, where: string): number {
  const n = Number(Buffer.isBuffer(value) ? value.toString() : value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${where} returned ${JSON.stringify(value)}, not a user id (user ids are whole numbers)`);
  return n;
}
