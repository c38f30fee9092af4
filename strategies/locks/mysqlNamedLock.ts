import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { DistributedLock } from './types.js';

/**
 * MySQL's user-level lock: GET_LOCK(name, timeout) / RELEASE_LOCK(name). The lock belongs to the
 * session, so it is taken and released on a connection of its own, from a pool separate from
 * the one transactions use: sharing one pool lets lock holders and waiters exhaust it and
 * deadlock the application (every connection waiting in GET_LOCK, the holder waiting for one).
 */
export class MysqlNamedLock implements DistributedLock {
  private readonly sessions = new Map<string, PoolConnection>();

  constructor(
    private readonly lockPool: Pool,
    readonly name: string,
  ) {}

  async tryLock(owner: string, waitMs: number): Promise<boolean> {
    const conn = await this.lockPool.getConnection();
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [this.name, waitMs / 1000]);
      if (Number(rows[0]!.got) === 1) {
        this.sessions.set(owner, conn);
        return true;
      }
      conn.release();
      return false;
    } catch (err) {
      conn.release();
      throw err;
    }
  }

  async unlock(owner: string): Promise<boolean> {
    const conn = this.sessions.get(owner);
    this.sessions.delete(owner);
    if (!conn) return false;
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT RELEASE_LOCK(?) AS released', [this.name]);
      return Number(rows[0]!.released) === 1;
    } finally {
      conn.release();
    }
  }
}
