import mysql from 'mysql2/promise';

export const DEFAULT_DATABASE = 'couponbench';

/** The server URL with our database selected. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * The pool strategies issue on. Several statements per query are allowed so that a strategy can
 * send, in one round trip, statements that would otherwise each cost one while the hot row is
 * locked (every value still goes through placeholders).
 */
export function createPool(url: string, connectionLimit: number): mysql.Pool {
  return mysql.createPool({
    uri: url,
    connectionLimit,
    multipleStatements: true,
    waitForConnections: true,
    queueLimit: 0,
    enableKeepAlive: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
}

export function connect(url: string): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: url, multipleStatements: false, supportBigNumbers: true, bigNumberStrings: false });
}

export function assertIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) throw new Error(`"${name}" is not a plain database name`);
  return name;
}
