import type { RedisClient } from './types.js';
import type { Pool } from 'mysql2/promise';
import { MysqlNamedLock } from './mysqlNamedLock.js';
import { RedisFairLock } from './redisFairLock.js';
import { RedisPubSubLock } from './redisPubSubLock.js';
import { RedisSpinLock } from './redisSpinLock.js';
import { RedlockLock } from './redlockLock.js';
import { Subscriptions } from './subscriptions.js';
import type { DistributedLock } from './types.js';

export type LockKind = 'spin' | 'pubsub' | 'fair' | 'redlock' | 'named';
export const LOCK_KINDS: LockKind[] = ['spin', 'pubsub', 'fair', 'redlock', 'named'];

export interface LockParts {
  nodes: RedisClient[];
  pool?: Pool;
  key: string;
  leaseMs: number;
  retryIntervalMs: number;
}

/** Build a lock by kind outside a strategy (race worker, tests). `close` frees its subscriber. */
export function makeLock(kind: LockKind, p: LockParts): { lock: DistributedLock; close: () => Promise<void> } {
  const redis = p.nodes[0]!;
  switch (kind) {
    case 'spin':
      return { lock: new RedisSpinLock(redis, p.key, p), close: async () => {} };
    case 'pubsub': {
      const subs = new Subscriptions(redis);
      return { lock: new RedisPubSubLock(redis, subs, p.key, { watchdogTimeoutMs: p.leaseMs }), close: () => subs.close() };
    }
    case 'fair': {
      const subs = new Subscriptions(redis);
      return { lock: new RedisFairLock(redis, subs, p.key, { leaseMs: p.leaseMs }), close: () => subs.close() };
    }
    case 'redlock':
      return { lock: new RedlockLock(p.nodes, p.key, p), close: async () => {} };
    case 'named':
      if (!p.pool) throw new Error('the named lock needs a MySQL pool');
      return { lock: new MysqlNamedLock(p.pool, p.key), close: async () => {} };
  }
}
