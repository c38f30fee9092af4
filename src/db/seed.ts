import type mysql from 'mysql2/promise';

const USER_BATCH = 10_000;
/** Users seeded for a run's pool: 10 million rows take about a minute and 400 MB; more is a typo, not a test. */
export const MAX_USER_POOL = 10_000_000;

export interface SeededCoupon {
  couponId: number;
  quantity: number;
}

/** Empty our issuance tables so that every run starts from the same state. Only ever our tables. */
export async function resetIssuance(conn: mysql.Connection): Promise<void> {
  await conn.query('SET FOREIGN_KEY_CHECKS = 0');
  try {
    await conn.query('TRUNCATE TABLE user_coupon');
    await conn.query('TRUNCATE TABLE coupon_code');
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

/**
 * The coupon id a database's runs use: its own per database, because the Redis keys of every
 * strategy name the coupon, so two runs on two databases sharing one Redis never touch each
 * other's locks and counters. (FNV-1a of the name, kept to nine digits.)
 */
export function couponIdFor(database: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(database)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return 1 + (hash % 999_999_999);
}

/** A fresh coupon of `quantity` units; `id` fixes its id (else the table's next one). */
export async function seedCoupon(conn: mysql.Connection, quantity: number, name = 'first-come coupon', id?: number): Promise<SeededCoupon> {
  const [result] = await conn.query<mysql.ResultSetHeader>('INSERT INTO coupons (id, name, quantity, version) VALUES (?, ?, ?, 0)', [id ?? null, name, quantity]);
  return { couponId: result.insertId, quantity };
}

const CODE_BATCH = 10_000;

/** The i-th code (0-based) of a coupon's pool: the same on MySQL and in Redis (redis-pop loads them there). */
export const poolCode = (couponId: number, i: number): string => `CB${couponId}-${i}`;

/** A pool of `quantity` free codes for the coupon, in multi-row batches. */
export async function seedCodes(conn: mysql.Connection, couponId: number, quantity: number): Promise<void> {
  for (let from = 0; from < quantity; from += CODE_BATCH) {
    const values: Array<[number, string]> = [];
    for (let i = from; i < Math.min(quantity, from + CODE_BATCH); i++) values.push([couponId, poolCode(couponId, i)]);
    await conn.query('INSERT INTO coupon_code (coupon_id, code) VALUES ?', [values]);
  }
}
