/**
 * Our schema, seed, snapshot and run claim on PostgreSQL (`--db postgres`): the same tables and
 * the same rules as on MySQL (src/db/schema.ts, seed.ts, claim.ts): a database holding tables we
 * did not create is refused, only our tables are ever emptied, and a run owns its database
 * through a lock the server drops with the connection (an advisory lock here).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool as MysqlPool } from 'mysql2/promise';
import pg from 'pg';
import { heldByUser, type DbSnapshot } from '../audit/snapshot.js';
import { UsageError } from '../errors.js';
import { databaseUrl } from './connect.js';
import { META_TABLE, OUR_TABLES, SCHEMA_VERSION } from './schema.js';
import { couponIdFor } from './seed.js';
import type { CalibrateRequest, IssueDatabase, Prepared } from './issueDatabase.js';
import { postgresDatabaseOf } from './postgresUrl.js';
import { CALIBRATION_USERS, CEILING_SHAPES, measureLoops, type Calibration, type CeilingShape } from './calibrate.js';

const USER_BATCH = 100_000;

export const POSTGRES: IssueDatabase = {
  kind: 'postgres',
  name: 'PostgreSQL',
  fencedWrites: false,
  request: (flags) => {
    const named = flags.postgresUrl ? postgresDatabaseOf(flags.postgresUrl) : undefined;
    return { infra: { postgres: { url: flags.postgresUrl } }, ...(named ? { named } : {}), notes: [] };
  },
  serverUrlOn: (infra) => {
    if (!infra.postgresUrl) throw new UsageError('--db postgres needs a PostgreSQL: local infra starts one, or give --postgres-url');
    return infra.postgresUrl;
  },
  processOn: (processes) => (processes.postgresPid ? { name: 'postgres', pid: processes.postgresPid, singleThreaded: false, children: true } : undefined),
  claim: claimPostgres,
  prepare: (serverUrl, req) => {
    if (req.codePool) throw new UsageError('code pools run on MySQL only so far (--db mysql)');
    return preparePostgres(serverUrl, req.database, req.quantity, req.userPool, couponIdFor(req.database));
  },
  snapshot: snapshotPostgres,
  stockReader: (databaseUrl, couponId) => {
    const conn = connectPostgres(databaseUrl);
    conn.catch(() => {});
    return {
      read: async () => Number((await (await conn).query<{ quantity: number }>('SELECT quantity FROM coupons WHERE id = $1', [couponId])).rows[0]!.quantity),
      close: async () => void (await conn.then((c) => c.end(), () => {})),
    };
  },
  calibrate: calibratePostgres,
  openPools: (databaseUrl, size) => {
    const pool = createPostgresPool(databaseUrl, size);
    return { mysql: notOnThisRun(), pg: pool, end: () => pool.end() };
  },
};

/** ctx.mysql on a PostgreSQL run: a strategy that reaches for it says so, instead of hanging on a pool of nothing. */
function notOnThisRun(): MysqlPool {
  const refuse = () => Promise.reject(new Error('this run issues on PostgreSQL (--db postgres): ctx.pg is its pool, ctx.mysql is not there'));
  return { getConnection: refuse, query: refuse, execute: refuse, end: () => Promise.resolve() } as unknown as MysqlPool;
}
const OWNER_KEY = 'run_owner';

export async function connectPostgres(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'couponbench' });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** SQLSTATE 3D000: no such database. */
const INVALID_CATALOG_NAME = '3D000';

/** A connection for work on the server as a whole; the URL may name the very database still to be created: the server's own (postgres) then. */
async function connectPostgresServer(serverUrl: string): Promise<pg.Client> {
  return connectPostgres(serverUrl).catch((err: Error & { code?: string }) => {
    if (err.code === INVALID_CATALOG_NAME) return connectPostgres(databaseUrl(serverUrl, 'postgres'));
    throw err;
  });
}

