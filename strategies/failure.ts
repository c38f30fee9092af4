import type { FailureCause, IssueOutcome } from '../src/outcomes.js';

const MYSQL_ERRNO_CAUSES: Record<number, FailureCause> = {
  1213: 'deadlock', // ER_LOCK_DEADLOCK
  1205: 'lock_wait_timeout', // ER_LOCK_WAIT_TIMEOUT
};

/** PostgreSQL SQLSTATEs (node-postgres puts them in `code`, with a `severity`). */
const POSTGRES_CODE_CAUSES: Record<string, FailureCause> = {
  '40P01': 'deadlock', // deadlock_detected
  '55P03': 'lock_wait_timeout', // lock_not_available (lock_timeout)
};
// node-postgres's own messages when the server or the connection went away.
const POSTGRES_CONNECTION_MESSAGES = [/^Connection terminated/, /^terminating connection/, /timeout exceeded when trying to connect/, /Cannot use a pool after calling end/];

// mysql2's pool reports its own failures as plain Errors with these messages.
const MYSQL_POOL_MESSAGES = new Set(['Pool is closed.', 'No connections available.', 'Queue limit reached.']);

// ioredis (redis-errors' classes) and redlock name their errors.
const REDIS_ERROR_NAMES = new Set([
  'RedisError',
  'ReplyError',
  'ParserError',
  'AbortError',
  'InterruptError',
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
  'ExecutionError',
  'ResourceLockedError',
]);
const REDIS_MESSAGES = [/^Connection is closed\.$/, /enableOfflineQueue/, /^NOSCRIPT/];

interface ErrorShape {
  name?: string;
  message?: string;
  code?: string;
  errno?: number;
  sqlState?: string;
  fatal?: boolean;
  severity?: string;
}

/** Which system failed, read from the error's shape: MySQL, PostgreSQL, Redis, or our own code. */
export function failureCauseOf(err: unknown): FailureCause {
  const e = (err ?? {}) as ErrorShape;
  if (typeof e.sqlState === 'string') return (e.errno !== undefined && MYSQL_ERRNO_CAUSES[e.errno]) || 'db_error';
  if (typeof e.severity === 'string' && typeof e.code === 'string') return POSTGRES_CODE_CAUSES[e.code] ?? (/^(08|57P)/.test(e.code) ? 'db_connection' : 'db_error');
  if (POSTGRES_CONNECTION_MESSAGES.some((m) => m.test(e.message ?? ''))) return 'db_connection';
  if (e.fatal === true || MYSQL_POOL_MESSAGES.has(e.message ?? '')) return 'db_connection';
  if (REDIS_ERROR_NAMES.has(e.name ?? '') || REDIS_MESSAGES.some((m) => m.test(e.message ?? ''))) return 'redis_error';
  return 'internal';
}

export function failedOutcome(err: unknown): IssueOutcome {
  const e = (err ?? {}) as ErrorShape;
  return { result: 'failed', cause: failureCauseOf(err), detail: e.code ?? e.message ?? String(err) };
}
