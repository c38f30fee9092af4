import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../../strategies/types.js';
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

/**
 * A Redis client that fails fast instead of queueing commands forever while disconnected; for a
 * cluster, an ioredis Cluster client that starts from the node `url` names and follows its slots.
 */
export function connectRedis(url: string, name = 'couponbench', cluster = false): RedisClient {
  const options = { connectionName: name, maxRetriesPerRequest: 2, connectTimeout: 5000, lazyConnect: false };
  if (!cluster) return new Redis(url, options);
  const u = new URL(url);
  return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    redisOptions: { ...options, username: u.username || undefined, password: decodeURIComponent(u.password) || undefined },
  });
}

/** Whether the Redis at `url` is a node of a Redis Cluster (INFO cluster: cluster_enabled:1). */
export function isRedisCluster(url: string, timeoutMs = 5000): Promise<boolean> {
  return withProbeClient(url, timeoutMs, async (client) => /cluster_enabled:1/.test(await client.info('cluster')));
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

export function probeRedis(url: string, timeoutMs = 5000): Promise<string> {
  return withProbeClient(url, timeoutMs, redisServerVersion);
}

/** One short-lived connection that fails at once instead of retrying, for a question asked before a run. */
async function withProbeClient<T>(url: string, timeoutMs: number, ask: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return await ask(client);
  } finally {
    client.disconnect();
  }
}

export async function redisServerVersion(client: RedisClient): Promise<string> {
  return /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
}
