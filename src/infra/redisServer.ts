import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InfraError } from '../errors.js';
import { firstAvailable, REDIS_SERVER_BINARIES } from './binaries.js';
import { canConnect } from './ports.js';
import { logTail, startDaemon, type Daemon } from './process.js';

export interface LocalRedis {
  daemon: Daemon;
  url: string;
}

/** Start a private redis-server on 127.0.0.1:`port` that keeps nothing on disk. */
export async function startLocalRedis(
  dir: string,
  port: number,
  detached: boolean,
  name = 'redis',
  onSpawn: (d: Daemon) => void = () => {},
  extraArgs: string[] = [],
  signal?: AbortSignal,
): Promise<LocalRedis> {
  const server = firstAvailable(REDIS_SERVER_BINARIES);
  if (!server) throw new InfraError('no redis-server on PATH (install redis-server, or pass --redis-url)');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...extraArgs];
  const daemon = startDaemon(name, server, args, join(dir, `${name}.log`), detached);
  onSpawn(daemon);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !signal?.aborted) {
    if (daemon.exited()) throw new InfraError(`redis-server exited during start-up: ${logTail(daemon.logFile)}`);
    if (await canConnect(port)) return { daemon, url: `redis://127.0.0.1:${port}` };
    await sleep(50);
  }
  await daemon.stop();
  if (signal?.aborted) throw new InfraError('start-up interrupted');
  throw new InfraError(`redis-server did not answer within 20s: ${logTail(daemon.logFile)}`);
}
