import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { createPool } from '../src/db/connect.js';
import {
  CLIENT_ENDINGS,
  classify,
  decodeResponse,
  encodeOutcome,
  FAILURE_CAUSES,
  STATUS_BY_RESULT,
  tallyObservations,
  toneOf,
  type IssueOutcome,
} from '../src/outcomes.js';
import { createIssueApp } from '../src/server/app.js';
import { failureCauseOf } from '../strategies/failure.js';
import { issueUnderLock } from '../strategies/lockedIssue.js';
import { MysqlNamedLock } from '../strategies/locks/mysqlNamedLock.js';
import { RedisSpinLock } from '../strategies/locks/redisSpinLock.js';
import { DEFAULT_STRATEGY_OPTIONS, type StrategyContext } from '../strategies/index.js';

const every: IssueOutcome[] = [
  ...(Object.keys(STATUS_BY_RESULT).filter((r) => r !== 'failed') as Array<Exclude<IssueOutcome['result'], 'failed'>>).map((result) => ({ result })),
  ...FAILURE_CAUSES.map((cause) => ({ result: 'failed' as const, cause })),
];

describe('the outcome vocabulary', () => {
  it('decodes every encoded outcome back to what the server meant', () => {
    for (const outcome of every) {
      const { status, body } = encodeOutcome(outcome);
      expect(decodeResponse(status, body)).toBe(outcome.result === 'failed' ? `failed:${outcome.cause}` : outcome.result);
    }
    expect(decodeResponse(502, '<html>bad gateway</html>')).toBe('http_502');
    expect(decodeResponse(500, '{"result":"issued"}')).toBe('http_500'); // status and body disagree: not ours
  });

  it('classifies every observation once', () => {
    expect(classify('issued').class).toBe('success');
    expect(classify('sold_out')).toEqual({ class: 'refusal' });
    expect(classify('lock_timeout')).toEqual({ class: 'refusal', group: 'lock_timeout' });
    expect(classify('failed:deadlock')).toEqual({ class: 'failure', group: 'deadlock' });
    expect(classify('failed:internal')).toEqual({ class: 'failure', group: 'errors_5xx' });
    // A MySQL connection lost mid-request may have committed: found in the link-fault matrix (mysql-pessimistic under reset#mysql held a coupon it had answered 500 for).
    expect(classify('failed:db_connection')).toEqual({ class: 'unknown', group: 'errors_5xx' });
    expect(classify('http_503')).toEqual({ class: 'failure', group: 'errors_5xx' });
    expect(classify('http_400')).toEqual({ class: 'failure', group: 'unexpected' });
    expect(classify(CLIENT_ENDINGS.timeout)).toEqual({ class: 'unknown', group: 'client_timeout' });
    expect(classify(CLIENT_ENDINGS.interrupted)).toEqual({ class: 'unknown' });
    expect([toneOf('issued'), toneOf('sold_out'), toneOf('failed:deadlock'), toneOf('timeout'), toneOf('interrupted')]).toEqual(['good', 'warn', 'bad', 'bad', 'dim']);
    expect(tallyObservations({ issued: 5, lock_timeout: 3, 'failed:deadlock': 2, timeout: 1, interrupted: 4, sold_out: 7 })).toEqual({
      classes: { success: 5, refusal: 10, failure: 2, unknown: 5 },
      failures: { lock_timeout: 3, deadlock: 2, errors_5xx: 0, client_timeout: 1, unexpected: 0 },
      failed: 3,
      unserved: 6,
    });
  });
});

describe('failure causes keep the real cause (bug 5)', () => {
  const ctx = (): StrategyContext => ({
    db: 'mysql',
    mysql: undefined as never,
    sections: undefined as never,
    databaseUrl: '',
    poolSize: 1,
    redis: undefined as never,
    redisNodes: [],
    onePerUser: true,
    options: DEFAULT_STRATEGY_OPTIONS,
    instance: 1,
  });

  it('a thrown error in a strategy is internal, not db_error', async () => {
    const app = createIssueApp({ issue: async () => { throw new TypeError('boom'); } });
    const server = http.createServer(app.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/coupons/1/issue`, { method: 'POST', body: '{"userId":1}' });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ result: 'failed', cause: 'internal' });
      expect(app.counts).toEqual({ tally: { 'failed:internal': 1 }, warnings: { release_failed: 0 } });
    } finally {
      server.close();
    }
  });

  it('a GET_LOCK acquire on a closed MySQL pool is db_connection, not redis_error', async () => {
    const lockPool = createPool(inject('mysqlUrl'), 1);
    await lockPool.end();
    const outcome = await issueUnderLock(ctx(), new MysqlNamedLock(lockPool, 'couponbench.test'), { couponId: 1, userId: 1 });
    expect(outcome).toMatchObject({ result: 'failed', cause: 'db_connection' });
  });

  it('a Redis lock on a closed connection is redis_error; a MySQL error is named by its errno', async () => {
    const redis = new Redis(inject('redisUrls')[0]!, { maxRetriesPerRequest: 0 });
    redis.disconnect();
    const outcome = await issueUnderLock(ctx(), new RedisSpinLock(redis, 'couponbench:test:closed', { leaseMs: 1000, retryIntervalMs: 10 }), { couponId: 1, userId: 1 });
    expect(outcome).toMatchObject({ result: 'failed', cause: 'redis_error' });
    const pool = createPool(inject('mysqlUrl'), 1);
    try {
      const err = await pool.query('SELECT * FROM no_such_db.t').catch((e: unknown) => e);
      expect(failureCauseOf(err)).toBe('db_error');
      expect(failureCauseOf(Object.assign(new Error('Deadlock found'), { errno: 1213, sqlState: '40001' }))).toBe('deadlock');
    } finally {
      await pool.end();
    }
  });
});
