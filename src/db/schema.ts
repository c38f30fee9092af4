import type mysql from 'mysql2/promise';
import { UsageError } from '../errors.js';

export const SCHEMA_VERSION = '4';
/** coupons.quantity is a signed INT: the most units a coupon can be seeded with. */
export const MAX_QUANTITY = 2_147_483_647;
export const META_TABLE = 'couponbench_meta';
export const OUR_TABLES = ['coupons', 'users', 'user_coupon', 'coupon_code', META_TABLE] as const;

/**
 * Our schema, step by step, in the order it is made. The meta table comes first, with the rows
 * that mark the database as ours, so a run killed halfway through (kill -9 during the CREATEs)
 * leaves a database the next run recognises and finishes, instead of refusing it as foreign.
 */
export const SCHEMA_STEPS = [
  `CREATE TABLE IF NOT EXISTS ${META_TABLE} (
     k VARCHAR(64) NOT NULL PRIMARY KEY,
     v VARCHAR(255) NOT NULL
   ) ENGINE=InnoDB`,
  `INSERT IGNORE INTO ${META_TABLE} (k, v) VALUES ('schema_version', '${SCHEMA_VERSION}'), ('created_by', 'couponbench')`,
  // quantity is signed on purpose: negative stock is one of the violations the audit looks for.
  `CREATE TABLE IF NOT EXISTS coupons (
     id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
     name VARCHAR(100) NOT NULL,
     quantity INT NOT NULL,
     version BIGINT NOT NULL DEFAULT 0,
     fence BIGINT NOT NULL DEFAULT 0
   ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS users (
     id BIGINT NOT NULL PRIMARY KEY
   ) ENGINE=InnoDB`,
  // The foreign key from user_coupon to coupons is what makes the naive path deadlock: the insert
  // takes a shared lock on the coupon row that the following UPDATE must upgrade.
  `CREATE TABLE IF NOT EXISTS user_coupon (
     id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
     user_id BIGINT NOT NULL,
     coupon_id BIGINT NOT NULL,
     issued_at DATETIME(6) NOT NULL,
     stream_id VARCHAR(40) NULL,
     code VARCHAR(32) NULL,
     KEY idx_user_coupon_coupon_user (coupon_id, user_id),
     UNIQUE KEY uq_user_coupon_stream (stream_id),
     CONSTRAINT fk_user_coupon_user FOREIGN KEY (user_id) REFERENCES users (id),
     CONSTRAINT fk_user_coupon_coupon FOREIGN KEY (coupon_id) REFERENCES coupons (id)
   ) ENGINE=InnoDB`,
  // A pool of pre-generated codes (mysql-skip-locked, redis-pop): a winner claims one free row
  // instead of decrementing the coupon's one hot row. claimed_by is who took it (NULL: free).
  `CREATE TABLE IF NOT EXISTS coupon_code (
     id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
     coupon_id BIGINT NOT NULL,
     code VARCHAR(32) NOT NULL,
     claimed_by BIGINT NULL,
     claimed_at DATETIME(6) NULL,
     UNIQUE KEY uq_coupon_code_code (code),
     KEY idx_coupon_code_coupon (coupon_id)
   ) ENGINE=InnoDB`,
];

const MIGRATIONS = [
  // 2: the fencing token the coupon row checks (--fencing, redis-spin-fenced).
  { from: '1', to: '2', ddl: 'ALTER TABLE coupons ADD COLUMN fence BIGINT NOT NULL DEFAULT 0' },
  // 3: the Redis Stream entry a row was written from (redis-stream): replays insert nothing.
  { from: '2', to: '3', ddl: 'ALTER TABLE user_coupon ADD COLUMN stream_id VARCHAR(40) NULL, ADD UNIQUE KEY uq_user_coupon_stream (stream_id)' },
  // 4: the code a row holds (code pools); the pool's own table is made by SCHEMA_STEPS.
  { from: '3', to: '4', ddl: 'ALTER TABLE user_coupon ADD COLUMN code VARCHAR(32) NULL' },
];

/**
 * Create our database and tables, refusing a database that holds tables we did not create
 * (no meta table, or tables beyond ours). `conn` must not have a default database selected.
 */
export async function ensureSchema(conn: mysql.Connection, database: string): Promise<void> {
  // Create it only when missing: an application user may own an existing database without CREATE rights.
  const [found] = await conn.query<mysql.RowDataPacket[]>('SELECT 1 FROM information_schema.schemata WHERE schema_name = ?', [database]);
  if (found.length === 0) await conn.query(`CREATE DATABASE \`${database}\``);
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?',
    [database],
  );
  const existing = rows.map((r) => String(r.name));
  if (existing.length > 0) {
    const foreign = existing.filter((t) => !(OUR_TABLES as readonly string[]).includes(t));
    if (!existing.includes(META_TABLE) || foreign.length > 0) {
      throw new UsageError(
        `database "${database}" holds tables couponbench did not create (${(foreign.length ? foreign : existing).join(', ')}); ` +
          'pick another with --database',
      );
    }
    const [meta] = await conn.query<mysql.RowDataPacket[]>(`SELECT v FROM \`${database}\`.${META_TABLE} WHERE k = 'schema_version'`);
    // No version row: a run was killed between creating the meta table and marking it; the steps below finish the job.
    const version = meta[0]?.v ?? SCHEMA_VERSION;
    const from = MIGRATIONS.findIndex((m) => m.from === version);
    if (from < 0 && version !== SCHEMA_VERSION) {
      throw new UsageError(`database "${database}" has couponbench schema version ${version ?? '?'}, this build needs ${SCHEMA_VERSION}; pick another with --database`);
    }
    // The tables are ours, so older versions are migrated in place, one step at a time.
    for (const m of from < 0 ? [] : MIGRATIONS.slice(from)) {
      await conn.query(m.ddl.replace(/\bTABLE (\w+)/, `TABLE \`${database}\`.$1`));
      await conn.query(`UPDATE \`${database}\`.${META_TABLE} SET v = ? WHERE k = 'schema_version'`, [m.to]);
    }
  }
  await conn.query(`USE \`${database}\``);
  for (const step of SCHEMA_STEPS) await conn.query(step);
}
