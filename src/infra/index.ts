import { rmSync } from 'node:fs';
import { InfraError, UsageError } from '../errors.js';
import { redactUrl } from './clients.js';
import { connectPostgres } from '../db/postgres.js';
import { firstAvailable, MYSQL_SERVER_BINARIES, REDIS_SERVER_BINARIES } from './binaries.js';
import { dockerEngineAnswers, startDockerInfra } from './docker.js';
import { checkReachable, useExternalInfra } from './external.js';
import { startLocalInfra } from './local.js';
import { isAlive, stopPid } from './process.js';
import type { Resources } from '../lifecycle.js';
import { clearState, readState, stateFile, writeState, type InfraState } from './state.js';
import { mysqlUrlOf, type Infra, type InfraRequest } from './types.js';

export type { Infra, InfraRequest, InfraChoice, InfraKind } from './types.js';

/** Bring up (or attach to) MySQL + Redis as the request says. The caller owns `down()`. */
export async function infraUp(req: InfraRequest): Promise<Infra> {
  const infra = await mysqlAndRedisUp(req);
  if (!req.postgres || infra.postgresUrl) return infra;
  if (req.postgres.url) {
    await probePostgres(req.postgres.url).catch(async (err: Error) => {
      await infra.down();
      throw new InfraError(`cannot reach PostgreSQL at ${redactUrl(req.postgres!.url!)}: ${err.message}`);
    });
    return { ...infra, postgresUrl: req.postgres.url };
  }
  await infra.down();
  throw new UsageError(`--db postgres on ${infra.kind} infra needs --postgres-url (or POSTGRES_URL): only local infra starts a private PostgreSQL`);
}

async function mysqlAndRedisUp(req: InfraRequest): Promise<Infra> {
  const urls = splitRedisUrls(req.redisUrl);
  // A private PostgreSQL is started with the rest, on local infra, when no URL names one; then no MySQL.
  const ownPostgres = Boolean(req.postgres && !req.postgres.url);
  // --db postgres issues on PostgreSQL: no MySQL is started or asked for.
  const postgres = { postgres: ownPostgres, mysql: !req.postgres };
  if (req.choice === 'external' || (req.choice === 'auto' && (req.mysqlUrl || urls.length > 0))) {
    if (req.postgres) {
      if (urls.length === 0) throw new UsageError('external infra with --db postgres needs --redis-url (or REDIS_URL) beside --postgres-url');
      if (!req.postgres.url) throw new UsageError('external infra with --db postgres needs --postgres-url (or POSTGRES_URL) beside --redis-url');
      return useExternalInfra(undefined, urls);
    }
    if (!req.mysqlUrl || urls.length === 0) {
      throw new UsageError('external infra needs both --mysql-url and --redis-url (or MYSQL_URL and REDIS_URL)');
    }
    return useExternalInfra(req.mysqlUrl, urls);
  }
  if ((req.choice === 'auto' || req.choice === 'local') && !postgres.postgres) {
    const kept = await reuseKeptInfra(req.redisNodes);
    if (kept) return kept;
  }
  if (req.choice === 'local') return startLocalInfra(req.redisNodes, false, undefined, postgres);
  if (req.choice === 'docker') return startDockerInfra(req.redisNodes);

  if (localBinariesPresent()) return startLocalInfra(req.redisNodes, false, undefined, postgres);
  if (await dockerEngineAnswers()) return startDockerInfra(req.redisNodes);
  throw new InfraError(
    'no database to run against: install mariadb-server and redis-server (apt-get install mariadb-server redis-server), ' +
      'start Docker, or pass --mysql-url and --redis-url',
  );
}

export function localBinariesPresent(): boolean {
  return Boolean(firstAvailable(MYSQL_SERVER_BINARIES) && firstAvailable(REDIS_SERVER_BINARIES));
}

export function splitRedisUrls(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** Infra left running by `couponbench up`, if it is still there and has enough Redis nodes. */
async function reuseKeptInfra(redisNodes: number): Promise<Infra | undefined> {
  const state = readState();
  if (!state || state.redisUrls.length < redisNodes) return undefined;
  if (!state.pids.every(isAlive)) return undefined;
  try {
    await checkReachable(state.mysqlUrl, state.redisUrls);
  } catch {
    return undefined;
  }
  const redisUrls = state.redisUrls.slice(0, redisNodes);
  return { kind: 'local', shared: true, mysqlUrl: state.mysqlUrl, redisUrl: redisUrls[0]!, redisUrls, down: async () => {} };
}

/** `couponbench up`: start local infra detached and remember it; until it is remembered, `resources` stops it. */
export async function keepInfraUp(redisNodes: number, resources: Resources): Promise<InfraState> {
  const existing = readState();
  if (existing && existing.pids.every(isAlive)) return existing;
  if (existing) await keepInfraDown();
  const infra = await startLocalInfra(redisNodes, true, resources);
  const state: InfraState = {
    version: 1,
    dir: infra.dir,
    mysqlUrl: mysqlUrlOf(infra),
    redisUrls: infra.redisUrls,
    pids: infra.daemons.map((d) => d.pid),
    startedAt: new Date().toISOString(),
  };
  // Killed between saving the state and handing the daemons over, the reaper stops them: the state goes with them.
  infra.removeWith!(stateFile());
  await writeState(state);
  infra.keep!();
  return state;
}

/** `couponbench down`: stop what `up` started. Returns what it stopped, if anything. */
export async function keepInfraDown(): Promise<InfraState | undefined> {
  const state = readState();
  if (!state) return undefined;
  await Promise.all(state.pids.map((pid) => stopPid(pid)));
  rmSync(state.dir, { recursive: true, force: true });
  clearState();
  return state;
}

/** The server answers; a database it does not have yet (3D000) is one couponbench will create. */
async function probePostgres(url: string): Promise<void> {
  const client = await connectPostgres(url).catch((err: Error & { code?: string }) => {
    if (err.code === '3D000') return undefined;
    throw err;
  });
  await client?.end();
}
