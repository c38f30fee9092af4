/** MySQL (and MariaDB), the default `--db`: the dialect's schema, seed, snapshot, claim and ceiling. */
import type { RowDataPacket } from 'mysql2/promise';
import { heldByUser, type DbSnapshot } from '../audit/snapshot.js';
import { UsageError } from '../errors.js';
import { calibrateMysql } from './calibrate.js';
import { claimDatabase } from './claim.js';
import { connect, createPool } from './connect.js';
import type { IssueDatabase, PrepareRequest, Prepared } from './issueDatabase.js';
import { parseMysqlUrl } from './mysqlUrl.js';
import { ensureSchema } from './schema.js';
import { couponIdFor, resetIssuance, seedCodes, seedCoupon, seedUsers } from './seed.js';

export const MYSQL: IssueDatabase = {
  kind: 'mysql',
  name: 'MySQL',
  fencedWrites: true,
  request: (flags) => {
    const url = flags.mysqlUrl ? parseMysqlUrl(flags.mysqlUrl) : undefined;
    return {
      infra: { mysqlUrl: url?.serverUrl },
      ...(url?.database ? { named: url.database } : {}),
      notes: url?.ignored.length ? [`MySQL URL options ignored (not connection options): ${url.ignored.join(', ')}`] : [],
    };
  },
  serverUrlOn: (infra) => {
    if (!infra.mysqlUrl) throw new UsageError('this infra has no MySQL (it was started for --db postgres)');
    return infra.mysqlUrl;
  },
  processOn: (processes) => (processes.mysqlPid ? { name: 'mariadbd', pid: processes.mysqlPid, singleThreaded: false } : undefined),
  claim: claimDatabase,
  prepare: prepareMysql,
  snapshot: snapshotMysql,
  stockReader: (databaseUrl, couponId, codePool) => {
    const conn = connect(databaseUrl);
    conn.catch(() => {});
    const sql = codePool ? 'SELECT COUNT(*) AS n FROM coupon_code WHERE coupon_id = ? AND claimed_by IS NULL' : 'SELECT quantity AS n FROM coupons WHERE id = ?';
    return {
      read: async () => Number((await (await conn).query<RowDataPacket[]>(sql, [couponId]))[0][0]!.n),
      close: async () => void (await conn.then((c) => c.destroy(), () => {})),
    };
  },
  calibrate: calibrateMysql,
  openPools: (databaseUrl, size) => {
    const mysql = createPool(databaseUrl, size);
    return { mysql, end: () => mysql.end() };
  },
};

export async function prepareMysql(serverUrl: string, req: PrepareRequest): Promise<Prepared> {
  const conn = await connect(serverUrl);
  try {
    await ensureSchema(conn, req.database);
    const started = Date.now();
    await resetIssuance(conn);
    const usersInserted = await seedUsers(conn, req.userPool);
    const coupon = await seedCoupon(conn, req.quantity, undefined, couponIdFor(req.database));
    if (req.codePool) await seedCodes(conn, coupon.couponId, req.quantity);
    const seedMs = Date.now() - started;
    const [rows] = await conn.query('SELECT VERSION() AS v');
    return { ...coupon, usersInserted, seedMs, version: `MySQL ${String((rows as Array<{ v: string }>)[0]!.v)}` };
  } finally {
    await conn.end();
  }
}

export async function snapshotMysql(databaseUrl: string, couponId: number, codePool = false): Promise<DbSnapshot> {
  const conn = await connect(databaseUrl);
  try {
    const [coupon] = await conn.query<RowDataPacket[]>('SELECT quantity FROM coupons WHERE id = ?', [couponId]);
    if (coupon.length === 0) throw new Error(`coupon ${couponId} disappeared before the audit`);
    // A pool's stock is its free codes: no strategy that issues codes touches coupons.quantity.
    const [free] = codePool ? await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM coupon_code WHERE coupon_id = ? AND claimed_by IS NULL', [couponId]) : [[]];
    const [twice] = codePool
      ? await conn.query<RowDataPacket[]>('SELECT COALESCE(SUM(n - 1), 0) AS extra FROM (SELECT COUNT(*) AS n FROM user_coupon WHERE coupon_id = ? AND code IS NOT NULL GROUP BY code HAVING COUNT(*) > 1) AS t', [couponId])
      : [[]];
    const [byUser] = await conn.query<RowDataPacket[]>(
      'SELECT user_id AS u, COUNT(*) AS n, MIN(id) AS first FROM user_coupon WHERE coupon_id = ? GROUP BY user_id ORDER BY first',
      [couponId],
    );
    const finalQuantity = codePool ? Number(free[0]!.n) : Number(coupon[0]!.quantity);
    return { finalQuantity, ...heldByUser(byUser), codesHeldTwice: codePool ? Number(twice[0]!.extra) : 0 };
  } finally {
    await conn.end();
  }
}
