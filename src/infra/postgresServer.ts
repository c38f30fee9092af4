import { execa } from 'execa';
import { chmodSync, chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { InfraError } from '../errors.js';
import { postgresBinDir } from './binaries.js';
import { logTail, startDaemon, type Daemon } from './process.js';

export interface LocalPostgres {
  daemon: Daemon;
  url: string;
}

/**
 * The user the server runs as: postgres refuses to run as root, so as root it runs as the
 * `postgres` account Debian's package creates (or `nobody`); otherwise as ourselves.
 */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const id = await execa('id', ['-u', name], { reject: false });
    const group = await execa('id', ['-g', name], { reject: false });
    if (id.exitCode === 0 && group.exitCode === 0) return { uid: Number(id.stdout), gid: Number(group.stdout) };
  }
  throw new InfraError('running as root, and there is no "postgres" or "nobody" account for PostgreSQL to run as (it refuses root)');
}

/**
 * Initialise a throw-away cluster and start postgres on 127.0.0.1:`port`, user `postgres`
 * trusted without a password, its socket in our temp directory. Settings are the server's
 * defaults except what a private, many-connection benchmark needs.
 */
export async function startLocalPostgres(dir: string, port: number, detached: boolean, onSpawn: (d: Daemon) => void = () => {}, signal?: AbortSignal): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new InfraError('no PostgreSQL server binaries (initdb, postgres) on PATH or in /usr/lib/postgresql (install postgresql, or pass a postgres:// URL)');
  const user = await serverUser();
  const home = join(dir, 'postgres');
  const dataDir = join(home, 'data');
  mkdirSync(home, { recursive: true });
  if (user) {
    // The server's own user must reach its directory through ours (traverse, not list).
    chmodSync(dir, 0o711);
    chownSync(home, user.uid, user.gid);
  }
  const init = await execa(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
    reject: false,
    cancelSignal: signal,
    ...(user ?? {}),
  });
  if (signal?.aborted) throw new InfraError('start-up interrupted');
  if (init.exitCode !== 0) throw new InfraError(`initialising a PostgreSQL cluster failed: ${`${init.stderr}\n${init.stdout}`.trim().split('\n').slice(-3).join(' | ')}`);
  const args = ['-D', dataDir, '-p', String(port), '-k', home, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=500', '-c', 'shared_buffers=128MB'];
  const daemon = startDaemon('postgres', join(bin, 'postgres'), args, join(dir, 'postgres.log'), detached, { ...(user ? { user } : {}), stopSignal: 'SIGINT' });
  onSpawn(daemon);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitForPostgres(url, daemon, signal);
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return { daemon, url };
}

async function waitForPostgres(url: string, daemon: Daemon, signal?: AbortSignal, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new InfraError('start-up interrupted');
    if (daemon.exited()) throw new InfraError(`postgres exited during start-up: ${logTail(daemon.logFile)}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch {
      await sleep(100);
    } finally {
      await client.end().catch(() => {});
    }
  }
  throw new InfraError(`postgres did not answer within ${timeoutMs / 1000}s: ${logTail(daemon.logFile)}`);
}
