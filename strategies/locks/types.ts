import { Cluster, type Redis } from 'ioredis';

/** A Redis connection: one node, or a Redis Cluster (ioredis Cluster); every key one script touches shares a hash tag. */
export type RedisClient = Redis | Cluster;

/**
 * A second connection to the same Redis, for commands that hold their connection (SUBSCRIBE,
 * XREADGROUP BLOCK). Its errors are the caller's to see in the commands it sends; the closer owns it.
 */
export function dedicatedConnection(redis: RedisClient): RedisClient {
  const connection: RedisClient = redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
  connection.on('error', () => {});
  return connection;
}

/**
 * A mutual-exclusion lock on one resource, held by an owner id (one per request, like a thread in
 * Redisson). Implementations: Redis spin lock, Redisson-style pub/sub lock and fair lock,
 * redlock, MySQL named lock, in-process mutex.
 */
export interface DistributedLock {
  /** Resolves true once `owner` holds the lock, false when `waitMs` ran out first. */
  tryLock(owner: string, waitMs: number): Promise<boolean>;
  /**
   * Give up one hold of `owner`. Resolves false when the lock was no longer ours (lease expired,
   * token gone): the moment integrity can break, so callers report it.
   */
  unlock(owner: string): Promise<boolean>;
}
