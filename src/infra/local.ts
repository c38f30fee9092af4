import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Infra } from './types.js';
import { freePort } from './ports.js';
import { startLocalMysql } from './mysqlServer.js';
import { startLocalRedis } from './redisServer.js';
import type { Daemon } from './process.js';

export interface LocalInfra extends Infra {
  dir: string;
  daemons: Daemon[];
}

/**
 * Private mariadbd + redis-server(s) on free ports, data in a fresh temp directory. `down()`
 * stops them and removes the directory. If any start fails, whatever did start is stopped.
 */
export async function startLocalInfra(redisNodes: number, detached = false): Promise<LocalInfra> {
  const dir = mkdtempSync(join(tmpdir(), 'couponbench-'));
  const daemons: Daemon[] = [];
  const down = async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const mysqlPort = await freePort();
    const redisPorts: number[] = [];
    while (redisPorts.length < redisNodes) {
      const port = await freePort();
      if (port !== mysqlPort && !redisPorts.includes(port)) redisPorts.push(port);
    }
    const started = await Promise.allSettled([
      startLocalMysql(dir, mysqlPort, detached),
      ...redisPorts.map((port, i) => startLocalRedis(dir, port, detached, i === 0 ? 'redis' : `redis-${i + 1}`)),
    ]);
    for (const s of started) if (s.status === 'fulfilled') daemons.push(s.value.daemon);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [mysql, ...redis] = started.map((s) => (s as PromiseFulfilledResult<{ url: string }>).value);
    const redisUrls = redis.map((r) => r.url);
    return { kind: 'local', shared: false, mysqlUrl: mysql!.url, redisUrl: redisUrls[0]!, redisUrls, dir, daemons, down };
  } catch (err) {
    await down();
    throw err;
  }
}