/** The pool a server instance issues on (node-postgres: one client per checkout, released after). */
export function createPostgresPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'couponbench-server' });
  // An idle client whose server went away (a reset link) must not crash the instance: the next checkout fails instead.
  pool.on('error', () => {});
  return pool;
}

export const POSTGRES_SCHEMA_STEPS = [
  `CREATE TABLE IF NOT EXISTS ${META_TABLE} (k VARCHAR(64) PRIMARY KEY, v VARCHAR(255) NOT NULL)`,
  `INSERT INTO ${META_TABLE} (k, v) VALUES ('schema_version', '${SCHEMA_VERSION}'), ('created_by', 'couponbench') ON CONFLICT (k) DO NOTHING`,
  // quantity is signed on purpose: negative stock is one of the violations the audit looks for.
  `CREATE TABLE IF NOT EXISTS coupons (
     id BIGINT PRIMARY KEY,
     name VARCHAR(100) NOT NULL,
     quantity INT NOT NULL,
     version BIGINT NOT NULL DEFAULT 0,
     fence BIGINT NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE IF NOT EXISTS users (id BIGINT PRIMARY KEY)`,
  `CREATE TABLE IF NOT EXISTS user_coupon (
     id BIGSERIAL PRIMARY KEY,
     user_id BIGINT NOT NULL REFERENCES users (id),
     coupon_id BIGINT NOT NULL REFERENCES coupons (id),
     issued_at TIMESTAMPTZ NOT NULL,
     stream_id VARCHAR(40) NULL UNIQUE
   )`,
  `CREATE INDEX IF NOT EXISTS idx_user_coupon_coupon_user ON user_coupon (coupon_id, user_id)`,
  `ALTER TABLE user_coupon ADD COLUMN IF NOT EXISTS code VARCHAR(32) NULL`,
  `CREATE TABLE IF NOT EXISTS coupon_code (
     id BIGSERIAL PRIMARY KEY,
     coupon_id BIGINT NOT NULL,
     code VARCHAR(32) NOT NULL UNIQUE,
     claimed_by BIGINT NULL,
     claimed_at TIMESTAMPTZ NULL
   )`,
  `CREATE INDEX IF NOT EXISTS idx_coupon_code_free ON coupon_code (coupon_id, claimed_by)`,
  // Version 3 (the first on PostgreSQL) becomes 4 by the two steps above.
  `UPDATE ${META_TABLE} SET v = '${SCHEMA_VERSION}' WHERE k = 'schema_version' AND v = '3'`,
];

/** Create our database (when missing) and tables, refusing a database that holds tables we did not create. */
export async function ensurePostgresSchema(serverUrl: string, database: string): Promise<void> {
  const admin = await connectPostgresServer(serverUrl);
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const conn = await connectPostgres(databaseUrl(serverUrl, database));
  try {
    // Every schema counts: a table app.orders is as much the user's as public.orders.
    const { rows } = await conn.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' ORDER BY 1, 2`,
    );
    const ours = (r: { schema: string; name: string }) => r.schema === 'public' && (OUR_TABLES as readonly string[]).includes(r.name);
    const shown = (r: { schema: string; name: string }) => (r.schema === 'public' ? r.name : `${r.schema}.${r.name}`);
    const existing = rows.filter((r) => r.schema === 'public').map((r) => r.name);
    const foreign = rows.filter((r) => !ours(r)).map(shown);
    if (foreign.length > 0 || (existing.length > 0 && !existing.includes(META_TABLE))) {
      throw new UsageError(`database "${database}" holds tables couponbench did not create (${(foreign.length ? foreign : existing).join(', ')}); pick another with --database`);
    }
    if (existing.includes(META_TABLE)) {
      const meta = await conn.query<{ v: string }>(`SELECT v FROM ${META_TABLE} WHERE k = 'schema_version'`);
      const version = meta.rows[0]?.v ?? SCHEMA_VERSION;
      if (version !== SCHEMA_VERSION && version !== '3') throw new UsageError(`database "${database}" has couponbench schema version ${version}, this build needs ${SCHEMA_VERSION}; pick another with --database`);
    }
    for (const step of POSTGRES_SCHEMA_STEPS) await conn.query(step);
  } finally {
    await conn.end();
  }
}

