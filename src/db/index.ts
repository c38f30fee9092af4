import { Cluster } from 'ioredis';
import type { RedisClient } from '../../strategies/types.js';
import type { IssueDatabase } from './issueDatabase.js';
import type { DatabaseKind } from './kinds.js';
import { MYSQL } from './mysql.js';
import { POSTGRES } from './postgres.js';

export { databaseUrl, createPool, connect, DEFAULT_DATABASE, assertIdentifier } from './connect.js';
export type { SeededCoupon } from './seed.js';
export type { IssueDatabase, Prepared, PrepareRequest, CalibrateRequest, WorkerPools } from './issueDatabase.js';

/** All Redis keys couponbench writes start with this, so cleaning up never touches anyone else's. */
export const REDIS_PREFIX = 'couponbench:';

/**
 * Remove the keys of this coupon (and only those) from each Redis node; on a cluster, from each
 * master. Every strategy's keys start with our prefix and name the coupon as `{coupon:ID}`, so a
 * run on another database (another coupon id) sharing this Redis keeps its own.
 */
export async function resetRedis(clients: RedisClient[], couponId: number): Promise<void> {
  const nodes = clients.flatMap((client) => (client instanceof Cluster ? client.nodes('master') : [client]));
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${REDIS_PREFIX}*{coupon:${couponId}}*`, 'COUNT', 1000);
      // One key per command: on a cluster node, keys of different slots cannot share a DEL.
      if (keys.length > 0) await keys.reduce((p, key) => p.unlink(key), node.pipeline()).exec();
      cursor = next;
    } while (cursor !== '0');
  }
}

export { DATABASE_KINDS, type DatabaseKind } from './kinds.js';

/** Each dialect couponbench issues on, by `--db` kind. */
export const DATABASES: Record<DatabaseKind, IssueDatabase> = { mysql: MYSQL, postgres: POSTGRES };
