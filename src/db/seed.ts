import type mysql from 'mysql2/promise';

const USER_BATCH = 10_000;

export interface SeededCoupon {
  couponId: number;
  quantity: number;
}

/** Empty our issuance tables so that every run starts from the same state. Only ever our tables. */
export async function resetIssuance(conn: mysql.Connection): Promise<void> {
  await conn.query('SET FOREIGN_KEY_CHECKS = 0');
  try {
    await conn.query('TRUNCATE TABLE user_coupon');
    await conn.query('TRUNCATE TABLE coupons');
  } finally {
    await conn.query('SET FOREIGN_KEY_CHECKS = 1');
  }
}

/** Make sure users 1..count exist, inserting only the missing tail, in multi-row batches. */
export async function seedUsers(conn: mysql.Connection, count: number): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT COALESCE(MAX(id), 0) AS maxId, COUNT(*) AS n FROM users');
  let maxId = Number(rows[0]!.maxId);
  if (Number(rows[0]!.n) !== maxId) {
    // Ids are not a dense 1..max range (someone edited the table): rebuild it.
    await conn.query('DELETE FROM users');
    maxId = 0;
  }
  let inserted = 0;
  for (let from = maxId + 1; from <= count; from += USER_BATCH) {
    const to = Math.min(count, from + USER_BATCH - 1);
    const values: number[][] = [];
    for (let id = from; id <= to; id++) values.push([id]);
    await conn.query('INSERT INTO users (id) VALUES ?', [values]);
    inserted += values.length;
  }
  return inserted;
}

export async function seedCoupon(conn: mysql.Connection, quantity: number, name = 'first-come coupon'): Promise<SeededCoupon> {
  const [result] = await conn.query<mysql.ResultSetHeader>('INSERT INTO coupons (name, quantity, version) VALUES (?, ?, 0)', [name, quantity]);
  return { couponId: result.insertId, quantity };
}
