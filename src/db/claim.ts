/**
 * A run owns its database for its whole life: a MySQL named lock taken before the reset and held
 * on its own connection to the end. A second run on the same database (two runs on `couponbench
 * up`, or on one --mysql-url) is refused in one line naming the first, instead of truncating the
 * tables under it. The server releases the lock when the connection goes, so a run killed with
 * kill -9 leaves nothing to clean up. Who holds it is written to our meta table for that line.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type mysql from 'mysql2/promise';
import { UsageError } from '../errors.js';
import { connect } from './connect.js';
import { META_TABLE } from './schema.js';

/** MySQL and MariaDB cap a lock name at 64 characters. */
const MAX_LOCK_NAME = 64;
const OWNER_KEY = 'run_owner';

export interface DatabaseClaim {
  /** Say who holds the claim, once our meta table exists (the line a refused run prints). */
  announce(what: string): Promise<void>;
  release(): Promise<void>;
}

/** What a refused run reads about the holder. */
interface OwnerRecord {
  connection: number;
  pid: number;
  host: string;
  what: string;
  since: string;
}

export function claimLockName(database: string): string {
  const name = `couponbench.run.${database}`;
  return name.length <= MAX_LOCK_NAME ? name : `couponbench.run.${createHash('sha1').update(database).digest('hex')}`;
}

/** Take `database` for this run, or throw a UsageError naming the run that has it. */
export async function claimDatabase(serverUrl: string, database: string): Promise<DatabaseClaim> {
  const conn = await connect(serverUrl);
  const name = claimLockName(database);
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got, CONNECTION_ID() AS id', [name]);
    if (Number(rows[0]!.got) !== 1) throw new UsageError(await refusal(conn, database, name));
    const connection = Number(rows[0]!.id);
    let released = false;
    return {
      async announce(what) {
        const owner: OwnerRecord = { connection, pid: process.pid, host: hostname(), what, since: new Date().toISOString() };
        await conn.query(`REPLACE INTO \`${database}\`.${META_TABLE} (k, v) VALUES (?, ?)`, [OWNER_KEY, JSON.stringify(owner).slice(0, 255)]);
      },
      async release() {
        if (released) return;
        released = true;
        try {
          await conn.query(`DELETE FROM \`${database}\`.${META_TABLE} WHERE k = ?`, [OWNER_KEY]).catch(() => {});
          await conn.query('DO RELEASE_LOCK(?)', [name]);
        } finally {
          await conn.end().catch(() => conn.destroy());
        }
      },
    };
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

async function refusal(conn: mysql.Connection, database: string, name: string): Promise<string> {
  const [used] = await conn.query<mysql.RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [name]);
  const holder = used[0]?.id === null || used[0]?.id === undefined ? undefined : Number(used[0].id);
  const owner = await readOwner(conn, database);
  const who =
    owner && owner.connection === holder
      ? `${owner.what}, pid ${owner.pid} on ${owner.host}, since ${owner.since.slice(11, 19)} UTC`
      : `MySQL connection ${holder ?? '?'}`;
  return `database "${database}" is in use by another couponbench run (${who}); wait for it to end, or give this run its own with --database`;
}

async function readOwner(conn: mysql.Connection, database: string): Promise<OwnerRecord | undefined> {
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT v FROM \`${database}\`.${META_TABLE} WHERE k = ?`, [OWNER_KEY]);
    return rows[0] ? (JSON.parse(String(rows[0].v)) as OwnerRecord) : undefined;
  } catch {
    return undefined; // no meta table yet (the holder is creating it), or not JSON: the connection id still names it
  }
}
