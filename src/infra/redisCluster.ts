/**
 * A private Redis Cluster on loopback: N masters started with --cluster-enabled, joined and given
 * all 16,384 slots by `redis-cli --cluster create`. Used by the tests that run the built-in
 * strategies on a cluster; stopped (and its directory removed) by `down()`.
 */
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { InfraError } from '../errors.js';
import { which } from './binaries.js';
import { INFRA_DIR_PREFIX, sweepStaleInfra, thisProcess, writeOwner } from './ownership.js';
import { canConnect, freePort } from './ports.js';
import type { Daemon } from './process.js';
import { startReaper } from './reaper.js';
import { startLocalRedis } from './redisServer.js';

export interface LocalRedisCluster {
  /** One URL per master; any of them names the cluster. */
  urls: string[];
  down(): Promise<void>;
}

/** A port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 <= 65535 && !taken.includes(port) && !(await canConnect(port + 10000))) return port;
  }
}

export async function startLocalRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const cli = which('redis-cli');
  if (!cli) throw new InfraError('no redis-cli on PATH (install redis-tools) to create a Redis Cluster');
  await sweepStaleInfra();
  const dir = mkdtempSync(join(tmpdir(), `${INFRA_DIR_PREFIX}cluster-`));
  const daemons: Daemon[] = [];
  // As for local infra: an owner file for the stale sweep, and a reaper if we die first.
  const owner = { owner: thisProcess(), kept: false, daemons: [] as Array<{ name: string; pid: number; startTime: string }> };
  writeOwner(dir, owner);
  const reaper = startReaper(dir);
  const spawned = (d: Daemon) => {
    daemons.push(d);
    reaper.watch(d);
    owner.daemons.push({ name: d.name, pid: d.pid, startTime: d.startTime });
    writeOwner(dir, owner);
  };
  const down = async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
    reaper.release();
  };
  try {
    const ports: number[] = [];
    while (ports.length < masters) ports.push(await clusterPort(ports));
    const nodes = await Promise.all(
      ports.map((port) =>
        startLocalRedis(dir, port, false, `redis-cluster-${port}`, spawned, [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '5000',
        ]),
      ),
    );
    const create = await execa(cli, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { reject: false, stdin: 'ignore' });
    if (create.exitCode !== 0) throw new InfraError(`redis-cli --cluster create failed: ${(create.stdout + create.stderr).trim().split('\n').pop()}`);
    await waitForClusterOk(nodes.map((n) => n.url));
    return { urls: nodes.map((n) => n.url), down };
  } catch (err) {
    await down();
    throw err;
  }
}

async function waitForClusterOk(urls: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const states = await Promise.all(
      urls.map(async (url) => {
        const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
        try {
          await client.connect();
          return /cluster_state:ok/.test(await client.cluster('INFO'));
        } finally {
          client.disconnect();
        }
      }),
    );
    if (states.every(Boolean)) return;
    await sleep(200);
  }
  throw new InfraError('the Redis Cluster did not reach cluster_state:ok within 30s');
}
