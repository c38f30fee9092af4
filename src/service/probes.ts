/**
 * Reads of a target's own state: the probes of its `audit` block (a SELECT on its MySQL, a read
 * command on its Redis), on connections opened once and closed with `close()`. Every failure
 * becomes one line naming the probe, the statement and what the database said.
 */
import { Redis } from 'ioredis';
import { InfraError, UsageError } from '../errors.js';
import { redactUrl } from '../infra/clients.js';
import type { IssuedProbe, Probe, TargetFile } from './schema.js';
import { openSqlSession, type SqlRow, type SqlSession } from './sql/index.js';
import { compileTemplate, type TemplateValues } from './template.js';
import { atPath, atPathOfText } from './jsonPath.js';

/** What the issued probe found: a count, and the users in the order returned when it names them. */
export interface IssuedRead {
  count: number;
  users?: number[];
  /** False where the reply has no order (SMEMBERS, HKEYS, HVALS): the users are who, not in what order. */
  ordered?: boolean;
}

/** Redis replies whose order means nothing. */
const UNORDERED_REDIS = new Set(['SMEMBERS', 'HKEYS', 'HVALS']);

export class TargetState {
  /** Reset steps run here: they may write. */
  private resetSession: Promise<SqlSession> | undefined;
  /** Probes run here: every transaction read-only, every statement under the probe time limit. */
  private probeSession: Promise<SqlSession> | undefined;
  private redisClient: Promise<Redis> | undefined;
  /** Statements on the wire: close() cuts them (Ctrl-C during a probe) instead of waiting. */
  private busy = 0;

  constructor(
    private readonly target: Pick<TargetFile, 'mysql' | 'postgres' | 'redis'> & { audit: Pick<TargetFile['audit'], 'timeout' | 'url' | 'allowPrivilegedProbes'> },
    private readonly values: TemplateValues,
  ) {}

  /** Run a reset step's statement on the target's database; `where` names it in errors. */
  async sql(statement: string, where: string): Promise<SqlRow[]> {
    this.resetSession ??= this.openSql(false);
    const text = compileTemplate(statement, 'text').render(this.values);
    return this.counted(async () => (await this.resetSession!).run(text, where));
  }

  /**
   * Run a probe: in a read-only transaction that is rolled back, under the probe time limit, so
   * an audit never changes what it audits (a function that deletes rows fails instead of deleting).
   */
  async probeSql(statement: string, where: string): Promise<SqlRow[]> {
    this.probeSession ??= this.openSql(true);
    const text = compileTemplate(statement, 'text').render(this.values);
    return this.counted(async () => (await this.probeSession!).probe(text, where));
  }

  private async counted<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work();
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

  /** The probe's raw value: the first column of the first row, or the Redis reply; with `json`, that field of it. */
  private async readValue(probe: Probe, where: string): Promise<unknown> {
    const shown = probe.sql ?? probe.redis!;
    const raw = probe.sql !== undefined ? firstValue(await this.probeSql(probe.sql, where), shown, where) : present(await this.redis(probe.redis!, where), shown, where);
    return probe.json === undefined ? raw : jsonField(raw, probe.json, shown, where);
  }

  async readNumber(probe: Probe, where: string): Promise<number> {
    return numberOf(await this.readValue(probe, where), probe.sql ?? probe.redis!, where);
  }

  /** One value as text (the first column of the first row, or the Redis reply); null when there is none. */
  async readText(probe: Probe, where: string): Promise<string | null> {
    const value = probe.sql !== undefined ? Object.values((await this.probeSql(probe.sql, where))[0] ?? {})[0] : await this.redis(probe.redis!, where);
    if (value === null || value === undefined) return null;
    const text = Buffer.isBuffer(value) ? value.toString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (probe.json === undefined) return text;
    const field = atPathOfText(text, probe.json);
    return field === null || field === undefined ? null : String(field);
  }

  /** One read: the rows (or members, or a JSON array) name the users, or a single value counts them; never read twice. */
  async readIssued(probe: IssuedProbe, where: string): Promise<IssuedRead> {
    const shown = probe.sql ?? probe.redis!;
    if (probe.json !== undefined) {
      const value = await this.readValue(probe, where);
      if (Array.isArray(value) && probe.returns !== 'count') {
        const users = value.map((v) => userIdOf(v, where));
        return { count: users.length, users };
      }
      return { count: numberOf(value, shown, where) };
    }
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
      const ordered = !UNORDERED_REDIS.has(probe.redis!.trim().split(/\s+/)[0]!.toUpperCase());
      return { count: users.length, users, ...(ordered ? {} : { ordered: false }) };
    }
    return { count: numberOf(present(value, probe.redis!, where), probe.redis!, where) };
  }

  async versions(): Promise<{ database: string; redisVersion: string }> {
    const hasSql = Boolean(this.target.mysql ?? this.target.postgres);
    const database = hasSql ? await this.counted(async () => {
      this.probeSession ??= this.openSql(true);
      return (await this.probeSession).version();
    }) : 'no SQL';
    const redisVersion = this.target.redis ? (/redis_version:(\S+)/.exec(String(await this.redis('INFO server', 'redis version')))?.[1] ?? 'unknown') : 'n/a';
    return { database, redisVersion };
  }

  async close(): Promise<void> {
    const sessions = [this.resetSession, this.probeSession];
    const client = this.redisClient;
    const cut = this.busy > 0;
    this.resetSession = this.probeSession = undefined;
    this.redisClient = undefined;
    for (const session of sessions) await session?.then((s) => s.close(cut)).catch(() => {});
    await client?.then((c) => c.disconnect()).catch(() => {});
  }

  /** The file's SQL database: its "mysql" or its "postgres" URL (a file gives at most one); probes log in with audit.url where given. */
  private openSql(forProbes: boolean): Promise<SqlSession> {
    const own = this.target.mysql ?? this.target.postgres;
    if (!own) throw new UsageError('the target file has no "mysql" or "postgres" URL');
    const url = forProbes ? (this.target.audit.url ?? own) : own;
    return openSqlSession({ url, limitS: this.target.audit.timeout, forProbes, allowPrivileged: this.target.audit.allowPrivilegedProbes });
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

function firstValue(rows: SqlRow[], shown: string, where: string): unknown {
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

/** Field `path` of a JSON value (text, or a column a driver already parsed: PostgreSQL's json and jsonb). */
function jsonField(value: unknown, path: string, shown: string, where: string): unknown {
  let document = value;
  if (typeof value === 'string' || Buffer.isBuffer(value)) {
    try {
      document = JSON.parse(value.toString());
    } catch {
      throw new UsageError(`${where} returned ${JSON.stringify(value.toString().slice(0, 80))}, not JSON (it has "json": ${path}): ${shown}`);
    }
  }
  const field = atPath(document, path);
  if (field === undefined) throw new UsageError(`${where} returned JSON with nothing at ${path}: ${shown}`);
  return field;
}