/** A clean slate in our tables, users 1..userPool, and a fresh coupon of `quantity` units with id `couponId`. */
export async function preparePostgres(serverUrl: string, database: string, quantity: number, userPool: number, couponId: number): Promise<Prepared> {
  await ensurePostgresSchema(serverUrl, database);
  const conn = await connectPostgres(databaseUrl(serverUrl, database));
  try {
    const started = Date.now();
    await conn.query('TRUNCATE user_coupon, coupon_code, coupons');
    const { rows } = await conn.query<{ maxid: string; n: string }>('SELECT COALESCE(MAX(id), 0) AS maxid, COUNT(*) AS n FROM users');
    let maxId = Number(rows[0]!.maxid);
    if (Number(rows[0]!.n) !== maxId) {
      await conn.query('DELETE FROM users'); // not a dense 1..max range (someone edited it): rebuild
      maxId = 0;
    }
    let usersInserted = 0;
    for (let from = maxId + 1; from <= userPool; from += USER_BATCH) {
      const to = Math.min(userPool, from + USER_BATCH - 1);
      await conn.query('INSERT INTO users (id) SELECT g FROM generate_series($1::bigint, $2::bigint) AS g', [from, to]);
      usersInserted += to - from + 1;
    }
    await conn.query("INSERT INTO coupons (id, name, quantity, version) VALUES ($1, 'first-come coupon', $2, 0)", [couponId, quantity]);
    const seedMs = Date.now() - started;
    const version = await conn.query<{ server_version: string }>('SHOW server_version');
    return { couponId, quantity, usersInserted, seedMs, version: `PostgreSQL ${version.rows[0]!.server_version.split(' ')[0]}` };
  } finally {
    await conn.end();
  }
}

export async function snapshotPostgres(url: string, couponId: number): Promise<DbSnapshot> {
  const conn = await connectPostgres(url);
  try {
    const coupon = await conn.query<{ quantity: number }>('SELECT quantity FROM coupons WHERE id = $1', [couponId]);
    if (coupon.rowCount === 0) throw new Error(`coupon ${couponId} disappeared before the audit`);
    const byUser = await conn.query<{ u: string; n: string }>(
      'SELECT user_id AS u, COUNT(*) AS n, MIN(id) AS first FROM user_coupon WHERE coupon_id = $1 GROUP BY user_id ORDER BY first',
      [couponId],
    );
    return { finalQuantity: Number(coupon.rows[0]!.quantity), ...heldByUser(byUser.rows), codesHeldTwice: 0 };
  } finally {
    await conn.end();
  }
}

/** The advisory lock key of a database's claim: 63 bits of a hash of its name. */
function claimKey(database: string): string {
  return BigInt.asIntN(64, BigInt(`0x${createHash('sha1').update(`couponbench.run.${database}`).digest('hex').slice(0, 16)}`)).toString();
}

/** Take `database` for this run (a session advisory lock on a connection of its own), or refuse naming who has it. */
export async function claimPostgres(serverUrl: string, database: string): Promise<{ announce(what: string): Promise<void>; release(): Promise<void> }> {
  const conn = await connectPostgresServer(serverUrl);
  const key = claimKey(database);
  try {
    const got = await conn.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS got', [key]);
    if (!got.rows[0]!.got) throw new UsageError(await refusal(serverUrl, database));
  } catch (err) {
    await conn.end().catch(() => {});
    throw err;
  }
  let released = false;
  return {
    async announce(what) {
      const owner = { pid: process.pid, host: hostname(), what, since: new Date().toISOString() };
      const db = await connectPostgres(databaseUrl(serverUrl, database));
      try {
        await db.query(`INSERT INTO ${META_TABLE} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v`, [OWNER_KEY, JSON.stringify(owner).slice(0, 255)]);
      } finally {
        await db.end();
      }
    },
    async release() {
      if (released) return;
      released = true;
      const db = await connectPostgres(databaseUrl(serverUrl, database)).catch(() => undefined);
      await db?.query(`DELETE FROM ${META_TABLE} WHERE k = $1`, [OWNER_KEY]).catch(() => {});
      await db?.end().catch(() => {});
      await conn.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {});
      await conn.end().catch(() => {});
    },
  };
}

