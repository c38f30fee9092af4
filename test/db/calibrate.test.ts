/** The hot-row ceiling (issue #10, part 3): raw transactions on a real MariaDB, and efficiency against it. */
import mysql from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { DATABASES } from '../../src/db/index.js';
import { pgRows } from '../helpers.js';
import { efficiency, type Report } from '../../src/report/schema.js';

describe('calibrate', () => {
  it('measures both hot-row shapes at the given connections and leaves our tables empty', async () => {
    const url = inject('mysqlUrl');
    const seen: string[] = [];
    const c = await DATABASES.mysql.calibrate(url, { database: 'couponbench_calibrate_test', connections: 4, durationS: 0.5, onShape: (shape) => seen.push(shape) });
    expect(seen).toEqual(['conditional-update', 'select-for-update']);
    expect(c).toMatchObject({ connections: 4, durationS: 0.5 });
    expect(c.ceilings['conditional-update']).toBeGreaterThan(50);
    expect(c.ceilings['select-for-update']).toBeGreaterThan(50);
    const conn = await mysql.createConnection(url);
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT (SELECT COUNT(*) FROM couponbench_calibrate_test.user_coupon) AS issued, (SELECT COUNT(*) FROM couponbench_calibrate_test.coupons) AS coupons');
      expect(rows[0]).toEqual({ issued: 0, coupons: 0 });
    } finally {
      await conn.query('DROP DATABASE couponbench_calibrate_test');
      await conn.end();
    }
  });

  it('measures the same shapes on PostgreSQL (--db postgres) and leaves our tables empty', async () => {
    const seen: string[] = [];
    const c = await DATABASES.postgres.calibrate(inject('postgresUrl'), { database: 'cb_calibrate_pg', connections: 4, durationS: 0.5, onShape: (shape) => seen.push(shape) });
    expect(seen).toEqual(['conditional-update', 'select-for-update']);
    expect(c.ceilings['conditional-update']).toBeGreaterThan(50);
    expect(c.ceilings['select-for-update']).toBeGreaterThan(50);
    const url = new URL(inject('postgresUrl'));
    url.pathname = '/cb_calibrate_pg';
    expect(await pgRows(url.toString(), 'SELECT (SELECT COUNT(*) FROM user_coupon)::int AS issued, (SELECT COUNT(*) FROM coupons)::int AS coupons')).toEqual([{ issued: 0, coupons: 0 }]);
  });

  it("efficiency is the sale-phase issue rate over the ceiling of the strategy's own shape", () => {
    const report = {
      config: { ceiling: 'select-for-update' },
      load: { issuedRate: 100, phases: { sale: { issuedRate: 1500 } } },
      calibration: { connections: 20, durationS: 2, measuredAt: '', ceilings: { 'conditional-update': 3000, 'select-for-update': 2000 } },
    } as unknown as Report;
    expect(efficiency(report)).toEqual({ value: 0.75, ceiling: 2000, shape: 'select-for-update' });
    expect(efficiency({ ...report, calibration: undefined })).toBeUndefined();
  });
});
