/**
 * The hot-row ceiling: how many issuing transactions per second this MySQL takes on one coupon
 * row straight through mysql2, with no HTTP, no lock service and no harness in the way. A
 * strategy's sale-phase issue rate divided by it is its efficiency: what share of what the
 * database could do the whole stack delivered.
 *
 * Two shapes, the two ways the hot row is taken:
 *   conditional update   BEGIN; UPDATE ... SET quantity = quantity - 1 WHERE id = ? AND quantity > 0; INSERT; COMMIT
 *   select for update    BEGIN; SELECT quantity ... FOR UPDATE; INSERT; UPDATE ... SET quantity = ?; COMMIT
 */
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { claimDatabase } from './claim.js';
import { connect, createPool, databaseUrl } from './connect.js';
import type { CalibrateRequest } from './issueDatabase.js';
import { ensureSchema } from './schema.js';
import { resetIssuance, seedCoupon, seedUsers } from './seed.js';

export const CEILING_SHAPES = ['conditional-update', 'select-for-update'] as const;
export const CeilingShapeSchema = z.enum(CEILING_SHAPES);
export type CeilingShape = z.infer<typeof CeilingShapeSchema>;

export const CalibrationSchema = z.object({
  /** Connections issuing at once: the run's total pool size (instances x pool size). */
  connections: z.number().int(),
  /** Seconds measured per shape (after a short warm-up). */
  durationS: z.number(),
  /** Committed issuing transactions per second, by shape. */
  ceilings: z.object({ 'conditional-update': z.number(), 'select-for-update': z.number() }),
  measuredAt: z.string(),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

/** User ids the calibration cycles through (the foreign key wants real users). */
export const CALIBRATION_USERS = 1000;
const WARMUP_S = 0.3;

const INSERT = 'INSERT INTO user_coupon (user_id, coupon_id, issued_at) VALUES (?, ?, NOW(6))';

type IssueOnce = (conn: PoolConnection, couponId: number, userId: number) => Promise<void>;

const SHAPES: Record<CeilingShape, IssueOnce> = {
  'conditional-update': async (conn, couponId, userId) => {
    await conn.beginTransaction();
    const [update] = await conn.query<ResultSetHeader>('UPDATE coupons SET quantity = quantity - 1 WHERE id = ? AND quantity > 0', [couponId]);
    if (update.affectedRows === 1) await conn.query(INSERT, [userId, couponId]);
    await conn.commit();
  },
  'select-for-update': async (conn, couponId, userId) => {
    await conn.beginTransaction();
    const [rows] = await conn.query<RowDataPacket[]>('SELECT quantity FROM coupons WHERE id = ? FOR UPDATE', [couponId]);
    const quantity = Number(rows[0]!.quantity);
    await conn.query(INSERT, [userId, couponId]);
    await conn.query('UPDATE coupons SET quantity = ? WHERE id = ?', [quantity - 1, couponId]);
    await conn.commit();
  },
};

/** Measure both shapes on a coupon of our own; our tables are left empty afterwards. */
export async function calibrateMysql(serverUrl: string, req: CalibrateRequest): Promise<Calibration> {
  const claim = await claimDatabase(serverUrl, req.database);
  const admin = await connect(serverUrl);
  const pool = createPool(databaseUrl(serverUrl, req.database), req.connections);
  try {
    await ensureSchema(admin, req.database);
    await claim.announce('calibrate');
    await admin.query(`USE \`${req.database}\``);
    await seedUsers(admin, CALIBRATION_USERS);
    const ceilings = {} as Calibration['ceilings'];
    for (const shape of CEILING_SHAPES) {
      await resetIssuance(admin);
      const { couponId } = await seedCoupon(admin, 2_000_000_000, 'calibration');
      ceilings[shape] = await measure(pool, req.connections, req.durationS, (conn, userId) => SHAPES[shape](conn, couponId, userId));
      req.onShape?.(shape, ceilings[shape]);
    }
    await resetIssuance(admin);
    return { connections: req.connections, durationS: req.durationS, ceilings, measuredAt: new Date().toISOString() };
  } finally {
    await pool.end().catch(() => {});
    await admin.end().catch(() => {});
    await claim.release();
  }
}

/** `connections` loops, each on its own connection, back to back; transactions per second after the warm-up. */
async function measure(pool: ReturnType<typeof createPool>, connections: number, durationS: number, once: (conn: PoolConnection, userId: number) => Promise<void>): Promise<number> {
  const conns = await Promise.all(Array.from({ length: connections }, () => pool.getConnection()));
  try {
    return await measureLoops(conns, durationS, once);
  } finally {
    conns.forEach((c) => c.release());
  }
}

/** One loop per connection, back to back, whatever the database; committed transactions per second after the warm-up. */
export async function measureLoops<C>(conns: C[], durationS: number, once: (conn: C, userId: number) => Promise<void>): Promise<number> {
  const start = performance.now();
  const warm = start + WARMUP_S * 1000;
  const end = warm + durationS * 1000;
  let counted = 0;
  let userId = 0;
  await Promise.all(
    conns.map(async (conn) => {
      while (performance.now() < end) {
        await once(conn, (userId++ % CALIBRATION_USERS) + 1);
        const done = performance.now();
        if (done >= warm && done < end) counted++;
      }
    }),
  );
  return counted / durationS;
}
