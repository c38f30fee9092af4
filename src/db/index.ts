import { Cluster } from 'ioredis';
import { UsageError } from '../errors.js';
import type { RedisClient } from '../../strategies/types.js';
import { connect } from './connect.js';
import { ensureSchema } from './schema.js';
import { couponIdFor, resetIssuance, seedCodes, seedCoupon, seedUsers, type SeededCoupon } from './seed.js';
import { claimDatabase, type DatabaseClaim } from './claim.js';
import { claimPostgres, preparePostgres, snapshotPostgres } from './postgres.js';
import { snapshotDatabase, type DbSnapshot } from '../audit/snapshot.js';
import type { DatabaseKind } from './kinds.js';

export { databaseUrl, createPool, connect, DEFAULT_DATABASE, assertIdentifier } from './connect.js';
export type { SeededCoupon } from './seed.js';

/** All Redis keys couponbench writes start with this, so cleaning up never touches anyone else's. */
export const REDIS_PREFIX = 'couponbench:';

export interface PrepareRequest {
  mysqlUrl: string;
  database: string;
  quantity: number;
  userPool: number;
  /** Also a pool of `quantity` codes (a strategy that issues codes: mysql-skip-locked, redis-pop). */
  codePool?: boolean;
}

export interface Prepared extends SeededCoupon {
  mysqlVersion: string;
  usersInserted: number;
  seedMs: number;
}

/** Schema, a clean slate in our tables, users for the pool, and a fresh coupon of `quantity` units. */
export async function prepareDatabase(req: PrepareRequest): Promise<Prepared> {
  const conn = await connect(req.mysqlUrl);
  try {
    await ensureSchema(conn, req.database);
    const started = Date.now();
    await resetIssuance(conn);
    const usersInserted = await seedUsers(conn, req.userPool);
    const coupon = await seedCoupon(conn, req.quantity, undefined, couponIdFor(req.database));
    if (req.codePool) await seedCodes(conn, coupon.couponId, req.quantity);
    const seedMs = Date.now() - started;
    const [rows] = await conn.query('SELECT VERSION() AS v');
    const mysqlVersion = String((rows as Array<{ v: string }>)[0]!.v);
    return { ...coupon, usersInserted, seedMs, mysqlVersion };
  } finally {
    await conn.end();
  }
}

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

/** What a run does with its database, the same steps whichever kind it is. */
export interface IssueDatabase {
  kind: DatabaseKind;
  serverUrl: string;
  claim(database: string): Promise<DatabaseClaim>;
  prepare(req: Omit<PrepareRequest, 'mysqlUrl'>): Promise<Prepared>;
  /** With `codePool`, the stock is the pool's free codes, and codes held twice are counted. */
  snapshot(databaseUrl: string, couponId: number, codePool?: boolean): Promise<DbSnapshot>;
}

export function issueDatabase(kind: DatabaseKind, serverUrl: string): IssueDatabase {
  if (kind === 'postgres') {
    return {
      kind,
      serverUrl,
      claim: (database) => claimPostgres(serverUrl, database),
      prepare: (req) => {
        if (req.codePool) throw new UsageError('code pools run on MySQL only so far (--db mysql)');
        return preparePostgres(serverUrl, req.database, req.quantity, req.userPool, couponIdFor(req.database));
      },
      snapshot: snapshotPostgres,
    };
  }
  return {
    kind,
    serverUrl,
    claim: (database) => claimDatabase(serverUrl, database),
    prepare: (req) => prepareDatabase({ ...req, mysqlUrl: serverUrl }),
    snapshot: snapshotDatabase,
  };
}
