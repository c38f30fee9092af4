import type { RowDataPacket } from 'mysql2/promise';
import { connect } from '../db/connect.js';

/** What the database holds for the coupon after the load has drained. */
export interface DbSnapshot {
  finalQuantity: number;
  rows: number;
  /** Users holding more than one coupon, and the extra rows they hold. */
  duplicateUsers: number;
  duplicateRows: number;
  /** Distinct users in the order they were first issued a coupon (user_coupon id order). */
  issueOrder: number[];
}

export async function snapshotDatabase(databaseUrl: string, couponId: number): Promise<DbSnapshot> {
  const conn = await connect(databaseUrl);
  try {
    const [coupon] = await conn.query<RowDataPacket[]>('SELECT quantity FROM coupons WHERE id = ?', [couponId]);
    if (coupon.length === 0) throw new Error(`coupon ${couponId} disappeared before the audit`);
    const [count] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM user_coupon WHERE coupon_id = ?', [couponId]);
    const [dups] = await conn.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS users, COALESCE(SUM(c - 1), 0) AS extra
         FROM (SELECT COUNT(*) AS c FROM user_coupon WHERE coupon_id = ? GROUP BY user_id HAVING COUNT(*) > 1) d`,
      [couponId],
    );
    const [order] = await conn.query<RowDataPacket[]>(
      'SELECT user_id AS u, MIN(id) AS first FROM user_coupon WHERE coupon_id = ? GROUP BY user_id ORDER BY first',
      [couponId],
    );
    return {
      issueOrder: order.map((r) => Number(r.u)),
      finalQuantity: Number(coupon[0]!.quantity),
      rows: Number(count[0]!.n),
      duplicateUsers: Number(dups[0]!.users),
      duplicateRows: Number(dups[0]!.extra),
    };
  } finally {
    await conn.end();
  }
}
