/**
 * The write-behind half of redis-stream: a consumer in a Redis Streams consumer group that writes
 * claimed winners to MySQL in batches, one transaction per batch (a multi-row INSERT and one
 * `quantity = quantity - n`), and acknowledges entries only after the commit. Entries a dead
 * consumer left pending are taken over with XAUTOCLAIM once idle; because a consumer may die
 * between its commit and its XACK, rows carry their stream entry id (unique), and entries taken
 * over are checked against the table before they are written again.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import { LuaScript } from './locks/luaScript.js';
import { dedicatedConnection } from './locks/types.js';
import type { RedisClient } from './types.js';

export const GROUP = 'writers';

// Acknowledge the batch and count as persisted only what this XACK acknowledged: a consumer that
// took entries over may have found them already written by one that was merely slow, and both
// then acknowledge the same entries. ARGV[2..] are "<id> <lag ms>". Lags are kept when all were ours.
const ACKNOWLEDGE = new LuaScript(`
local ids, lags = {}, {}
for i = 2, #ARGV do
  local space = string.find(ARGV[i], ' ')
  ids[#ids + 1] = string.sub(ARGV[i], 1, space - 1)
  lags[#lags + 1] = string.sub(ARGV[i], space + 1)
end
local acked = redis.call('xack', KEYS[1], ARGV[1], unpack(ids))
redis.call('hincrby', KEYS[2], 'persisted', acked)
if acked == #ids then redis.call('rpush', KEYS[3], unpack(lags)) end
return acked`);
const BATCH = 500;
const BLOCK_MS = 100;
/** A pending entry idle this long belongs to a consumer that stopped: another takes it over. */
const TAKE_OVER_IDLE_MS = 2000;
const TAKE_OVER_EVERY_MS = 1000;
const RETRY_MS = 200;

export interface StreamKeys {
  log: string;
  stats: string;
  lags: string;
}

type Entry = [id: string, fields: string[]];
/** RESP2 gives [[stream, entries]]; ioredis 6 on RESP3 gives the one stream's map as [stream, entries]. */
type ReadReply = Array<[stream: string, entries: Entry[]]> | [stream: string, entries: Entry[]] | null;

export function entriesOf(reply: ReadReply): Entry[] {
  if (!reply || reply.length === 0) return [];
  return (Array.isArray(reply[0]) ? (reply[0] as [string, Entry[]])[1] : (reply[1] as Entry[])) ?? [];
}

/** Milliseconds since the epoch at which Redis accepted the entry (its id is `<ms>-<seq>`). */
export const claimedAtMs = (id: string) => Number(id.slice(0, id.indexOf('-')));

export class StreamWriter {
  private running = true;
  private readonly done: Promise<void>;
  /** XREADGROUP BLOCK holds its connection: the writer reads on one of its own. */
  private readonly reader: RedisClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly mysql: Pool,
    private readonly couponId: number,
    private readonly keys: StreamKeys,
    private readonly consumer: string,
  ) {
    this.reader = dedicatedConnection(redis);
    this.done = this.loop();
  }

  /** Finish the batch in hand and stop; what is left pending is taken over by another consumer. */
  async close(): Promise<void> {
    this.running = false;
    await this.done;
    this.reader.disconnect();
  }

  private async loop(): Promise<void> {
    // Our own pending entries first (a failed batch, or entries taken over), then new ones.
    let ownPending = true;
    let lastTakeOver = 0;
    while (this.running) {
      try {
        if (Date.now() - lastTakeOver >= TAKE_OVER_EVERY_MS) {
          lastTakeOver = Date.now();
          if (await this.takeOver()) ownPending = true;
        }
        const entries = ownPending ? await this.read('0') : await this.read('>');
        if (ownPending && entries.length === 0) {
          ownPending = false;
          continue;
        }
        if (entries.length > 0) await this.write(entries, ownPending);
      } catch (err) {
        if (process.env.COUPONBENCH_DEBUG) console.error('stream writer:', err);
        if (!this.running) break;
        ownPending = true; // the batch stays pending; read it again
        await sleep(RETRY_MS);
      }
    }
  }

  private async read(from: '0' | '>'): Promise<Entry[]> {
    const block = from === '>' ? ['BLOCK', BLOCK_MS] : [];
    const reply = (await this.reader.call('XREADGROUP', 'GROUP', GROUP, this.consumer, 'COUNT', BATCH, ...block, 'STREAMS', this.keys.log, from)) as ReadReply;
    return entriesOf(reply);
  }

  /** Claim entries other consumers left idle; true when some became ours. */
  private async takeOver(): Promise<boolean> {
    const reply = (await this.redis.call('XAUTOCLAIM', this.keys.log, GROUP, this.consumer, TAKE_OVER_IDLE_MS, '0-0', 'COUNT', BATCH, 'JUSTID')) as [string, string[]];
    return (reply?.[1]?.length ?? 0) > 0;
  }

  /**
   * One transaction for the batch, then XACK and the counters in one MULTI. `mayExist`: entries
   * delivered before (pending) may already be in the table; those are acknowledged, not rewritten.
   */
  private async write(entries: Entry[], mayExist: boolean): Promise<void> {
    const ids = entries.map(([id]) => id);
    const conn = await this.mysql.getConnection();
    try {
      await conn.beginTransaction();
      let fresh = entries;
      if (mayExist) {
        const [rows] = await conn.query<RowDataPacket[]>('SELECT stream_id FROM user_coupon WHERE stream_id IN (?)', [ids]);
        const written = new Set(rows.map((r) => String(r.stream_id)));
        fresh = entries.filter(([id]) => !written.has(id));
      }
      if (fresh.length > 0) {
        // Decrement first: the UPDATE's exclusive row lock comes before the inserts' foreign-key
        // checks want a shared one, so two writers queue instead of deadlocking. The INSERT then
        // writes every row or fails (a stream id already there) and the whole batch rolls back.
        await conn.query('UPDATE coupons SET quantity = quantity - ? WHERE id = ?', [fresh.length, this.couponId]);
        const values: Array<number | string> = [];
        for (const [id, fields] of fresh) values.push(Number(fields[1]), this.couponId, claimedAtMs(id) / 1000, id);
        await conn.query(`INSERT INTO user_coupon (user_id, coupon_id, issued_at, stream_id) VALUES ${fresh.map(() => '(?, ?, FROM_UNIXTIME(?), ?)').join(', ')}`, values);
      }
      await conn.commit();
    } catch (err) {
      await conn.rollback().catch(() => {});
      throw err;
    } finally {
      conn.release();
    }
    const committedAt = Date.now();
    await ACKNOWLEDGE.run(this.redis, [this.keys.log, this.keys.stats, this.keys.lags], [GROUP, ...ids.map((id) => `${id} ${committedAt - claimedAtMs(id)}`)]);
  }
}
