/**
 * redis-stream's write-behind (issue #10, part 4), on real Redis and MariaDB: a consumer that
 * stops with entries read but not acknowledged leaves them pending; another consumer takes them
 * over once idle, and writes only those not already committed (a consumer may die between its
 * commit and its XACK).
 */
import { Redis } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPool, databaseUrl, DATABASES } from '../../src/db/index.js';
import { SECTIONS } from '../../strategies/sections.js';
import { redisStream } from '../../strategies/redisStream.js';
import { entriesOf, GROUP, StreamWriter } from '../../strategies/streamWriter.js';

const DB = 'couponbench_stream_test';

describe('redis-stream write-behind', () => {
  let redis: Redis;
  let reader: Redis;
  let pool: ReturnType<typeof createPool>;
  beforeAll(() => {
    redis = new Redis(inject('redisUrls')[0]!);
    reader = new Redis(inject('redisUrls')[0]!);
    pool = createPool(databaseUrl(inject('mysqlUrl'), DB), 2);
  });
  afterAll(async () => {
    redis.disconnect();
    reader.disconnect();
    await pool.end();
  });

  it("takes over a dead consumer's pending winners and writes each exactly once", async () => {
    const coupon = await DATABASES.mysql.prepare(inject('mysqlUrl'), { database: DB, quantity: 100, userPool: 100 });
    await redisStream.prepare!(redis, coupon);
    const log = `couponbench:stream:{coupon:${coupon.couponId}}:log`;
    const keys = { log, stats: `couponbench:stream:{coupon:${coupon.couponId}}:stats`, lags: `couponbench:stream:{coupon:${coupon.couponId}}:lags` };
    // Ten winners claimed the way the strategy claims them (the Lua step), nobody writing yet.
    const issuer = redisStream.create({ db: 'mysql', redis, redisNodes: [redis], mysql: pool, sections: SECTIONS.mysql({ mysql: pool }), databaseUrl: '', poolSize: 2, onePerUser: true, options: {} as never, instance: 9 });
    for (let user = 1; user <= 10; user++) expect(await issuer.issue({ couponId: coupon.couponId, userId: user })).toEqual({ result: 'issued' });
    await issuer.close!(); // its writer had started: let it write those ten, then stop

    // Five more claimed; a consumer "dead" reads them and never acknowledges; it had committed
    // two of them before it died (rows carry the stream id).
    const more = redisStream.create({ db: 'mysql', redis, redisNodes: [redis], mysql: pool, sections: SECTIONS.mysql({ mysql: pool }), databaseUrl: '', poolSize: 2, onePerUser: true, options: {} as never, instance: 8 });
    // Its writer is stopped before the new entries come: claims still go in, nobody reads them.
    await more.issue({ couponId: coupon.couponId, userId: 11 });
    await more.close!();
    for (let user = 12; user <= 15; user++) await more.issue({ couponId: coupon.couponId, userId: user });
    const entries = entriesOf((await reader.call('XREADGROUP', 'GROUP', GROUP, 'dead', 'COUNT', 100, 'STREAMS', log, '>')) as Parameters<typeof entriesOf>[0]);
    expect(entries.length).toBeGreaterThanOrEqual(4);
    const [first] = entries;
    await pool.query('UPDATE coupons SET quantity = quantity - 1 WHERE id = ?', [coupon.couponId]);
    await pool.query('INSERT INTO user_coupon (user_id, coupon_id, issued_at, stream_id) VALUES (?, ?, NOW(6), ?)', [Number(first![1][1]), coupon.couponId, first![0]]);

    const writer = new StreamWriter(redis, pool, coupon.couponId, keys, 'survivor');
    const settled = await redisStream.settle!(redis, coupon.couponId, 10_000);
    await writer.close();
    expect(settled).toMatchObject({ claimed: 15, pending: 0, drained: true });
    const [rows] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n, COUNT(DISTINCT stream_id) AS ids FROM user_coupon WHERE coupon_id = ?', [coupon.couponId]);
    expect(rows[0]).toMatchObject({ n: 15, ids: 15 }); // the entry committed before the "death" was not written twice
    const [[left]] = (await pool.query<RowDataPacket[]>('SELECT quantity FROM coupons WHERE id = ?', [coupon.couponId])) as unknown as [[{ quantity: number }]];
    expect(left.quantity).toBe(85);
    expect(settled.settleMs).toBeGreaterThanOrEqual(1500); // waited for the dead consumer's entries to go idle
  });
});
