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
  /** A code pool's run: rows holding a code another row holds too (0 where there is no pool). */
  codesHeldTwice: number;
}

export async function snapshotDatabase(databaseUrl: string, couponId: number, codePool = false): Promise<DbSnapshot> {
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

/** Users with more than one coupon, and the coupons beyond their first. */
export function duplicatesOf(holdings: Map<number, number>): { duplicateUsers: number; duplicateRows: number } {
  let duplicateUsers = 0;
  let duplicateRows = 0;
  for (const n of holdings.values()) {
    if (n > 1) {
      duplicateUsers++;
      duplicateRows += n - 1;
    }
  }
  return { duplicateUsers, duplicateRows };
}

/** From rows of (u: user, n: coupons held), in the order users were first issued one, whatever the database. */
export function heldByUser(byUser: Array<Record<string, unknown>>): Pick<DbSnapshot, 'rows' | 'duplicateUsers' | 'duplicateRows' | 'issueOrder' | 'holdings'> {
  const holdings = new Map<number, number>(byUser.map((r) => [Number(r['u']), Number(r['n'])]));
  const rows = [...holdings.values()].reduce((sum, n) => sum + n, 0);
  return { rows, ...duplicatesOf(holdings), issueOrder: [...holdings.keys()], holdings };
}
