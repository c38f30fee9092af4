import { UsageError } from '../errors.js';

const SCHEMES = new Set(['mysql:', 'mysql2:', 'mariadb:']);
// URL options mysql2 understands and we pass on; Prisma's or TypeORM's own (connection_limit,
// schema, sslaccept, ...) are not connection options and would only make mysql2 print warnings.
const PASSED_ON = new Set(['ssl', 'charset', 'timezone', 'connectTimeout']);

export interface MysqlUrl {
  /** The server without a database selected, as couponbench connects to it. */
  serverUrl: string;
  /** The database the URL names, if any: the one couponbench owns unless --database says otherwise. */
  database?: string;
  /** URL options that were dropped. */
  ignored: string[];
}

/**
 * A MySQL URL as mysql2, Prisma and TypeORM users write it: mysql://user:password@host:port/database?options
 * (also mysql2:// and mariadb://; credentials percent-encoded; port 3306 when absent).
 */
export function parseMysqlUrl(text: string): MysqlUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`MySQL URL "${text.replace(/:[^:@/]*@/, ':***@')}" is not a URL (expected mysql://user:password@host:3306/database)`);
  }
  if (!SCHEMES.has(url.protocol)) throw new UsageError(`MySQL URL must start with mysql://, mysql2:// or mariadb:// (got ${url.protocol}//)`);
  const database = decodeURIComponent(url.pathname.replace(/^\/+/, '').replace(/\/+$/, '')) || undefined;
  const server = new URL(`mysql://${url.host}/`);
  server.username = url.username;
  server.password = url.password;
  const ignored: string[] = [];
  for (const [key, value] of url.searchParams) {
    if (PASSED_ON.has(key)) server.searchParams.set(key, value);
    else ignored.push(key);
  }
  return { serverUrl: server.toString(), database, ignored };
}
