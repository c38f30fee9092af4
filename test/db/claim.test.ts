/**
 * A run owns its database (src/db/claim.ts): a second run on the same database is refused in one
 * line naming the first, while a run on another database, on the same MySQL and the same Redis,
 * goes side by side and keeps its own data (issue 15: two runs used to wipe each other).
 */
import { describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { claimDatabase } from '../../src/db/claim.js';
import { couponIdFor } from '../../src/db/seed.js';
import { Resources } from '../../src/lifecycle.js';
import { runOnInfra } from '../../src/run.js';
import type { RunEvent } from '../../src/timeline/events.js';
import { DEFAULT_STRATEGY_OPTIONS } from '../../strategies/index.js';
import { scenario, sharedInfra } from '../helpers.js';

function startRun(strategy: string, database: string, onEvent?: (event: RunEvent) => void) {
  const resources = new Resources();
  const infra = sharedInfra();
  const run = runOnInfra({ ...infra, redisUrls: infra.redisUrls.slice(0, 1) }, {
    strategy,
    scenario: scenario({ quantity: 300, stages: [{ duration: 3, target: 30 }], startVUs: 30, userPool: 3000 }),
    instances: 2,
    poolSize: 5,
    host: '127.0.0.1',
    port: 0,
    database,
    seed: 3,
    options: DEFAULT_STRATEGY_OPTIONS,
  }, { resources, onEvent });
  return run.finally(() => resources.releaseAll());
}

describe('one run per database', () => {
  it('refuses a second run on the same database, naming the first; another database runs beside it on the same Redis', async () => {
    let underLoad!: () => void;
    const loading = new Promise<void>((resolve) => (underLoad = resolve));
    const first = startRun('redis-atomic', 'cb_claim', (event) => event.type === 'server-up' && underLoad());
    await loading;
    await expect(startRun('mysql-atomic', 'cb_claim')).rejects.toThrow(
      new RegExp(`^database "cb_claim" is in use by another couponbench run \\(redis-atomic on test, pid ${process.pid} on \\S+, since \\d\\d:\\d\\d:\\d\\d UTC\\); wait for it to end, or give this run its own with --database$`),
    );
    // Another database: the same Redis, but its own coupon id, so its own keys.
    expect(couponIdFor('cb_claim_other')).not.toBe(couponIdFor('cb_claim'));
    const beside = await startRun('redis-atomic', 'cb_claim_other');
    const report = await first;
    for (const r of [report, beside]) {
      expect(r.audit.verdict, r.audit.explanation).toBe('pass');
      expect(r.audit.rows).toBe(300);
      expect(r.audit.redis?.stock).toBe(0);
    }
    // The claim went with the run: the database is free again.
    const again = await claimDatabase(sharedInfra().mysqlUrl, 'cb_claim');
    await again.release();
  });

  it("is released by the server when the holder's connection dies (a run killed with kill -9)", async () => {
    const url = sharedInfra().mysqlUrl;
    const held = await claimDatabase(url, 'cb_claim_dead');
    await expect(claimDatabase(url, 'cb_claim_dead')).rejects.toThrow(/in use by another couponbench run \(MySQL connection \d+\)/);
    const admin = await mysql.createConnection(url);
    const [[{ id }]] = (await admin.query("SELECT IS_USED_LOCK('couponbench.run.cb_claim_dead') AS id")) as unknown as [[{ id: number }]];
    await admin.query(`KILL ${id}`);
    await admin.end();
    const after = await claimDatabase(url, 'cb_claim_dead');
    await after.release();
    await held.release().catch(() => {});
  });
});
