import { openMysqlSession } from './mysql.js';
import { openPostgresSession } from './postgres.js';
import type { SqlSession, SqlSessionOptions } from './session.js';

export type { SqlRow, SqlSession } from './session.js';

/** The session for the URL's kind: mysql:// (MySQL, MariaDB) or postgres:// / postgresql://. */
export function openSqlSession(opts: SqlSessionOptions): Promise<SqlSession> {
  return /^postgres(ql)?:\/\//.test(opts.url) ? openPostgresSession(opts) : openMysqlSession(opts);
}
