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
  private mysqlConnection: Promise<mysql.Connection> | undefined;
  private redisClient: Promise<Redis> | undefined;

  constructor(
    private readonly target: Pick<TargetFile, 'mysql' | 'redis'>,
    private readonly values: TemplateValues,
  ) {}

  /** Run a statement of the target file (probe or reset step) on its MySQL; `where` names it in errors. */
  async sql(statement: string, where: string): Promise<mysql.RowDataPacket[]> {
    const conn = await this.mysql();
    const text = compileTemplate(statement, 'text').render(this.values);
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>({ sql: text, rowsAsArray: false });
      return Array.isArray(rows) ? rows : [];
    } catch (err) {
      throw new UsageError(`${where}: ${text}: MySQL says: ${(err as Error).message}`);
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
    if (probe.sql !== undefined) return numberOf(firstValue(await this.sql(probe.sql, where), probe.sql, where), probe.sql, where);
    return numberOf(present(await this.redis(probe.redis!, where), probe.redis!, where), probe.redis!, where);
  }

  /** One read: the rows (or members) name the users, or a single value counts them; never read twice. */
  async readIssued(probe: IssuedProbe, where: string): Promise<IssuedRead> {
    if (probe.sql !== undefined) {
      const rows = await this.sql(probe.sql, where);
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
    const mysqlVersion = this.target.mysql ? String(Object.values((await this.sql('SELECT VERSION()', 'mysql version'))[0] ?? {})[0] ?? 'unknown') : 'n/a';
    const redisVersion = this.target.redis ? (/redis_version:(\S+)/.exec(String(await this.redis('INFO server', 'redis version')))?.[1] ?? 'unknown') : 'n/a';
    return { mysqlVersion, redisVersion };
  }

  async close(): Promise<void> {
    const conn = this.mysqlConnection;
    const client = this.redisClient;
    this.mysqlConnection = undefined;
    this.redisClient = undefined;
    await conn?.then((c) => c.end()).catch(() => {});
    await client?.then((c) => c.disconnect()).catch(() => {});
  }

  private mysql(): Promise<mysql.Connection> {
    const url = this.target.mysql;
    if (!url) throw new UsageError('the target file has no "mysql" URL');
    this.mysqlConnection ??= mysql.createConnection({ uri: url, connectTimeout: 5000, multipleStatements: false, supportBigNumbers: true, bigNumberStrings: false }).catch((err: Error) => {
      throw new InfraError(`cannot reach the target's MySQL at ${redactUrl(url)}: ${err.message}`);
    });
    return this.mysqlConnection;
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
