/**
 * Redis Cluster (issue #8, part 5): --redis-url naming any node of a real 3-master cluster, which
 * the test starts on loopback with redis-server --cluster-enabled and redis-cli --cluster create.
 * Every key one Lua script touches shares a hash tag, so the built-in strategies run unchanged.
 */
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalRedisCluster, type LocalRedisCluster } from '../../src/infra/redisCluster.js';
import { packageRoot } from '../../src/paths.js';
import { readReport } from '../../src/report/files.js';

const BIN = join(packageRoot(), 'bin', 'couponbench.js');
const out = mkdtempSync(join(tmpdir(), 'cb-cluster-'));
let cluster: LocalRedisCluster;

beforeAll(async () => {
  cluster = await startLocalRedisCluster(3);
});
afterAll(async () => {
  await cluster?.down();
});

describe('built-in strategies on a Redis Cluster', () => {
  it.each(['redis-pubsub', 'redis-fair', 'redis-atomic'])('%s keeps integrity with its keys on one slot per coupon', async (strategy) => {
    const file = join(out, `${strategy}.json`);
    const r = await execa(
      'node',
      [BIN, 'run', '-s', strategy, '--infra', 'external', '--mysql-url', inject('mysqlUrl'), '--redis-url', cluster.urls[1]!, '--database', 'cb_cluster',
        '--quantity', '300', '--vus', '30', '--duration', '2s', '--think-time', '10ms', '--user-pool', '3000', '--gate', '-q', '--out', file],
      { reject: false, env: { FORCE_COLOR: '0' } },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const report = await readReport(file);
    expect(report.audit).toMatchObject({ verdict: 'pass', violations: [] });
    expect(report.audit.rows).toBeGreaterThan(0); // coupons were issued through the cluster, not refused for want of a key
    expect(report.load.outcomes.failures.errors_5xx).toBe(0); // no CROSSSLOT, no MOVED left unfollowed
    if (strategy === 'redis-atomic') expect(report.audit.redis).toEqual({ stock: report.audit.finalQuantity, winners: report.audit.rows });
  });

  it('spreads coupons over the masters: the hash tag names the coupon, not the strategy', async () => {
    const client = new Cluster([{ host: '127.0.0.1', port: Number(new URL(cluster.urls[0]!).port) }]);
    try {
      const slots = await Promise.all([1, 2, 3, 4, 5, 6].map((id) => client.cluster('KEYSLOT', `couponbench:atomic:{coupon:${id}}:stock`)));
      expect(new Set(slots).size).toBe(6);
      expect(await client.cluster('KEYSLOT', 'couponbench:fairlock:{coupon:7}:queue')).toBe(await client.cluster('KEYSLOT', 'couponbench:fairlock:{coupon:7}'));
    } finally {
      client.disconnect();
    }
  });
});
