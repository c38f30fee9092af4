import { InfraError } from '../errors.js';
import { isRedisCluster, probeMysql, probeRedis, redactUrl } from './clients.js';
import type { Infra } from './types.js';

/** Services the user runs; we only check that they answer and never stop them. */
export async function useExternalInfra(mysqlUrl: string | undefined, redisUrls: string[]): Promise<Infra> {
  await checkReachable(mysqlUrl, redisUrls);
  const clusters = await Promise.all(redisUrls.map((url) => isRedisCluster(url)));
  const redisCluster = clusters.some(Boolean);
  if (redisCluster && redisUrls.length > 1) throw new InfraError('a Redis Cluster is named by one URL (any of its nodes); give it alone to --redis-url');
  return { kind: 'external', shared: true, ...(mysqlUrl ? { mysqlUrl } : {}), redisUrl: redisUrls[0]!, redisUrls, redisCluster, down: async () => {} };
}

export async function checkReachable(mysqlUrl: string | undefined, redisUrls: string[]): Promise<void> {
  if (mysqlUrl) {
    try {
      await probeMysql(mysqlUrl);
    } catch (err) {
      throw new InfraError(`cannot reach MySQL at ${redactUrl(mysqlUrl)}: ${describe(err)}`);
    }
  }
  for (const url of redisUrls) {
    try {
      await probeRedis(url);
    } catch (err) {
      throw new InfraError(`cannot reach Redis at ${redactUrl(url)}: ${describe(err)}`);
    }
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { errors?: Error[] };
  if (e.errors?.length) return e.errors.map((x) => x.message).join('; ');
  return e.message || e.code || String(err);
}
