import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Infra, InfraProcesses } from './types.js';
import { freePort } from './ports.js';
import { startLocalMysql } from './mysqlServer.js';
import { startLocalRedis } from './redisServer.js';
import { INFRA_DIR_PREFIX, sweepStaleInfra, thisProcess, writeOwner } from './ownership.js';
import type { Daemon } from './process.js';
import { startReaper } from './reaper.js';

export interface LocalInfra extends Infra {
  dir: string;
  daemons: Daemon[];
}

/**
 * Private mariadbd + redis-server(s) on free ports, data in a fresh temp directory. `down()`
 * stops them and removes the directory. If any start fails, whatever did start is stopped.
 * Unless `kept` (`couponbench up`), the daemons' lives are tied to ours: a reaper process stops
 * them and removes the directory if couponbench dies without doing so itself. Every start first
 * sweeps what killed runs left behind.
 */
export async function startLocalInfra(redisNodes: number, kept = false): Promise<LocalInfra> {
  await sweepStaleInfra();
  const dir = mkdtempSync(join(tmpdir(), INFRA_DIR_PREFIX));
  const daemons: Daemon[] = [];
  const owner = { owner: thisProcess(), kept, daemons: [] as Array<{ name: string; pid: number; startTime: string }> };
  writeOwner(dir, owner);
  const reaper = kept ? undefined : startReaper(dir);
  const spawned = (d: Daemon) => {
    reaper?.watch(d);
    owner.daemons.push({ name: d.name, pid: d.pid, startTime: d.startTime });
    writeOwner(dir, owner);
  };
  const down = async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
    reaper?.release();
  };
  try {
    const mysqlPort = await freePort();
    const redisPorts: number[] = [];
    while (redisPorts.length < redisNodes) {
      const port = await freePort();
      if (port !== mysqlPort && !redisPorts.includes(port)) redisPorts.push(port);
    }
    const started = await Promise.allSettled([
      startLocalMysql(dir, mysqlPort, kept, spawned),
      ...redisPorts.map((port, i) => startLocalRedis(dir, port, kept, i === 0 ? 'redis' : `redis-${i + 1}`, spawned)),
    ]);
    for (const s of started) if (s.status === 'fulfilled') daemons.push(s.value.daemon);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const [mysql, ...redis] = started.map((s) => (s as PromiseFulfilledResult<{ url: string }>).value);
    const redisUrls = redis.map((r) => r.url);
    const redisDaemons = started.slice(1).map((s) => (s as PromiseFulfilledResult<{ daemon: Daemon }>).value.daemon);
    const processes: InfraProcesses = {
      mysqlPid: daemons[0]!.pid,
      redisPids: () => redisDaemons.map((d) => d.pid),
      restartRedis: async (index) => {
        const old = redisDaemons[index]!;
        process.kill(old.pid, 'SIGKILL');
        await old.stop(); // waits for the exit
        const again = await startLocalRedis(dir, redisPorts[index]!, kept, old.name, spawned);
        daemons[daemons.indexOf(old)] = again.daemon;
        redisDaemons[index] = again.daemon;
      },
    };
    return { kind: 'local', shared: false, mysqlUrl: mysql!.url, redisUrl: redisUrls[0]!, redisUrls, dir, daemons, down, processes };
  } catch (err) {
    await down();
    throw err;
  }
}
