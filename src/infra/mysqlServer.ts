import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { InfraError } from '../errors.js';
import { firstAvailable, MYSQL_SERVER_BINARIES, which } from './binaries.js';
import { logTail, startDaemon, type Daemon } from './process.js';

export interface LocalMysql {
  daemon: Daemon;
  url: string;
}

/**
 * Initialise a throw-away data directory and start mariadbd (or Oracle mysqld) on `port`,
 * bound to 127.0.0.1, root without a password. Settings are the server's defaults except what
 * a private, many-connection benchmark needs.
 */
export async function startLocalMysql(dir: string, port: number, detached: boolean, onSpawn: (d: Daemon) => void = () => {}, signal?: AbortSignal): Promise<LocalMysql> {
  const server = firstAvailable(MYSQL_SERVER_BINARIES);
  if (!server) throw new InfraError('no mariadbd or mysqld on PATH (install mariadb-server, or pass --mysql-url)');
  const dataDir = join(dir, 'mysql-data');
  mkdirSync(dataDir, { recursive: true });
  const runAsRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  const isMariaDb = (await execa(server, ['--version'], { reject: false })).stdout.includes('MariaDB');

  await initialiseDataDir(server, isMariaDb, dataDir, runAsRoot, signal);
  if (signal?.aborted) throw new InfraError('start-up interrupted');

  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${join(dir, 'mysqld.sock')}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--tmpdir=${dir}`,
    '--skip-name-resolve',
    '--max-connections=2000',
    '--innodb-buffer-pool-size=256M',
    ...(isMariaDb ? [] : ['--disable-log-bin', '--mysqlx=OFF']),
    ...runAsRoot,
  ];
  const daemon = startDaemon('mysql', server, args, join(dir, 'mysqld.log'), detached);
  onSpawn(daemon);
  const url = `mysql://root@127.0.0.1:${port}/`;
  try {
    await waitForMysql(url, daemon, signal);
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return { daemon, url };
}

/** `signal` cancels the installer (an interrupted start must not leave it writing into a removed directory). */
async function initialiseDataDir(server: string, isMariaDb: boolean, dataDir: string, runAsRoot: string[], signal?: AbortSignal): Promise<void> {
  const installer = isMariaDb ? which('mariadb-install-db') ?? which('mysql_install_db') : undefined;
  const result = installer
    ? await execa(
        installer,
        ['--no-defaults', `--datadir=${dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...runAsRoot],
        { reject: false, cancelSignal: signal },
      )
    : await execa(server, ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, ...runAsRoot], { reject: false, cancelSignal: signal });
  if (signal?.aborted) throw new InfraError('start-up interrupted');
  if (result.exitCode !== 0) {
    const output = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-3).join(' | ');
    throw new InfraError(`initialising a MySQL data directory failed: ${output}`);
  }
}

async function waitForMysql(url: string, daemon: Daemon, signal?: AbortSignal, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new InfraError('start-up interrupted');
    if (daemon.exited()) throw new InfraError(`mysql server exited during start-up: ${logTail(daemon.logFile)}`);
    try {
      const conn = await mysql.createConnection({ uri: url, connectTimeout: 1000 });
      await conn.query('SELECT 1');
      await conn.end();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new InfraError(`mysql server did not answer within ${timeoutMs / 1000}s: ${logTail(daemon.logFile)}`);
}
