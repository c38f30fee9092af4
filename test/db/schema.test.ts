import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { databaseUrl, DATABASES } from '../../src/db/index.js';
import { UsageError } from '../../src/errors.js';
import { SCHEMA_STEPS } from '../../src/db/schema.js';
import { pgRows } from '../helpers.js';

describe('schema and seed', () => {
  it('creates the schema with the foreign keys, seeds 100,000 users in batches and a fresh coupon per run', async () => {
    const url = inject('mysqlUrl');
    const first = await DATABASES.mysql.prepare(url, { database: 'cb_seed', quantity: 30_000, userPool: 100_000 });
    expect(first.usersInserted).toBe(100_000);
    const again = await DATABASES.mysql.prepare(url, { database: 'cb_seed', quantity: 500, userPool: 100_000 });
    expect(again.usersInserted).toBe(0);
    const conn = await mysql.createConnection(databaseUrl(url, 'cb_seed'));
    try {
      const [users] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n, MIN(id) AS lo, MAX(id) AS hi FROM users');
      expect(users[0]).toMatchObject({ n: 100_000, lo: 1, hi: 100_000 });
      const [coupons] = await conn.query<mysql.RowDataPacket[]>('SELECT id, quantity FROM coupons');
      expect(coupons).toEqual([{ id: again.couponId, quantity: 500 }]);
      const [fks] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT referenced_table_name AS t FROM information_schema.key_column_usage
          WHERE table_schema = 'cb_seed' AND table_name = 'user_coupon' AND referenced_table_name IS NOT NULL ORDER BY t`,
      );
      expect(fks.map((r) => r.t)).toEqual(['coupons', 'users']);
    } finally {
      await conn.end();
    }
  });

  it('refuses a database holding tables it did not create, and leaves them alone', async () => {
    const url = inject('mysqlUrl');
    const conn = await mysql.createConnection(url);
    try {
      await conn.query('CREATE DATABASE IF NOT EXISTS shop');
      await conn.query('CREATE TABLE IF NOT EXISTS shop.coupons (id INT PRIMARY KEY, quantity INT)');
      await conn.query('REPLACE INTO shop.coupons VALUES (1, 99)');
      const attempt = DATABASES.mysql.prepare(url, { database: 'shop', quantity: 10, userPool: 10 });
      await expect(attempt).rejects.toThrow(UsageError);
      await expect(attempt).rejects.toThrow(/database "shop" holds tables couponbench did not create \(coupons\)/);
      const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT quantity FROM shop.coupons');
      expect(rows).toEqual([{ quantity: 99 }]);
      const [tables] = await conn.query<mysql.RowDataPacket[]>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'shop'");
      expect(tables.map((r) => r.t)).toEqual(['coupons']);
    } finally {
      await conn.query('DROP DATABASE shop');
      await conn.end();
    }
  });

  it('migrates its own older schema in place, one version at a time (1 -> 2 -> 3 -> 4)', async () => {
    const url = inject('mysqlUrl');
    const conn = await mysql.createConnection(url);
    const db = 'couponbench_migrate_test';
    try {
      await DATABASES.mysql.prepare(url, { database: db, quantity: 5, userPool: 5 });
      // Back to version 1 by hand: no fencing column, no stream id.
      await conn.query(`ALTER TABLE ${db}.user_coupon DROP INDEX uq_user_coupon_stream, DROP COLUMN stream_id, DROP COLUMN code`);
      await conn.query(`DROP TABLE ${db}.coupon_code`);
      await conn.query(`ALTER TABLE ${db}.coupons DROP COLUMN fence`);
      await conn.query(`UPDATE ${db}.couponbench_meta SET v = '1' WHERE k = 'schema_version'`);
      await DATABASES.mysql.prepare(url, { database: db, quantity: 5, userPool: 5 });
      const [meta] = await conn.query<mysql.RowDataPacket[]>(`SELECT v FROM ${db}.couponbench_meta WHERE k = 'schema_version'`);
      expect(meta[0]!.v).toBe('4');
      const [cols] = await conn.query<mysql.RowDataPacket[]>(
        "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND column_name IN ('fence', 'stream_id', 'code', 'claimed_by') ORDER BY c",
        [db],
      );
      expect(cols.map((r) => r.c)).toEqual(['claimed_by', 'code', 'code', 'fence', 'stream_id']); // code: user_coupon's and coupon_code's
    } finally {
      await conn.query(`DROP DATABASE IF EXISTS ${db}`);
      await conn.end();
    }
  });

  it('finishes its own half-made schema: a run killed after any step of the CREATEs is recognised as ours (issue 15)', async () => {
    const url = inject('mysqlUrl');
    const conn = await mysql.createConnection(url);
    const db = 'cb_half_made';
    try {
      for (let done = 0; done <= SCHEMA_STEPS.length; done++) {
        await conn.query(`DROP DATABASE IF EXISTS ${db}`);
        await conn.query(`CREATE DATABASE ${db}`);
        await conn.query(`USE ${db}`);
        for (const step of SCHEMA_STEPS.slice(0, done)) await conn.query(step); // then kill -9
        const prepared = await DATABASES.mysql.prepare(url, { database: db, quantity: 5, userPool: 5 });
        expect(prepared.quantity, `killed after step ${done}`).toBe(5);
      }
    } finally {
      await conn.query(`DROP DATABASE IF EXISTS ${db}`);
      await conn.end();
    }
  });
});

describe('schema, seed and claim on PostgreSQL (--db postgres)', () => {
  const server = () => inject('postgresUrl');
  const sql = pgRows;

  it('creates its database and tables, seeds users once, and a fresh coupon per run', async () => {
    const db = DATABASES.postgres;
    const first = await db.prepare(server(), { database: 'cb_pg_seed', quantity: 300, userPool: 150_000 });
    expect(first.usersInserted).toBe(150_000);
    const again = await db.prepare(server(), { database: 'cb_pg_seed', quantity: 500, userPool: 150_000 });
    expect(again.usersInserted).toBe(0);
    expect(again.version).toMatch(/^PostgreSQL \d+/);
    const url = databaseUrl(server(), 'cb_pg_seed');
    expect(await sql(url, 'SELECT COUNT(*)::int AS n, MIN(id)::int AS lo, MAX(id)::int AS hi FROM users')).toEqual([{ n: 150_000, lo: 1, hi: 150_000 }]);
    expect(await sql(url, 'SELECT id::int, quantity FROM coupons')).toEqual([{ id: again.couponId, quantity: 500 }]);
    const fks = await sql<{ t: string }>(url, "SELECT ccu.table_name AS t FROM information_schema.constraint_column_usage ccu JOIN information_schema.table_constraints tc USING (constraint_name) WHERE tc.table_name = 'user_coupon' AND tc.constraint_type = 'FOREIGN KEY' ORDER BY t");
    expect(fks.map((r) => r.t)).toEqual(['coupons', 'users']);
  });

  it('refuses a database holding tables it did not create, and leaves them alone', async () => {
    await sql(server(), 'DROP DATABASE IF EXISTS pg_shop');
    await sql(server(), 'CREATE DATABASE pg_shop');
    const url = databaseUrl(server(), 'pg_shop');
    await sql(url, 'CREATE TABLE coupons (id INT PRIMARY KEY, quantity INT)');
    await sql(url, 'INSERT INTO coupons VALUES (1, 99)');
    const attempt = DATABASES.postgres.prepare(server(), { database: 'pg_shop', quantity: 10, userPool: 10 });
    await expect(attempt).rejects.toThrow(/database "pg_shop" holds tables couponbench did not create \(coupons\)/);
    expect(await sql(url, 'SELECT quantity FROM coupons')).toEqual([{ quantity: 99 }]);
    expect((await sql<{ t: string }>(url, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'")).map((r) => r.t)).toEqual(['coupons']);
  });

  it('a second run on the same database is refused, naming the first, until the first lets go', async () => {
    const db = DATABASES.postgres;
    await db.prepare(server(), { database: 'cb_pg_claim', quantity: 5, userPool: 5 });
    const first = await db.claim(server(), 'cb_pg_claim');
    await first.announce('redis-spin on smoke');
    await expect(db.claim(server(), 'cb_pg_claim')).rejects.toThrow(/database "cb_pg_claim" is in use by another couponbench run \(redis-spin on smoke, pid \d+/);
    await first.release();
    const second = await db.claim(server(), 'cb_pg_claim');
    await second.release();
  });
});

describe('a code pool (mysql-skip-locked, redis-pop)', () => {
  it('seeds one free code per unit, and the snapshot reads the stock from the free codes and counts codes held twice', async () => {
    const url = inject('mysqlUrl');
    const prepared = await DATABASES.mysql.prepare(url, { database: 'cb_codes', quantity: 25_000, userPool: 10, codePool: true });
    const db = databaseUrl(url, 'cb_codes');
    const conn = await mysql.createConnection(db);
    try {
      const [codes] = await conn.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n, COUNT(DISTINCT code) AS d, SUM(claimed_by IS NULL) AS free FROM coupon_code WHERE coupon_id = ?', [prepared.couponId]);
      expect(codes[0]).toMatchObject({ n: 25_000, d: 25_000 });
      expect(Number(codes[0]!.free)).toBe(25_000);
      // Three winners: two of them told they hold the same code (what a broken pool would do).
      const [taken] = await conn.query<mysql.RowDataPacket[]>('SELECT id, code FROM coupon_code WHERE coupon_id = ? ORDER BY id LIMIT 2', [prepared.couponId]);
      await conn.query('UPDATE coupon_code SET claimed_by = 1 WHERE id IN (?, ?)', [taken[0]!.id, taken[1]!.id]);
      for (const [user, code] of [[1, taken[0]!.code], [2, taken[1]!.code], [3, taken[1]!.code]]) {
        await conn.query('INSERT INTO user_coupon (user_id, coupon_id, issued_at, code) VALUES (?, ?, NOW(6), ?)', [user, prepared.couponId, code]);
      }
    } finally {
      await conn.end();
    }
    const snapshot = await DATABASES.mysql.snapshot(db, prepared.couponId, true);
    expect(snapshot).toMatchObject({ finalQuantity: 24_998, rows: 3, codesHeldTwice: 1 });
    const plain = await DATABASES.mysql.snapshot(db, prepared.couponId);
    expect(plain).toMatchObject({ finalQuantity: 25_000, codesHeldTwice: 0 });
  });
});