async function refusal(serverUrl: string, database: string): Promise<string> {
  let who = 'another session';
  try {
    const db = await connectPostgres(databaseUrl(serverUrl, database));
    try {
      const { rows } = await db.query<{ v: string }>(`SELECT v FROM ${META_TABLE} WHERE k = $1`, [OWNER_KEY]);
      const owner = rows[0] ? (JSON.parse(rows[0].v) as { what: string; pid: number; host: string; since: string }) : undefined;
      if (owner) who = `${owner.what}, pid ${owner.pid} on ${owner.host}, since ${owner.since.slice(11, 19)} UTC`;
    } finally {
      await db.end();
    }
  } catch {
    /* no meta table yet: the holder is creating it */
  }
  return `database "${database}" is in use by another couponbench run (${who}); wait for it to end, or give this run its own with --database`;
}

/**
 * The hot-row ceiling on PostgreSQL: the same two shapes as on MySQL (src/db/calibrate.ts), one
 * statement per round trip, at `connections` clients; our tables are left empty afterwards.
 */
export async function calibratePostgres(serverUrl: string, req: CalibrateRequest): Promise<Calibration> {
  const claim = await claimPostgres(serverUrl, req.database);
  const pool = createPostgresPool(databaseUrl(serverUrl, req.database), req.connections);
  try {
    const couponId = 1;
    const ceilings = {} as Calibration['ceilings'];
    for (const shape of CEILING_SHAPES) {
      await preparePostgres(serverUrl, req.database, 2_000_000_000, CALIBRATION_USERS, couponId);
      if (shape === CEILING_SHAPES[0]) await claim.announce('calibrate');
      const clients = await Promise.all(Array.from({ length: req.connections }, () => pool.connect()));
      try {
        ceilings[shape] = await measureLoops(clients, req.durationS, (client, userId) => POSTGRES_SHAPES[shape](client, couponId, userId));
      } finally {
        clients.forEach((c) => c.release());
      }
      req.onShape?.(shape, ceilings[shape]);
    }
    const conn = await connectPostgres(databaseUrl(serverUrl, req.database));
    await conn.query('TRUNCATE user_coupon, coupon_code, coupons').finally(() => conn.end());
    return { connections: req.connections, durationS: req.durationS, ceilings, measuredAt: new Date().toISOString() };
  } finally {
    await pool.end().catch(() => {});
    await claim.release();
  }
}

const INSERT_ISSUE = 'INSERT INTO user_coupon (user_id, coupon_id, issued_at) VALUES ($1, $2, now())';

const POSTGRES_SHAPES: Record<CeilingShape, (client: pg.PoolClient, couponId: number, userId: number) => Promise<void>> = {
  'conditional-update': async (client, couponId, userId) => {
    await client.query('BEGIN');
    const update = await client.query('UPDATE coupons SET quantity = quantity - 1 WHERE id = $1 AND quantity > 0', [couponId]);
    if (update.rowCount === 1) await client.query(INSERT_ISSUE, [userId, couponId]);
    await client.query('COMMIT');
  },
  'select-for-update': async (client, couponId, userId) => {
    await client.query('BEGIN');
    const { rows } = await client.query<{ quantity: number }>('SELECT quantity FROM coupons WHERE id = $1 FOR UPDATE', [couponId]);
    await client.query(INSERT_ISSUE, [userId, couponId]);
    await client.query('UPDATE coupons SET quantity = $1 WHERE id = $2', [Number(rows[0]!.quantity) - 1, couponId]);
    await client.query('COMMIT');
  },
};
