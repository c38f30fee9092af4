import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';

/** Hide passwords when a URL goes into a message or a report. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** A Redis client that fails fast instead of queueing commands forever while disconnected. */
export function connectRedis(url: string, name = 'couponbench'): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    connectTimeout: 5000,
    lazyConnect: false,
  });
}

export async function probeMysql(url: string, timeoutMs = 5000): Promise<string> {
  const conn = await mysql.createConnection({ uri: url, connectTimeout: timeoutMs });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
    return String(rows[0]!.version);
  } finally {
    await conn.end();
  }
}

export async function probeRedis(url: string, timeoutMs = 5000): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return await redisServerVersion(client);
  } finally {
    client.disconnect();
  }
}

export async function redisServerVersion(client: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
}
