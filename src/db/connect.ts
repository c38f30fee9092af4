import mysql from 'mysql2/promise';

export const DEFAULT_DATABASE = 'couponbench';

/** The server URL with our database selected. */
export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

export function createPool(url: string, connectionLimit: number): mysql.Pool {
  return mysql.createPool({
    uri: url,
    connectionLimit,
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
