import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfraError } from '../errors.js';
import type { Infra, InfraProcesses } from './types.js';
import { freePort } from './ports.js';
import { startLocalMysql } from './mysqlServer.js';
import { startLocalRedis } from './redisServer.js';
import { startLocalPostgres } from './postgresServer.js';
import { INFRA_DIR_PREFIX, sweepStaleInfra, thisProcess, writeOwner } from './ownership.js';
import type { Daemon } from './process.js';
import { startReaper } from './reaper.js';
import type { Resources } from '../lifecycle.js';

/** The longest Unix socket path (sun_path, 108 bytes with its NUL): mariadbd's socket lives in our temp directory. */
const MAX_SOCKET_PATH = 107;

/**
 * Private daemons live in a directory under TMPDIR: it must exist, be writable, hold no
 * whitespace (mariadb-install-db splits its paths on it) and be short enough for a socket path.
 */
export function assertTempDirUsable(dir = tmpdir()): void {
  const fix = 'point TMPDIR at another directory (e.g. TMPDIR=/tmp)';
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new InfraError(`TMPDIR ${dir} does not exist; ${fix}`);
  }
  if (!isDir) throw new InfraError(`TMPDIR ${dir} is not a directory; ${fix}`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new InfraError(`TMPDIR ${dir} is not writable; ${fix}`);
  }
  if (/\s/.test(dir)) throw new InfraError(`TMPDIR "${dir}" holds whitespace, which mariadb-install-db cannot handle; ${fix}`);
  const socket = join(dir, `${INFRA_DIR_PREFIX}XXXXXX`, 'mysqld.sock');
  if (socket.length > MAX_SOCKET_PATH) throw new InfraError(`TMPDIR ${dir} is too long for a Unix socket path (${socket.length} > ${MAX_SOCKET_PATH} bytes); ${fix}`);
}

export interface LocalInfra extends Infra {
  dir: string;
  daemons: Daemon[];
  /** Started to be kept (`couponbench up`): hand the daemons over to outlive us, once their state is saved. */
  keep?: () => void;
  /** A file about these daemons (`up`'s state, written before keep()): removed with them if couponbench dies first. */
  removeWith?: (file: string) => void;
}

/**
 * Private mariadbd + redis-server(s) (and postgres, when asked) on free ports, data in a fresh temp directory. `down()`
 * stops them and removes the directory. If any start fails, whatever did start is stopped.
 * Until they are kept (`couponbench up` calls `keep()` once it saved their state), the daemons'
 * lives are tied to ours: a reaper process stops them and removes the directory if couponbench
 * dies without doing so itself, and `resources` (given) stops them on Ctrl-C even mid-start.
 * Every start first sweeps what killed runs left behind.
 */
/** `opts`: a PostgreSQL too (`postgres`), and no MySQL where the run issues on PostgreSQL (`mysql: false`). */
export async function startLocalInfra(redisNodes: number, kept = false, resources?: Resources, opts: { postgres?: boolean; mysql?: boolean } = {}): Promise<LocalInfra> {
  assertTempDirUsable();
  await sweepStaleInfra();
  const dir = mkdtempSync(join(tmpdir(), INFRA_DIR_PREFIX));
  const daemons: Daemon[] = [];
  // Every daemon spawned, in spawn order, as soon as it is: an interrupted start must stop those too.
  const launched: Daemon[] = [];
  // Marked kept only by keep(): an `up` interrupted while starting leaves stale, sweepable leftovers.
  const owner = { owner: thisProcess(), kept: false, daemons: [] as Array<{ name: string; pid: number; startTime: string }> };
  writeOwner(dir, owner);
  const reaper = startReaper(dir);
  let handedOver = false;
  // Ctrl-C mid-start: cancel what is still starting (the data-directory installer, the waits), then stop it all.
  const abort = new AbortController();
  let starting: Promise<unknown> = Promise.resolve();
  const spawned = (d: Daemon) => {
    launched.push(d);
    reaper.watch(d);
    owner.daemons.push({ name: d.name, pid: d.pid, startTime: d.startTime });
    writeOwner(dir, owner);
  };
  const down = async () => {
    if (handedOver) return;
    abort.abort();
    await starting;
    await Promise.all(launched.map((d) => d.stop()));
    rmSync(dir, { recursive: true, force: true });
    reaper.release();
  };
  resources?.defer('local infra', down);
  const keep = () => {
    handedOver = true;
    owner.kept = true;
    writeOwner(dir, owner);
    reaper.release();
  };
  try {
    const taken: number[] = [];
    const nextPort = async () => {
      let port = await freePort();
      while (taken.includes(port)) port = await freePort();
      taken.push(port);
      return port;
    };
    const mysqlPort = opts.mysql === false ? undefined : await nextPort();
    const redisPorts: number[] = [];
    while (redisPorts.length < redisNodes) redisPorts.push(await nextPort());
    const postgresPort = opts.postgres ? await nextPort() : undefined;
    // Started together; each is found again by its place in this list.
    const starts: Array<Promise<{ url: string; daemon: Daemon }>> = [
      ...(mysqlPort ? [startLocalMysql(dir, mysqlPort, kept, spawned, abort.signal)] : []),
      ...redisPorts.map((port, i) => startLocalRedis(dir, port, kept, i === 0 ? 'redis' : `redis-${i + 1}`, spawned, [], abort.signal)),
      ...(postgresPort ? [startLocalPostgres(dir, postgresPort, kept, spawned, abort.signal)] : []),
    ];
    const startup = Promise.allSettled(starts);
    starting = startup;
    const started = await startup;
    for (const s of started) if (s.status === 'fulfilled') daemons.push(s.value.daemon);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const values = started.map((s) => (s as PromiseFulfilledResult<{ url: string; daemon: Daemon }>).value);
    const mysql = mysqlPort ? values.shift() : undefined;
    const redis = values.slice(0, redisNodes);
    const postgres = postgresPort ? values[redisNodes] : undefined;
    const redisUrls = redis.map((r) => r.url);
    const redisDaemons = redis.map((r) => r.daemon);
    const processes: InfraProcesses = {
      ...(mysql ? { mysqlPid: mysql.daemon.pid } : {}),
      ...(postgres ? { postgresPid: postgres.daemon.pid } : {}),
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
    return {
      kind: 'local',
      shared: false,
      ...(mysql ? { mysqlUrl: mysql.url } : {}),
      redisUrl: redisUrls[0]!,
      redisUrls,
      ...(postgres ? { postgresUrl: postgres.url } : {}),
      dir,
      daemons,
      down,
      processes,
      ...(kept ? { keep, removeWith: (file: string) => reaper.removeWith(file) } : {}),
    };
  } catch (err) {
    await down();
    throw err;
  }
}
