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
  /** Coupons each user holds. */
  holdings: Map<number, number>;
}

export async function snapshotDatabase(databaseUrl: string, couponId: number): Promise<DbSnapshot> {
  const conn = await connect(databaseUrl);
  try {
    const [coupon] = await conn.query<RowDataPacket[]>('SELECT quantity FROM coupons WHERE id = ?', [couponId]);
    if (coupon.length === 0) throw new Error(`coupon ${couponId} disappeared before the audit`);
    const [byUser] = await conn.query<RowDataPacket[]>(
      'SELECT user_id AS u, COUNT(*) AS n, MIN(id) AS first FROM user_coupon WHERE coupon_id = ? GROUP BY user_id ORDER BY first',
      [couponId],
    );
    const holdings = new Map<number, number>(byUser.map((r) => [Number(r.u), Number(r.n)]));
    let rows = 0;
    let duplicateUsers = 0;
    let duplicateRows = 0;
    for (const n of holdings.values()) {
      rows += n;
      if (n > 1) {
        duplicateUsers++;
        duplicateRows += n - 1;
      }
    }
    return { finalQuantity: Number(coupon[0]!.quantity), rows, duplicateUsers, duplicateRows, issueOrder: [...holdings.keys()], holdings };
  } finally {
    await conn.end();
  }
}
